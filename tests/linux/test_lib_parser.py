"""lib/parser.c and simple_strto* (services/lib_parser.py): option strings tokenised as Linux
6.1 does, return codes included. Both arches."""
from __future__ import annotations

from .libds_helpers import call, cstring, icall, word, zeroed

EINVAL, ERANGE = 22, 34


def _table(linux, entries: list[tuple[int, bytes | None]]) -> int:
    """A match_table_t: {token, pattern} pairs ending with the {token, NULL} catch-all."""
    w = word(linux)
    tbl = zeroed(linux, 2 * w * len(entries))
    for i, (token, pattern) in enumerate(entries):
        linux.machine.mem.write_u32(tbl + 2 * w * i, token & 0xFFFFFFFF)
        linux.machine.mem.write_ptr(tbl + 2 * w * i + w, cstring(linux, pattern) if pattern else 0)
    return tbl


def _arg(linux, args: int, i: int, s: int) -> bytes:
    w, mem = word(linux), linux.machine.mem
    start, end = mem.read_ptr(args + 2 * w * i), mem.read_ptr(args + 2 * w * i + w)
    assert s <= start <= end
    return mem.read(start, end - start)


def test_match_token_returns_the_first_matching_token_and_fills_args(linux):
    tbl = _table(linux, [(1, b"fd=%d"), (2, b"mode=%o"), (3, b"name=%s"), (4, b"%u:%x"), (-1, None)])
    args = zeroed(linux, 6 * word(linux))
    for text, token, captured in ((b"fd=-12", 1, [b"-12"]), (b"mode=0644", 2, [b"0644"]),
                                  (b"name=lio", 3, [b"lio"]), (b"10:ff", 4, [b"10", b"ff"])):
        s = cstring(linux, text)
        assert icall(linux, "match_token", s, tbl, args) == token
        assert [_arg(linux, args, i, s) for i in range(len(captured))] == captured


def test_match_token_falls_to_the_catch_all_when_nothing_matches(linux):
    tbl = _table(linux, [(1, b"fd=%d"), (2, b"name=%s"), (9, None)])
    args = zeroed(linux, 6 * word(linux))
    for text in (b"fd=", b"fd=x", b"name=", b"other", b"fd=3x"):
        assert icall(linux, "match_token", cstring(linux, text), tbl, args) == 9


def test_match_token_width_limits_s_and_percent_percent_is_literal(linux):
    tbl = _table(linux, [(1, b"%2s%d"), (2, b"100%%"), (0, None)])
    args = zeroed(linux, 6 * word(linux))
    s = cstring(linux, b"ab7")
    assert icall(linux, "match_token", s, tbl, args) == 1
    assert _arg(linux, args, 0, s) == b"ab" and _arg(linux, args, 1, s) == b"7"
    assert icall(linux, "match_token", cstring(linux, b"100%"), tbl, args) == 2


def _sub(linux, text: bytes) -> int:
    w = word(linux)
    s, sub = cstring(linux, text + b",rest"), zeroed(linux, 2 * w)
    linux.machine.mem.write_ptr(sub, s)
    linux.machine.mem.write_ptr(sub + w, s + len(text))
    return sub


def test_match_int_parses_base_0_within_the_substring_only(linux):
    out = zeroed(linux, 8)
    for text, value in ((b"42", 42), (b"-7", -7), (b"0x1f", 31), (b"010", 8), (b"12abc", 12)):
        assert icall(linux, "match_int", _sub(linux, text), out) == 0
        assert linux.machine.mem.read_int(out, 4, signed=True) == value


def test_match_int_refuses_no_digits_and_out_of_range(linux):
    out = zeroed(linux, 8)
    assert icall(linux, "match_int", _sub(linux, b"abc"), out) == -EINVAL
    assert icall(linux, "match_int", _sub(linux, b"1" * 30), out) == -ERANGE   # too long to copy


def test_match_int_range_is_checked_on_a_long(linux):
    """simple_strtol wraps silently: on i386 a long is an int, so 2^31 comes back as INT_MIN."""
    out = zeroed(linux, 8)
    got = icall(linux, "match_int", _sub(linux, b"2147483648"), out)
    if linux.arch == "x86_64":
        assert got == -ERANGE
    else:
        assert got == 0 and linux.machine.mem.read_int(out, 4, signed=True) == -(1 << 31)


def test_match_octal_hex_uint_and_u64(linux):
    out = zeroed(linux, 8)
    mem = linux.machine.mem
    assert icall(linux, "match_octal", _sub(linux, b"755"), out) == 0 and mem.read_u32(out) == 0o755
    assert icall(linux, "match_hex", _sub(linux, b"0xBEEF"), out) == 0 and mem.read_u32(out) == 0xBEEF
    assert icall(linux, "match_uint", _sub(linux, b"4294967295"), out) == 0 and mem.read_u32(out) == 0xFFFFFFFF
    assert icall(linux, "match_uint", _sub(linux, b"12x"), out) == -EINVAL
    assert icall(linux, "match_u64", _sub(linux, b"0x100000000"), out) == 0
    assert mem.read_int(out, 8) == 1 << 32


def test_match_strlcpy_truncates_and_returns_the_full_length(linux):
    dest = zeroed(linux, 16)
    assert call(linux, "match_strlcpy", dest, _sub(linux, b"iblock_0"), 5) == 8
    assert linux.machine.mem.read(dest, 5) == b"iblo\0"


def test_match_strdup_copies_into_a_kmalloc_block(linux):
    copy = call(linux, "match_strdup", _sub(linux, b"fileio"))
    assert linux.machine.mem.read_cstr(copy, 16) == b"fileio"
    call(linux, "kfree", copy)


def test_match_wildcard_star_and_question_mark(linux):
    def wild(p: bytes, s: bytes) -> int:
        return call(linux, "match_wildcard", cstring(linux, p), cstring(linux, s)) & 0xFF
    assert wild(b"iqn.*", b"iqn.2003-01.org") == 1
    assert wild(b"a?c*", b"abcdef") == 1
    assert wild(b"a*c", b"abcd") == 0
    assert wild(b"*", b"") == 1


def test_simple_strtoul_stops_at_the_first_non_digit_and_reports_it(linux):
    s, endp = cstring(linux, b"0x3f8,irq"), zeroed(linux, 8)
    assert call(linux, "simple_strtoul", s, endp, 0) == 0x3f8
    assert linux.machine.mem.read_ptr(endp) == s + 5
    s = cstring(linux, b"-15 ")
    assert call(linux, "simple_strtol", s, endp, 10) == (-15) & ((1 << (8 * word(linux))) - 1)
    assert linux.machine.mem.read_ptr(endp) == s + 3
