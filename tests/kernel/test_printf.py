"""The BSD kernel printf formatter, checked against the host C library where formats agree."""
import ctypes
import ctypes.util

import pytest
from hypothesis import given, settings, strategies as st

from kemu.kernel import ListVarArgs, format_printf

STRINGS = {0x1000: b"hello\0", 0x2000: b"\x10\x02BITTWO\x01BITONE\0", 0x3000: b"\x08\x02BITTWO\x01BITONE\0",
           0x4000: b"\x0a\x03DONE\x01BUSY\0", 0x5000: b"abcdef", 0x6000: b"\x10\x01LOW\x20HIGH\0"}


def read_str(addr, limit):
    data = STRINGS[addr]
    nul = data.find(b"\0")
    text = data if nul < 0 else data[:nul]
    return text if limit is None else text[:limit]


def fmt(f, *args, word_size=8, **kw):
    return format_printf(f, ListVarArgs(args, word_size), read_str, **kw)


# --- the kernel's own conversions ------------------------------------------------------------

def test_percent_b_octal_base_lists_set_bits_in_description_order():
    assert fmt(b"reg=%b\n", 3, 0x3000) == b"reg=3<BITTWO,BITONE>\n"


def test_percent_b_hex_base_prints_the_value_in_hex():
    assert fmt(b"%b", 0x2, 0x2000) == b"2<BITTWO>"
    assert fmt(b"%b", 0x1f, 0x2000) == b"1f<BITTWO,BITONE>"


def test_percent_b_of_zero_prints_just_the_number():
    assert fmt(b"%b", 0, 0x2000) == b"0"


def test_percent_b_with_no_described_bit_set_prints_no_brackets():
    assert fmt(b"%b", 0x10, 0x2000) == b"10"


def test_percent_b_decimal_base_and_bit_32():
    assert fmt(b"%b", 5, 0x4000) == b"5<DONE,BUSY>"
    assert fmt(b"%b", 0x80000001, 0x6000) == b"80000001<LOW,HIGH>"


def test_percent_p_always_has_0x_even_for_null():
    assert fmt(b"%p", 0xc0101234) == b"0xc0101234"
    assert fmt(b"%p", 0) == b"0x0"
    assert fmt(b"%p", 0xffffffff80001000) == b"0xffffffff80001000"


def test_percent_p_on_i386_reads_one_4_byte_word():
    assert fmt(b"%p %d", 0xdca4f000, 7, word_size=4) == b"0xdca4f000 7"


def test_percent_p_zero_pads_after_the_prefix():
    assert fmt(b"[%010p]", 0x1234) == b"[0x00001234]"


def test_null_string_prints_null_in_parentheses():
    assert fmt(b"%s|%.3s|%8s", 0, 0, 0) == b"(null)|(nu|  (null)"


def test_unknown_conversion_prints_the_character_as_netbsd_does():
    assert fmt(b"a%yb") == b"ayb"
    assert fmt(b"[%3y]") == b"[  y]"


def test_unknown_conversion_literal_mode_prints_the_whole_spec():
    assert fmt(b"a%-3yb", unknown="literal") == b"a%-3yb"


def test_string_precision_limits_how_much_is_read():
    seen = []

    def reader(addr, limit):
        seen.append(limit)
        return read_str(addr, limit)

    assert format_printf(b"%.2s", ListVarArgs([0x5000]), reader) == b"ab"
    assert seen == [2]


def test_long_is_4_bytes_on_i386_and_8_on_x86_64():
    assert fmt(b"%ld", 0xffffffff, word_size=4) == b"-1"
    assert fmt(b"%ld", 0xffffffff, word_size=8) == b"4294967295"
    assert fmt(b"%lld %qd", -1, -2, word_size=4) == b"-1 -2"


def test_size_t_and_ptrdiff_t_use_the_word():
    assert fmt(b"%zu %zd %td", 2**32 - 1, 2**32 - 1, -3, word_size=4) == b"4294967295 -1 -3"


def test_short_and_char_sizes_truncate_the_promoted_int():
    assert fmt(b"%hd %hu %hhd %hhu", 0x18001, 0x18001, 0x1ff, 0x1ff) == b"-32767 32769 -1 255"


def test_star_width_and_precision_come_from_arguments():
    assert fmt(b"[%*d|%-*d|%.*d]", 5, 42, 4, 7, 3, 9) == b"[   42|7   |009]"
    assert fmt(b"[%*d]", -4, 1) == b"[1   ]"


