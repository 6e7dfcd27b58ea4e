"""x/FMT output in gdb's layout: units per line, padding, symbol labels, partial failures."""
import pytest

from kemu.debug.commands import CommandError
from kemu.debug.formats import MemoryReadError, XFormat, examine, format_char, parse_x_format

MEM = {0x1000 + i: b for i, b in enumerate(b"fibo\0\x01\x00\x00\x00" + bytes(range(16)))}


def read(addr, n):
    try:
        return bytes(MEM[addr + i] for i in range(n))
    except KeyError:
        raise CommandError(f"Cannot access memory at address {addr:#x}") from None


def label(addr):
    return "fibo_name" if addr == 0x1000 else (f"fibo_name+{addr - 0x1000}" if 0x1000 < addr < 0x1020 else None)


def test_parse_count_format_and_size_in_any_order():
    last = XFormat(1, "x", 4)
    assert parse_x_format("8xw", last, 4) == XFormat(8, "x", 4)
    assert parse_x_format("4gx", last, 8) == XFormat(4, "x", 8)
    assert parse_x_format("s", last, 4).letter == "s"
    assert parse_x_format("5i", last, 4) == XFormat(5, "i", 1)


def test_parse_rejects_unknown_letters():
    with pytest.raises(CommandError, match='Undefined output format "q"'):
        parse_x_format("4q", XFormat(1, "x", 4), 4)


def test_words_in_hex_are_zero_padded_four_per_line():
    lines, nxt = examine(read, 0x1000, XFormat(5, "x", 4), label=label, word_size=4)
    assert lines[0] == "0x1000 <fibo_name>:\t0x6f626966\t0x00000100\t0x02010000\t0x06050403"
    assert lines[1] == "0x1010 <fibo_name+16>:\t0x0a090807"
    assert nxt == 0x1014


def test_string_format_stops_at_nul():
    lines, nxt = examine(read, 0x1000, XFormat(1, "s", 1), label=label, word_size=4)
    assert lines == ['0x1000 <fibo_name>:\t"fibo"']
    assert nxt == 0x1005


def test_decimal_bytes_eight_per_line():
    lines, _ = examine(read, 0x1009, XFormat(8, "d", 1), label=lambda a: None, word_size=4)
    assert lines == ["0x1009:\t0\t1\t2\t3\t4\t5\t6\t7"]


def test_unreadable_memory_keeps_the_lines_read_before_it():
    with pytest.raises(MemoryReadError) as info:
        examine(read, 0x1014, XFormat(8, "x", 4), label=lambda a: None, word_size=4)
    assert str(info.value) == "Cannot access memory at address 0x1018"
    assert info.value.lines == ["0x1014:\t0x0e0d0c0b"]


def test_char_rendering_matches_gdb():
    assert format_char(ord("h")) == "104 'h'"
    assert format_char(0) == "0 '\\000'"
    assert format_char(10) == "10 '\\n'"
