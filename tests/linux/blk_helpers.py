"""What the block and transport service tests share: a fresh Linux per arch, calling a
kernel function and reading its C int back signed, and a struct's field offset."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args) -> int:
    """The kernel function's C int result (bytes arguments become kernel buffers)."""
    ret = linux.call(name, *args) & 0xFFFFFFFF
    return ret - (1 << 32) if ret >> 31 else ret


def off(linux, struct: str, fld: str) -> int:
    return linux.layout.offset(struct, fld)
