"""The XArray (services/xarray.py) against lib/xarray.c's rules: -EBUSY over an entry,
internal entries refused, marks, xa_find by presence or mark, and the struct's xa_head/
xa_flags as the inline xa_empty/xa_marked read them. Both arches."""
from __future__ import annotations

from .libds_helpers import call, err_ptr, icall, zeroed

XA_PRESENT, EBUSY, EINVAL = 8, 16, 22
MARK1_FLAG = 1 << 28


def head(linux, xa):
    return linux.machine.mem.read_ptr(xa + 8)


def test_insert_refuses_an_occupied_index_with_ebusy(linux):
    xa = zeroed(linux, 16)
    assert icall(linux, "__xa_insert", xa, 5, 0x1000, 0) == 0
    assert icall(linux, "__xa_insert", xa, 5, 0x2000, 0) == -EBUSY
    assert call(linux, "xa_load", xa, 5) == 0x1000


def test_internal_entries_are_refused(linux):
    xa = zeroed(linux, 16)
    assert icall(linux, "__xa_insert", xa, 1, 0x1002, 0) == -EINVAL
    internal_einval = ((-EINVAL << 2) | 2) & err_ptr(linux, 1)      # xa_mk_internal(-EINVAL)
    assert call(linux, "xa_store", xa, 1, 0x1002, 0) == internal_einval


def test_xa_head_is_null_exactly_when_empty(linux):
    xa = zeroed(linux, 16)
    assert head(linux, xa) == 0
    call(linux, "xa_store", xa, 3, 0x3000, 0)
    assert head(linux, xa) != 0
    assert call(linux, "xa_erase", xa, 3) == 0x3000
    assert head(linux, xa) == 0


def test_marks_set_the_root_flag_and_filter_xa_find(linux):
    xa, index = zeroed(linux, 16), zeroed(linux, 8)
    for i in (2, 7, 9):
        icall(linux, "__xa_insert", xa, i, 0x1000 * i, 0)
    call(linux, "xa_set_mark", xa, 7, 1)
    assert linux.machine.mem.read_u32(xa + 4) & MARK1_FLAG
    assert call(linux, "xa_get_mark", xa, 7, 1) & 0xFF == 1
    assert call(linux, "xa_find", xa, index, 100, 1) == 0x7000
    assert linux.machine.mem.read_ptr(index) == 7
    call(linux, "xa_clear_mark", xa, 7, 1)
    assert not linux.machine.mem.read_u32(xa + 4) & MARK1_FLAG


def test_xa_find_walks_present_entries_in_index_order(linux):
    xa, index = zeroed(linux, 16), zeroed(linux, 8)
    for i in (9, 2, 7):
        icall(linux, "__xa_insert", xa, i, 0x1000 * i, 0)
    seen = [call(linux, "xa_find", xa, index, 100, XA_PRESENT)]
    while (e := call(linux, "xa_find_after", xa, index, 100, XA_PRESENT)):
        seen.append(e)
    assert seen == [0x2000, 0x7000, 0x9000]


def test_a_reserved_index_reads_null_but_is_busy(linux):
    xa = zeroed(linux, 16)
    assert icall(linux, "__xa_insert", xa, 4, 0, 0) == 0
    assert call(linux, "xa_load", xa, 4) == 0
    assert icall(linux, "__xa_insert", xa, 4, 0x4000, 0) == -EBUSY


def test_store_range_fills_every_index_and_destroy_empties(linux):
    xa = zeroed(linux, 16)
    call(linux, "xa_store_range", xa, 10, 12, 0x5000, 0)
    assert [call(linux, "xa_load", xa, i) for i in (9, 10, 11, 12, 13)] == [0, 0x5000, 0x5000, 0x5000, 0]
    call(linux, "xa_destroy", xa)
    assert head(linux, xa) == 0 and call(linux, "xa_load", xa, 11) == 0


def test_xa_alloc_takes_the_lowest_free_index_skipping_zero_when_busy(linux):
    xa, idp = zeroed(linux, 16), zeroed(linux, 8)
    free_mark = 1 << 27
    linux.machine.mem.write_u32(xa + 4, 4 | 8 | free_mark)          # XA_FLAGS_ALLOC1
    # struct xa_limit {max 3, min 0} by value: one register on x86-64, two stack words on i386
    limit = (3,) if linux.arch == "x86_64" else (3, 0)
    got = [icall(linux, "__xa_alloc", xa, idp, 0x100 * i, *limit, 0) for i in range(4)]
    assert got == [0, 0, 0, -EBUSY]
    assert linux.machine.mem.read_u32(idp) == 3
    assert linux.machine.mem.read_u32(xa + 4) & free_mark       # XA_FREE_MARK stays the array's own
