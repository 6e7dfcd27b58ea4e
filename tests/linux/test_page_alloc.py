"""__get_free_pages/get_zeroed_page/free_pages (services/page_alloc.py) through their stubs:
page-aligned 2^order pages, zeroed on request, refused with a WARN past MAX_ORDER, charged
to the caller until freed."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES

GFP_KERNEL, GFP_ZERO, GFP_NOWARN = 0xCC0, 0x100, 0x2000


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def test_pages_are_aligned_and_sized_by_order(linux):
    addr = call(linux, "__get_free_pages", GFP_KERNEL, 2)
    assert addr % 4096 == 0
    assert linux.kernel.heap.block_containing(addr).size == 4 * 4096


def test_get_zeroed_page_and_gfp_zero_give_zeroed_memory(linux):
    dirty = call(linux, "__get_free_pages", GFP_KERNEL, 0)
    linux.machine.mem.write(dirty, b"\xff" * 4096)
    call(linux, "free_pages", dirty, 0)
    for addr in (call(linux, "get_zeroed_page", GFP_KERNEL), call(linux, "__get_free_pages", GFP_KERNEL | GFP_ZERO, 0)):
        assert linux.machine.mem.read(addr, 4096) == bytes(4096)


def test_free_pages_gives_them_back_and_ignores_zero(linux):
    addr = call(linux, "__get_free_pages", GFP_KERNEL, 1)
    call(linux, "free_pages", addr, 1)
    call(linux, "free_pages", 0, 0)
    assert linux.kernel.heap.block_containing(addr) is None


def test_an_order_past_max_order_fails_with_a_warning_unless_nowarn(linux):
    assert call(linux, "__get_free_pages", GFP_KERNEL | GFP_NOWARN, 11) == 0
    assert "W" not in linux.taints
    assert call(linux, "__get_free_pages", GFP_KERNEL, 11) == 0
    assert "order 11 >= MAX_ORDER 11" in linux.dmesg() and "W" in linux.taints
