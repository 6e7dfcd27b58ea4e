"""What the block and transport service tests share: calling a kernel function and reading
its C int back signed, and a struct's field offset (the `linux` fixture is conftest's)."""
from __future__ import annotations


def call(linux, name: str, *args) -> int:
    """The kernel function's C int result (bytes arguments become kernel buffers)."""
    ret = linux.call(name, *args) & 0xFFFFFFFF
    return ret - (1 << 32) if ret >> 31 else ret


def off(linux, struct: str, fld: str) -> int:
    return linux.layout.offset(struct, fld)
