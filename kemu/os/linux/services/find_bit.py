"""The bitmap searches of lib/find_bit.c, which for_each_set_bit, find_next_bit and the
cpumask iterators compile to when the bitmap is larger than one word.

A bitmap is an array of `unsigned long` in the machine's word size and byte order; bit n
is bit (n % BITS_PER_LONG) of word n / BITS_PER_LONG. Every search answers the index of the
bit it found, or `size` (the bitmap's length in bits) when there is none, as the kernel does;
a start at or beyond the size finds nothing.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("find_bit")


def _bitmap(k, addr: int, nbits: int) -> int:
    """The first `nbits` bits at `addr` as one Python integer (bit n is bit n of the bitmap)."""
    if nbits <= 0:
        return 0
    word = k.machine.word_size
    nbytes = -(-nbits // (8 * word)) * word
    return int.from_bytes(k.machine.mem.read(addr, nbytes), "little") & ((1 << nbits) - 1)


def _first_set(value: int, start: int, nbits: int) -> int:
    """Index of the lowest set bit of `value` at or above `start`, or `nbits` if none."""
    if start >= nbits:
        return nbits
    rest = value >> start
    if not rest:
        return nbits
    return min(start + ((rest & -rest).bit_length() - 1), nbits)


def _mask(nbits: int) -> int:
    return (1 << nbits) - 1 if nbits > 0 else 0


@table.service("unsigned long _find_first_bit(const unsigned long *addr, unsigned long size)")
def _find_first_bit(k, addr: int, size: int) -> int:
    """The first set bit of the bitmap."""
    return _first_set(_bitmap(k, addr, size), 0, size)


@table.service("unsigned long _find_first_zero_bit(const unsigned long *addr, unsigned long size)")
def _find_first_zero_bit(k, addr: int, size: int) -> int:
    """The first clear bit of the bitmap."""
    return _first_set(~_bitmap(k, addr, size) & _mask(size), 0, size)


@table.service("unsigned long _find_first_and_bit(const unsigned long *addr1, const unsigned long *addr2, "
               "unsigned long size)")
def _find_first_and_bit(k, addr1: int, addr2: int, size: int) -> int:
    """The first bit set in both bitmaps."""
    return _first_set(_bitmap(k, addr1, size) & _bitmap(k, addr2, size), 0, size)


@table.service("unsigned long _find_next_bit(const unsigned long *addr1, unsigned long nbits, "
               "unsigned long start)")
def _find_next_bit(k, addr: int, nbits: int, start: int) -> int:
    """The first set bit at or after `start`."""
    return _first_set(_bitmap(k, addr, nbits), start, nbits)


@table.service("unsigned long _find_next_zero_bit(const unsigned long *addr1, unsigned long nbits, "
               "unsigned long start)")
def _find_next_zero_bit(k, addr: int, nbits: int, start: int) -> int:
    """The first clear bit at or after `start`."""
    return _first_set(~_bitmap(k, addr, nbits) & _mask(nbits), start, nbits)


@table.service("unsigned long _find_next_and_bit(const unsigned long *addr1, const unsigned long *addr2, "
               "unsigned long nbits, unsigned long start)")
def _find_next_and_bit(k, addr1: int, addr2: int, nbits: int, start: int) -> int:
    """The first bit at or after `start` set in both bitmaps."""
    return _first_set(_bitmap(k, addr1, nbits) & _bitmap(k, addr2, nbits), start, nbits)


@table.service("unsigned long _find_next_andnot_bit(const unsigned long *addr1, const unsigned long *addr2, "
               "unsigned long nbits, unsigned long start)")
def _find_next_andnot_bit(k, addr1: int, addr2: int, nbits: int, start: int) -> int:
    """The first bit at or after `start` set in the first bitmap and clear in the second."""
    return _first_set(_bitmap(k, addr1, nbits) & ~_bitmap(k, addr2, nbits), start, nbits)


@table.service("unsigned long _find_last_bit(const unsigned long *addr, unsigned long size)")
def _find_last_bit(k, addr: int, size: int) -> int:
    """The last set bit of the bitmap, or `size` when none is set."""
    value = _bitmap(k, addr, size)
    return value.bit_length() - 1 if value else size


@table.service("unsigned int __bitmap_weight(const unsigned long *bitmap, unsigned int nbits)")
def __bitmap_weight(k, bitmap: int, nbits: int) -> int:
    """lib/bitmap.c's population count of the first `nbits` bits (bitmap_weight beyond one word)."""
    return _bitmap(k, bitmap, nbits).bit_count()