def test_percent_percent_and_lone_trailing_percent():
    assert fmt(b"100%%") == b"100%"
    assert fmt(b"oops %") == b"oops "


def test_capital_d_o_u_are_long_conversions():
    assert fmt(b"%D %O %U", 0xffffffff, 8, 0xffffffff, word_size=4) == b"-1 10 4294967295"


def test_percent_n_never_writes_guest_memory():
    assert fmt(b"ab%nc", 0x1000) == b"abc"


def test_too_few_arguments_is_a_clear_error_for_python_callers():
    with pytest.raises(IndexError, match="more than the 1 argument"):
        fmt(b"%d %d", 1)


def test_word_size_is_required():
    class NoWord:
        def next_int(self, size, signed):
            return 0

        def next_ptr(self):
            return 0

    with pytest.raises(ValueError, match="word size"):
        format_printf(b"%d", NoWord(), read_str)


def test_fibo_load_message_is_printed_verbatim():
    assert fmt(b"fibo: FIBONACCI driver loaded successfully\n") == b"fibo: FIBONACCI driver loaded successfully\n"


# --- agreement with the host C library -----------------------------------------------------

_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_snprintf = _libc.snprintf


def host(f, *cargs):
    buf = ctypes.create_string_buffer(512)
    n = _snprintf(buf, 512, f, *cargs)
    assert 0 <= n < 512
    return buf.raw[:n]


LENGTHS = {  # length modifier -> (bytes, ctypes signed type, ctypes unsigned type)
    "": (4, ctypes.c_int, ctypes.c_uint), "h": (2, ctypes.c_int, ctypes.c_uint),
    "hh": (1, ctypes.c_int, ctypes.c_uint), "l": (8, ctypes.c_long, ctypes.c_ulong),
    "ll": (8, ctypes.c_longlong, ctypes.c_ulonglong), "z": (8, ctypes.c_ssize_t, ctypes.c_size_t),
    "j": (8, ctypes.c_longlong, ctypes.c_ulonglong), "t": (8, ctypes.c_ssize_t, ctypes.c_size_t),
}


@st.composite
def int_specs(draw):
    flags = "".join(draw(st.lists(st.sampled_from("-+ #0"), max_size=3, unique=True)))
    width = draw(st.one_of(st.just(""), st.integers(1, 24).map(str)))
    prec = draw(st.one_of(st.just(""), st.integers(0, 24).map(lambda p: f".{p}")))
    length = draw(st.sampled_from(sorted(LENGTHS)))
    conv = draw(st.sampled_from("diouxX"))
    value = draw(st.integers(-(2**63), 2**64 - 1))
    if conv == "o" and "#" in flags and prec == ".0":
        prec = ".1"  # "%#.0o" of 0: C99 prints "0", 4.4BSD printed nothing; not a kernel format anyone uses
    return f"%{flags}{width}{prec}{length}{conv}", length, conv, value


@settings(max_examples=400, deadline=None)
@given(int_specs())
def test_integer_conversions_agree_with_host_snprintf(spec):
    text, length, conv, value = spec
    size, signed_t, unsigned_t = LENGTHS[length]
    signed = conv in "di"
    ctype = signed_t if signed else unsigned_t
    carg = ctype(value)
    ours = fmt(text.encode(), value, word_size=8)
    assert ours == host(text.encode(), carg), text


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["%s", "%10s", "%-10s|", "%.3s", "%8.2s", "%-8.4s|", "%c", "%5c", "%-3c|"]),
       st.text(alphabet="abcXYZ 019", max_size=12), st.integers(32, 126))
def test_string_and_char_conversions_agree_with_host_snprintf(spec, text, ch):
    data = text.encode()
    STRINGS[0x7000] = data + b"\0"
    arg = 0x7000 if "s" in spec else ch
    carg = ctypes.c_char_p(data) if "s" in spec else ctypes.c_int(ch)
    assert fmt(spec.encode(), arg) == host(spec.encode(), carg)


@pytest.mark.parametrize("spec, value", [
    ("%#x", 0), ("%#x", 255), ("%#o", 8), ("%#o", 0), ("%+d", 5), ("% d", 5), ("%+ d", 5),
    ("%05d", -42), ("%-05d|", -42), ("%.0d", 0), ("%5.0d|", 0), ("%08.3x", 0xab), ("%#010x", 0xab),
])
def test_flag_corner_cases_agree_with_host_snprintf(spec, value):
    assert fmt(spec.encode(), value) == host(spec.encode(), ctypes.c_int(value))
