"""Kernel printf is bounded: widths and precisions are clamped as Linux's vsprintf clamps
them (FIELD_WIDTH_MAX, PRECISION_MAX), one call produces at most `limit` bytes, and each of
those is noted once through `warn` — a huge width costs neither memory nor time."""
import resource
import time

from kemu.kernel import ListVarArgs, format_printf
from kemu.kernel.printf import FIELD_WIDTH_MAX, OUTPUT_LIMIT, PRECISION_MAX


def read_str(addr, limit):
    text = b"x" * 100
    return text if limit is None else text[:limit]


def fmt(f, *args, word_size=4, **kw):
    notes = []
    out = format_printf(f, ListVarArgs(args, word_size), read_str, warn=notes.append, **kw)
    return out, notes


def test_a_huge_star_width_is_clamped_and_the_output_cut_with_notes():
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    out, notes = fmt(b"[%*d]", 0x7ffffff0, 1)
    assert time.perf_counter() - start < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 64 * 1024   # KiB
    assert len(out) == OUTPUT_LIMIT
    assert out == b"[" + b" " * (OUTPUT_LIMIT - 1)
    assert notes == [f"printf: field width {0x7ffffff0} too big, clamped to {FIELD_WIDTH_MAX}",
                     f"printf: output truncated to {OUTPUT_LIMIT} bytes"]


def test_a_width_within_bounds_and_limit_is_printed_in_full_without_notes():
    out, notes = fmt(b"%*d", 1000, 7)
    assert out == b" " * 999 + b"7" and notes == []


def test_a_negative_huge_star_width_left_adjusts_and_is_clamped():
    out, notes = fmt(b"%*d|", -0x80000000, 5, limit=10)
    assert out == b"5" + b" " * 9
    assert "clamped to 8388607" in notes[0]


def test_a_huge_written_width_saturates_instead_of_growing_an_integer():
    out, notes = fmt(b"%" + b"9" * 100_000 + b"d", 3, limit=100)
    assert len(out) == 100 and out.endswith(b" ")
    assert notes[0].startswith("printf: field width 2147483648 too big")


def test_a_huge_precision_is_clamped_to_precision_max():
    out, notes = fmt(b"%.*d", 0x7fffffff, 1, limit=1 << 20)
    assert out == b"0" * (PRECISION_MAX - 1) + b"1"
    assert notes == [f"printf: precision {0x7fffffff} too big, clamped to {PRECISION_MAX}"]


def test_many_conversions_together_stay_within_the_limit_and_warn_once_each():
    out, notes = fmt(b"%*d" * 50, *[0x7ffffff0, 1] * 50, limit=4096)
    assert len(out) == 4096
    assert len(notes) == 2


def test_long_literal_text_is_cut_at_the_limit():
    out, notes = fmt(b"a" * 5000, limit=4096)
    assert out == b"a" * 4096 and notes == [f"printf: output truncated to 4096 bytes"]


def test_without_a_warn_callback_the_bounds_still_hold():
    out = format_printf(b"%*d", ListVarArgs([0x7ffffff0, 1], 4), read_str)
    assert len(out) == OUTPUT_LIMIT
