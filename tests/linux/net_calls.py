"""Calling services through their trap stubs as a module calls them, for the netsock tests
(test_net_sock, test_tcp_ulp, test_net_nlmsg, test_netdev_helpers)."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    """A fresh kernel of each arch."""
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    """The C int a service returns, signed."""
    value = linux.machine.call(linux.kernel.installed[name][1], *args) & 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def ptr(linux, name: str, *args: int) -> int:
    """The pointer a service returns."""
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def cstr(linux, text: bytes) -> int:
    """A NUL-terminated copy of text in the kernel heap."""
    addr = linux.kernel.heap.alloc(len(text) + 1, "test", zero=True)
    linux.machine.mem.write(addr, text + b"\0")
    return addr


def new_skb(linux, size: int = 100) -> int:
    """__alloc_skb(size, GFP_KERNEL, 0, NUMA_NO_NODE)."""
    return ptr(linux, "__alloc_skb", size, 0xCC0, 0, 0xFFFFFFFF)
