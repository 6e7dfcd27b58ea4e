"""printk's %p extensions (lib/vsprintf.c) on top of the shared formatter."""
from __future__ import annotations

import pytest

import kemu
from kemu.kernel.varargs import ListVarArgs
from kemu.os.linux.vsprintf import format_linux, hashed

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def fmt(linux, text, *values):
    return format_linux(linux, text.encode(), ListVarArgs(list(values), linux.machine.word_size)).decode()


def test_plain_conversions_are_the_shared_formatters(linux):
    assert fmt(linux, "%d %s|%5x|%%", -3, 0, 255) == "-3 (null)|   ff|%"


def test_px_prints_the_raw_pointer_zero_padded(linux):
    width = 2 * linux.machine.word_size
    assert fmt(linux, "at %px.", 0x1234) == f"at {0x1234:0{width}x}."


def test_plain_p_is_hashed_deterministically(linux):
    word = linux.machine.word_size
    one = fmt(linux, "%p", 0xc0001000)
    assert one == hashed(0xc0001000, word).decode() and len(one) == 2 * word
    assert one != f"{0xc0001000:0{2 * word}x}"
    assert fmt(linux, "%p %pK", 0, 0) == "0" * (2 * word) + " " + "0" * (2 * word)


def test_pS_names_module_symbol_offset_size_and_module(linux):
    m = linux.insmod(str(ko(linux.arch, "stack_base")))
    add = m.image.entry("stack_base_add")
    size = next(s.size for s in m.image.symbol_list if s.name == "stack_base_add")
    assert fmt(linux, "%pS", add + 4) == f"stack_base_add+0x4/0x{size:x} [stack_base]"
    assert fmt(linux, "%ps", add) == "stack_base_add [stack_base]"


def test_mac_and_ipv4_from_guest_memory(linux):
    with linux.kernel.user.buffer(16, bytes([0, 0x1b, 0x21, 0xaa, 0xbb, 0xcc, 0, 0]) + bytes([10, 0, 2, 15])) as buf:
        assert fmt(linux, "%pM %pMR %pm", buf, buf, buf) == \
            "00:1b:21:aa:bb:cc cc:bb:aa:21:1b:00 001b21aabbcc"
        assert fmt(linux, "%pI4 %pi4", buf + 8, buf + 8) == "10.0.2.15 010.000.002.015"


def test_extension_letters_are_consumed_and_arguments_stay_in_step(linux):
    assert fmt(linux, "%pZZ9 %d", 0x10, 7).endswith(" 7")


def test_snprintf_truncates_and_returns_the_full_length(linux):
    k = linux.kernel
    stub = k.installed["snprintf"][1]
    with k.user.buffer(16) as buf, k.user.buffer(16, b"n=%d!\0") as fmt:
        # as a module calls it: a variadic function takes everything on the stack on i386
        abi = "cdecl" if linux.arch == "i386" else None
        ret = linux.machine.call(stub, buf, 4, fmt, 12345, abi=abi)
        assert ret == 8 and linux.machine.mem.read(buf, 4) == b"n=1\0"
