"""Integer helpers every layer needs: a raw guest word read as a C signed integer, and rounding
up to an alignment.

Guest memory and registers hold unsigned bit patterns; C types decide whether a value is
signed. This module sits below all layers (it imports nothing of kemu), so the linker's
overflow checks, the machine's varargs, the kernel's argument decoding and the debugger's value
printing all mean the same thing by "signed" — and the linker's section layout, the machine's
page rounding and the struct layouts all round up the same way.
"""
from __future__ import annotations


def to_signed(value: int, bits: int) -> int:
    """The low `bits` bits of `value` read as a two's-complement integer."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def to_unsigned(value: int, bits: int) -> int:
    """`value` (of any sign) as the unsigned bit pattern of a `bits`-wide field."""
    return value & ((1 << bits) - 1)


def align_up(value: int, align: int) -> int:
    """`value` rounded up to a multiple of `align`; an alignment of 0 or 1 (ELF's "none") leaves it."""
    return -(-value // align) * align if align > 1 else value
