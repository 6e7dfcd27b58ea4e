"""strnlen, strnchr, strcasecmp/strncasecmp, __sw_hweight32/64, guid_parse/uuid_parse
(services/lib_misc.py) through their stubs, checked against their lib/ definitions."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES

TEXT = b"e8a5a9c4-0f1b-4d2e-9a3c-123456789abc"


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    ret = linux.machine.call(linux.kernel.installed[name][1], *args) & 0xFFFFFFFF
    return ret - (1 << 32) if ret & 0x80000000 else ret


def cstring(linux, text: bytes) -> int:
    addr = linux.kernel.heap.alloc(len(text) + 1, "test", zero=True)
    linux.machine.mem.write(addr, text)
    return addr


def test_strnlen_stops_at_the_nul_or_the_count(linux):
    s = cstring(linux, b"kemu")
    assert [call(linux, "strnlen", s, n) for n in (0, 2, 4, 100)] == [0, 2, 4, 4]


def test_strnchr_finds_within_the_count_only(linux):
    s = cstring(linux, b"a=b=c")
    assert call(linux, "strnchr", s, 5, ord("=")) & 0xFFFFFFFF == (s + 1) & 0xFFFFFFFF
    assert call(linux, "strnchr", s, 1, ord("=")) == 0


def test_casecmp_ignores_ascii_case(linux):
    a, b, c = cstring(linux, b"Realtek"), cstring(linux, b"rEALTEK"), cstring(linux, b"realtex")
    assert call(linux, "strcasecmp", a, b) == 0
    assert call(linux, "strcasecmp", a, c) < 0
    assert call(linux, "strncasecmp", a, c, 6) == 0


@pytest.mark.parametrize("word", [0, 1, 0xFFFFFFFF, 0x80000001, 0x12345678])
def test_hweight32_counts_set_bits(linux, word):
    assert call(linux, "__sw_hweight32", word) & 0xFFFFFFFF == bin(word).count("1")


def test_guid_and_uuid_parse_order_the_bytes_as_the_kernel(linux):
    out = linux.kernel.heap.alloc(16, "test", zero=True)
    raw = bytes.fromhex(TEXT.replace(b"-", b"").decode())
    assert call(linux, "uuid_parse", cstring(linux, TEXT), out) == 0
    assert linux.machine.mem.read(out, 16) == raw
    assert call(linux, "guid_parse", cstring(linux, TEXT), out) == 0
    assert linux.machine.mem.read(out, 16) == raw[3::-1] + raw[5:3:-1] + raw[7:5:-1] + raw[8:]


@pytest.mark.parametrize("text", [b"e8a5a9c4-0f1b-4d2e-9a3c", b"e8a5a9c4+0f1b-4d2e-9a3c-123456789abc",
                                  b"g8a5a9c4-0f1b-4d2e-9a3c-123456789abc"])
def test_malformed_text_is_einval(linux, text):
    out = linux.kernel.heap.alloc(16, "test", zero=True)
    assert call(linux, "guid_parse", cstring(linux, text), out) == -22
