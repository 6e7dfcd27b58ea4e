"""alloc_percpu/free_percpu (services/percpu_alloc.py) called through their stubs as a
module's code calls them: the pointer is a per-CPU pointer, which CPU 0's offset
(__per_cpu_offset[0], the same one this_cpu_ptr uses) turns into zeroed memory of the
caller, and freeing gives that memory back."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES

GFP_KERNEL, GFP_NOWARN = 0xCC0, 0x2000


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def cpu0_copy(linux, ptr: int) -> int:
    """per_cpu_ptr(ptr, 0) as the module's inline code computes it."""
    mem, word = linux.machine.mem, linux.machine.word_size
    offset = mem.read_int(linux.data["__per_cpu_offset"], word)
    return (ptr + offset) & ((1 << (8 * word)) - 1)


def test_alloc_percpu_gives_zeroed_memory_at_cpu0s_offset(linux):
    ptr = call(linux, "__alloc_percpu", 64, 8)
    assert ptr
    addr = cpu0_copy(linux, ptr)
    block = linux.kernel.heap.block_containing(addr)
    assert block is not None and block.addr == addr and block.size == 64 and block.tag == "percpu"
    assert linux.machine.mem.read(addr, 64) == bytes(64)


def test_this_cpu_base_reaches_the_same_copy(linux):
    ptr = call(linux, "__alloc_percpu", 16, 4)
    if linux.arch == "x86_64":                  # this_cpu_ptr: %gs base + pointer
        base = linux.percpu.addr
        assert (base + ptr) & (2**64 - 1) == cpu0_copy(linux, ptr)
    else:                                       # i386: flat %fs, the pointer is the address
        assert ptr == cpu0_copy(linux, ptr)


def test_sizes_round_up_to_four_bytes_and_alignment_is_kept(linux):
    ptr = call(linux, "__alloc_percpu_gfp", 5, 256, GFP_KERNEL)
    addr = cpu0_copy(linux, ptr)
    assert addr % 256 == 0
    assert linux.kernel.heap.block_containing(addr).size == 8


def test_free_percpu_returns_the_memory(linux):
    ptr = call(linux, "__alloc_percpu", 32, 8)
    addr = cpu0_copy(linux, ptr)
    call(linux, "free_percpu", ptr)
    assert linux.kernel.heap.block_containing(addr) is None
    call(linux, "free_percpu", 0)               # NULL is ignored


@pytest.mark.parametrize("size, align", [(0, 4), (32 * 1024 + 4, 4), (16, 8192), (16, 24)])
def test_illegal_requests_warn_and_fail(linux, size, align):
    assert call(linux, "__alloc_percpu", size, align) == 0
    assert "for percpu allocation" in linux.dmesg()
    assert "W" in linux.taints


def test_nowarn_suppresses_the_warning(linux):
    assert call(linux, "__alloc_percpu_gfp", 0, 4, GFP_KERNEL | GFP_NOWARN) == 0
    assert "percpu allocation" not in linux.dmesg()
