"""Shrinkers (services/shrinkers.py): shrinker_list in guest memory, and a drop_slab run that
asks each shrinker count_objects, then scan_objects in batches. Both arches."""
from __future__ import annotations


from kemu.os.linux.services.shrinkers import SHRINKER_MEMCG_AWARE, SHRINKER_REGISTERED, drop_slab, shrinkers

from .notifier_helpers import Recorder, call, kdata


def shrinker(linux, rec: Recorder, *, batch: int = 0, flags: int = 0, seeks: int = 2) -> int:
    lay, mem = linux.layout, linux.machine.mem
    s = kdata(linux, lay.size("struct shrinker"))
    mem.write_ptr(s + lay.offset("struct shrinker", "count_objects"), rec.addr("kemu_test_count"))
    mem.write_ptr(s + lay.offset("struct shrinker", "scan_objects"), rec.addr("kemu_test_scan"))
    mem.write_ptr(s + lay.offset("struct shrinker", "batch"), batch)
    mem.write_u32(s + lay.offset("struct shrinker", "seeks"), seeks)
    mem.write_u32(s + lay.offset("struct shrinker", "flags"), flags)
    return s


def flags(linux, s: int) -> int:
    return linux.machine.mem.read_u32(s + linux.layout.offset("struct shrinker", "flags"))


def test_registered_shrinkers_are_on_the_list_in_order_and_marked(linux):
    rec = Recorder(linux)
    a, b = shrinker(linux, rec), shrinker(linux, rec)
    name = kdata(linux, 8)
    assert call(linux, "register_shrinker", a, name, variadic=True) == 0
    assert call(linux, "register_shrinker", b, name, variadic=True) == 0
    assert shrinkers(linux.kernel).in_order() == [a, b]
    assert flags(linux, a) & SHRINKER_REGISTERED


def test_a_memcg_aware_shrinker_gets_the_lowest_free_id(linux):
    rec = Recorder(linux)
    a, b = shrinker(linux, rec, flags=SHRINKER_MEMCG_AWARE), shrinker(linux, rec, flags=SHRINKER_MEMCG_AWARE)
    call(linux, "register_shrinker", a, 0, variadic=True)
    call(linux, "register_shrinker", b, 0, variadic=True)
    at = linux.layout.offset("struct shrinker", "id")
    assert [linux.machine.mem.read_u32(s + at) for s in (a, b)] == [0, 1]


def test_drop_slab_counts_then_scans_in_batches_of_up_to_twice_the_count(linux):
    rec = Recorder(linux)
    s = shrinker(linux, rec, batch=100)
    call(linux, "register_shrinker", s, 0, variadic=True)
    rec.freeable = 250
    assert drop_slab(linux) == 250
    # priority 0, seeks 2: 250 * 4 / 2 = 500 to scan, capped at 2 * 250, in batches of 100
    assert rec.calls[:6] == [("count", s)] + [("scan", s, 100)] * 5
    assert rec.calls[6:] == [("count", s)]                 # the next round finds nothing
    assert rec.freeable == 0


def test_unregister_takes_it_off_the_list_and_a_second_time_is_ignored(linux):
    rec = Recorder(linux)
    s = shrinker(linux, rec)
    call(linux, "register_shrinker", s, 0, variadic=True)
    call(linux, "unregister_shrinker", s)
    call(linux, "unregister_shrinker", s)
    assert shrinkers(linux.kernel).in_order() == []
    assert not flags(linux, s) & SHRINKER_REGISTERED
    rec.freeable = 10
    drop_slab(linux)
    assert rec.calls == []
