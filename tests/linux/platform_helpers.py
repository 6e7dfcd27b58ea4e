"""Helpers for the platform-service tests: boot, call a kernel function by name, put strings,
structs and tiny routines in kernel memory."""
from __future__ import annotations

import kemu
from kemu.os.linux.thunks import assemble


def boot(arch: str):
    return kemu.boot("linux", arch)


def call(linux, name: str, *args: "int | bytes") -> int:
    """name(*args) as a module calls it; the raw return word."""
    return linux.call(name, *args)


def call_variadic(linux, name: str, *args: int) -> int:
    """A `...` function: its arguments on the stack on i386 (regparm stops at varargs)."""
    addr = linux.kernel.installed[name][1]
    return linux.machine.call(addr, *args, abi="cdecl" if linux.arch == "i386" else None)


def s32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def kbuf(linux, data: bytes) -> int:
    """A zeroed kernel buffer holding `data`."""
    addr = linux.kernel.heap.alloc(max(len(data), 1), "test", zero=True)
    linux.machine.mem.write(addr, data)
    return addr


def cstr(linux, text: str) -> int:
    return kbuf(linux, text.encode() + b"\0")


def routine(linux, x86_64: str, i386: str) -> int:
    """Kernel text for a tiny function (its first argument: rdi on x86-64, eax on i386)."""
    m = linux.machine
    text = x86_64 if m.arch == "x86_64" else i386
    size = len(assemble(m.arch, text, 0)) + 16
    addr = m.alloc("ktext", size, 16)
    m.mem.load_code(addr, assemble(m.arch, text, addr))
    return addr


def read_file(linux, path: str) -> str:
    fd = linux.open(path)
    try:
        return linux.read(fd, 65536).decode()
    finally:
        linux.close(fd)
