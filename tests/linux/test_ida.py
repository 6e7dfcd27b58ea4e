"""The IDA (services/ida.py) as lib/idr.c: lowest free id in range, -ENOSPC when full,
ida_free of a free id WARNs, ida_is_empty's xa_head tracks the ids. Both arches."""
from __future__ import annotations

from .libds_helpers import call, icall, zeroed

ENOSPC = 28


def test_ids_are_the_lowest_free_in_range_then_enospc(linux):
    ida = zeroed(linux, 16)
    assert [icall(linux, "ida_alloc_range", ida, 3, 5, 0) for _ in range(4)] == [3, 4, 5, -ENOSPC]
    call(linux, "ida_free", ida, 4)
    assert icall(linux, "ida_alloc_range", ida, 0, 0xFFFFFFFF, 0) == 0
    assert icall(linux, "ida_alloc_range", ida, 3, 10, 0) == 4


def test_freeing_a_free_id_warns_as_the_kernel(linux):
    ida = zeroed(linux, 16)
    call(linux, "ida_free", ida, 9)
    assert "ida_free called for id=9 which is not allocated." in linux.dmesg()
    assert "W" in linux.taints


def test_xa_head_shows_whether_ids_are_allocated_and_destroy_releases(linux):
    ida = zeroed(linux, 16)
    icall(linux, "ida_alloc_range", ida, 0, 10, 0)
    assert linux.machine.mem.read_ptr(ida + 8) != 0
    call(linux, "ida_destroy", ida)
    assert linux.machine.mem.read_ptr(ida + 8) == 0
    assert icall(linux, "ida_alloc_range", ida, 0, 10, 0) == 0
