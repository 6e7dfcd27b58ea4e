"""getopt(3) in the two flavours kemu's systems have: BSD libc and glibc."""
from __future__ import annotations

import pytest

from kemu.userland.getopt import getopt


def test_bsd_stops_at_the_first_operand():
    parsed = getopt("modstat", ["-n", "fibo", "x", "-i", "1"], "i:n:")
    assert parsed.options == [("n", "fibo")] and parsed.operands == ["x", "-i", "1"]


def test_gnu_takes_options_after_operands():
    parsed = getopt("insmod", ["hello.ko", "-f", "--", "-x"], "f", style="gnu")
    assert parsed.options == [("f", None)] and parsed.operands == ["hello.ko", "-x"]


def test_gnu_plus_keeps_posix_order():
    parsed = getopt("insmod", ["hello.ko", "-f"], "+f", style="gnu")
    assert parsed.options == [] and parsed.operands == ["hello.ko", "-f"]


@pytest.mark.parametrize("style, unknown, missing", [
    ("bsd", "kldload: unknown option -- z", "kldload: option requires an argument -- n"),
    ("gnu", "kldload: invalid option -- 'z'", "kldload: option requires an argument -- 'n'"),
])
def test_messages_are_each_librarys(style, unknown, missing):
    assert getopt("kldload", ["-z"], "n:", style).error == unknown
    assert getopt("kldload", ["-n"], "n:", style).error == missing


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown getopt style 'sysv'"):
        getopt("x", [], "", style="sysv")
