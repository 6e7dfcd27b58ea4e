"""kemu.intbits: the one meaning of "signed" (and of "rounded up") every layer shares."""
from kemu.intbits import align_up, to_signed, to_unsigned


def test_top_bit_set_reads_negative():
    assert to_signed(0xFFFFFFFF, 32) == -1
    assert to_signed(0x80, 8) == -128


def test_top_bit_clear_reads_as_is():
    assert to_signed(0x7FFFFFFF, 32) == 0x7FFFFFFF


def test_bits_above_the_field_are_ignored():
    assert to_signed(0x1_0000_0005, 32) == 5
    assert to_signed(0xFFFF_FFFF_FFFF_FF80, 8) == -128


def test_unsigned_is_the_fields_bit_pattern():
    assert to_unsigned(-1, 16) == 0xFFFF
    assert to_unsigned(0x1_2345, 16) == 0x2345


def test_align_up_rounds_to_the_next_multiple():
    assert align_up(0x1001, 0x1000) == 0x2000
    assert align_up(13, 4) == 16


def test_align_up_keeps_an_aligned_value():
    assert align_up(0x2000, 0x1000) == 0x2000
    assert align_up(0, 16) == 0


def test_align_up_by_0_or_1_means_no_alignment():
    assert align_up(13, 0) == 13
    assert align_up(13, 1) == 13
