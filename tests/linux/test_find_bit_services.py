"""lib/find_bit.c's bitmap searches called through their trap stubs as a module calls them,
on bitmaps spanning several words (where the word size and byte order matter)."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def bitmap(linux, *bits: int, nbits: int = 200) -> int:
    """A zeroed bitmap of `nbits` bits in guest memory with `bits` set."""
    w = linux.machine.word_size
    words = -(-nbits // (8 * w))
    addr = linux.kernel.heap.alloc(words * w, "test", zero=True)
    value = sum(1 << b for b in bits)
    linux.machine.mem.write(addr, value.to_bytes(words * w, "little"))
    return addr


def test_find_next_bit_walks_the_set_bits_across_words(linux):
    addr = bitmap(linux, 3, 64, 65, 130)
    found, start = [], 0
    while (bit := call(linux, "_find_next_bit", addr, 200, start)) < 200:
        found.append(bit)
        start = bit + 1
    assert found == [3, 64, 65, 130]


def test_find_first_bit_answers_size_on_an_empty_bitmap(linux):
    assert call(linux, "_find_first_bit", bitmap(linux), 200) == 200
    assert call(linux, "_find_first_bit", bitmap(linux, 77), 200) == 77


def test_bits_beyond_the_size_are_not_found(linux):
    addr = bitmap(linux, 150)
    assert call(linux, "_find_next_bit", addr, 100, 0) == 100
    assert call(linux, "_find_last_bit", addr, 100) == 100
    assert call(linux, "_find_next_bit", addr, 200, 151) == 200


def test_zero_searches_skip_the_set_bits(linux):
    addr = bitmap(linux, *range(0, 70))
    assert call(linux, "_find_first_zero_bit", addr, 200) == 70
    assert call(linux, "_find_next_zero_bit", addr, 200, 100) == 100
    full = bitmap(linux, *range(0, 40), nbits=40)
    assert call(linux, "_find_first_zero_bit", full, 40) == 40


def test_and_and_andnot_combine_two_bitmaps(linux):
    a, b = bitmap(linux, 5, 66, 140), bitmap(linux, 66, 140)
    assert call(linux, "_find_first_and_bit", a, b, 200) == 66
    assert call(linux, "_find_next_and_bit", a, b, 200, 67) == 140
    assert call(linux, "_find_next_andnot_bit", a, b, 200, 0) == 5
    assert call(linux, "_find_next_andnot_bit", a, b, 200, 6) == 200


def test_find_last_bit_is_the_highest_set_bit(linux):
    assert call(linux, "_find_last_bit", bitmap(linux, 2, 64, 199), 200) == 199


def test_bitmap_weight_counts_only_bits_inside_the_size(linux):
    addr = bitmap(linux, 0, 63, 64, 150)
    assert call(linux, "__bitmap_weight", addr, 200) == 4
    assert call(linux, "__bitmap_weight", addr, 100) == 3
