"""printk's %pV (lib/vsprintf.c va_format): a struct va_format in guest memory, whose
va_list is laid out as the arch's C code makes it, is formatted in place, as helpers like
bt_info()/dev_printk pass their caller's format and arguments on."""
from __future__ import annotations

import pytest

import kemu
from kemu.kernel.varargs import ListVarArgs
from kemu.os.linux.vsprintf import format_linux

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def alloc(linux, data: bytes) -> int:
    addr = linux.kernel.heap.alloc(max(len(data), 1), "test", zero=True)
    linux.machine.mem.write(addr, data)
    return addr


def va_format(linux, fmt: bytes, *values: int) -> int:
    """struct va_format {fmt, va} with a va_list holding `values` (word-sized)."""
    mem, word = linux.machine.mem, linux.machine.word_size
    args = alloc(linux, b"".join(v.to_bytes(word, "little") for v in values))
    if linux.arch == "x86_64":          # __va_list_tag: every register slot used, args in overflow
        va = alloc(linux, (48).to_bytes(4, "little") + (304).to_bytes(4, "little")
                   + args.to_bytes(8, "little") + bytes(8))
    else:                               # char *: the address of the next argument
        va = alloc(linux, args.to_bytes(4, "little"))
    vaf = alloc(linux, bytes(2 * word))
    mem.write_ptr(vaf + linux.layout.offset("struct va_format", "fmt"), alloc(linux, fmt + b"\0"))
    mem.write_ptr(vaf + linux.layout.offset("struct va_format", "va"), va)
    return vaf


def test_pV_formats_the_inner_format_with_its_own_arguments(linux):
    vaf = va_format(linux, b"Core ver %s, %d devices", alloc(linux, b"2.22\0"), 3)
    text = format_linux(linux, b"Bluetooth: %pV!", ListVarArgs([vaf], linux.machine.word_size))
    assert text == b"Bluetooth: Core ver 2.22, 3 devices!"


def test_pV_inner_pointer_extensions_work_too(linux):
    vaf = va_format(linux, b"[%px]", 0x1234)
    text = format_linux(linux, b"%pV", ListVarArgs([vaf], linux.machine.word_size))
    assert text == f"[{0x1234:0{2 * linux.machine.word_size}x}]".encode()
