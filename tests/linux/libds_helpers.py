"""Calling libds services from tests: signed int returns, guest buffers (the `linux`
fixture is conftest's)."""
from __future__ import annotations


def word(linux) -> int:
    return linux.machine.word_size


def call(linux, name: str, *args: int) -> int:
    """The service's return word, raw."""
    return linux.machine.call(linux.kernel.installed[name][1], *args) & ((1 << (8 * word(linux))) - 1)


def icall(linux, name: str, *args: int) -> int:
    """The service's C int return, signed."""
    ret = call(linux, name, *args) & 0xFFFFFFFF
    return ret - (1 << 32) if ret & 0x80000000 else ret


def zeroed(linux, size: int) -> int:
    return linux.kernel.heap.alloc(size, "test", zero=True)


def cstring(linux, text: bytes) -> int:
    addr = zeroed(linux, len(text) + 1)
    linux.machine.mem.write(addr, text)
    return addr


def err_ptr(linux, errno: int) -> int:
    return -errno & ((1 << (8 * word(linux))) - 1)
