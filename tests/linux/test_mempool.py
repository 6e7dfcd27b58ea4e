"""Memory pools (services/mempool.py) through their stubs, with the kernel's own
mempool_kmalloc/mempool_kfree as the pool's functions, as mempool_create_kmalloc_pool makes
them: the reserve is filled at creation, the allocator is asked first, the reserve is
refilled on free, and destroying the pool frees everything."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES

STRUCT = "struct mempool_s"
GFP_KERNEL = 0xCC0


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def fn(linux, name: str) -> int:
    return linux.kernel.installed[name][1]


def field(linux, pool: int, name: str) -> int:
    return linux.machine.mem.read_u32(pool + linux.layout.offset(STRUCT, name))


def reserve(linux, pool: int) -> list[int]:
    mem, word = linux.machine.mem, linux.machine.word_size
    elements = mem.read_ptr(pool + linux.layout.offset(STRUCT, "elements"))
    return [mem.read_ptr(elements + i * word) for i in range(field(linux, pool, "curr_nr"))]


def kmalloc_pool(linux, min_nr: int, size: int) -> int:
    return call(linux, "mempool_create", min_nr, fn(linux, "mempool_kmalloc"), fn(linux, "mempool_kfree"), size)


def test_create_fills_the_reserve_with_min_nr_elements(linux):
    pool = kmalloc_pool(linux, 3, 40)
    assert (field(linux, pool, "min_nr"), field(linux, pool, "curr_nr")) == (3, 3)
    assert [linux.kernel.heap.block_containing(e).size for e in reserve(linux, pool)] == [40, 40, 40]


def test_alloc_asks_the_allocator_first_and_free_refills_the_reserve(linux):
    pool = kmalloc_pool(linux, 2, 24)
    kept = reserve(linux, pool)
    element = call(linux, "mempool_alloc", pool, GFP_KERNEL)
    assert element not in kept and field(linux, pool, "curr_nr") == 2
    call(linux, "mempool_free", element, pool)          # reserve full: back to kfree
    assert linux.kernel.heap.block_containing(element) is None
    taken = reserve(linux, pool)[-1]
    linux.machine.mem.write_u32(pool + linux.layout.offset(STRUCT, "curr_nr"), 1)   # as if used
    call(linux, "mempool_free", taken, pool)            # below min_nr: kept
    assert reserve(linux, pool) == kept


def test_destroy_frees_the_reserve_and_the_pool(linux):
    before = len(linux.kernel.heap)
    pool = kmalloc_pool(linux, 4, 16)
    call(linux, "mempool_destroy", pool)
    call(linux, "mempool_destroy", 0)
    assert len(linux.kernel.heap) == before


def test_a_reserve_that_cannot_be_filled_gives_null_and_keeps_nothing(linux):
    before = len(linux.kernel.heap)
    assert kmalloc_pool(linux, 2, 1 << 30) == 0        # kmalloc refuses the size
    assert len(linux.kernel.heap) == before
