"""kref, list_head, IDR and a periodic hrtimer in one module (guest/linux/objects;
kemu/os/linux/hrtimers.py, services/hrtimers.py, services/idr.py), both arches."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.services.hrtimers import hrtimer_forward

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] " in line]


def load(linux, *params):
    linux.insmod(str(ko(linux.arch, "objects")), list(params))


def test_ids_lookup_references_and_release(linux):
    load(linux)
    assert messages(linux)[-2:] == ["objects: found id 2, refcount 2",
                                    "objects: ids 1 2 4, not empty, 1 freed"]


def test_a_missing_id_is_not_found(linux):
    load(linux, "lookup=9", "drop=9")
    assert messages(linux)[-2:] == ["objects: no id 9", "objects: ids 1 2 3 4, not empty, 0 freed"]


def test_the_periodic_hrtimer_runs_on_the_tick_until_it_stops_itself(linux):
    load(linux, "period_ms=10", "limit=5")
    linux.advance(1)
    # low-resolution mode: expiries at 10, 20, 30, 40, 50 ms run at the ticks 12, 20, 32, 40, 52 ms
    assert "objects: hrtimer fired 5 times in 52 ms" in messages(linux)
    assert not linux.hrtimers.queued
    linux.rmmod("objects")
    assert messages(linux)[-1] == "objects: fired 5, timer was idle, 4 freed, idr empty"
    assert linux.kernel.heap.leaks() == []


def test_exit_cancels_a_timer_still_running(linux):
    load(linux, "period_ms=10", "limit=100")
    linux.advance(0.025)
    linux.rmmod("objects")
    assert messages(linux)[-1] == "objects: fired 2, timer was active, 4 freed, idr empty"
    assert not linux.hrtimers.queued


def test_a_sleep_wakes_for_the_hrtimer_in_between(linux):
    load(linux, "period_ms=100", "limit=1")
    assert linux.timekeeping.ticks_to_next_event() == 25      # 100 ms at HZ=250
    linux.advance(0.2)
    assert "objects: hrtimer fired 1 times in 100 ms" in messages(linux)


def test_hrtimer_forward_counts_the_missed_periods(linux):
    h = linux.hrtimers
    timer = linux.kernel.heap.alloc(h.off["size"], "test hrtimer", zero=True)
    linux.call("hrtimer_init", timer, 1, 1)
    h.set_expires(timer, 10_000_000, 10_000_000)
    overruns = hrtimer_forward(linux.kernel, timer, 45_000_000, 10_000_000)   # ktime_t args: no call()
    assert overruns == 4 and h.expires(timer) == 50_000_000


def test_idr_alloc_reuses_the_lowest_free_id_and_respects_the_range(linux):
    idr = linux.kernel.heap.alloc(24, "test idr", zero=True)
    call = linux.call
    assert [call("idr_alloc", idr, 0x1000 + i, 5, 8, 0) for i in range(3)] == [5, 6, 7]
    assert call("idr_alloc", idr, 0x2000, 5, 8, 0) & 0xFFFFFFFF == (-28) & 0xFFFFFFFF     # -ENOSPC
    assert call("idr_remove", idr, 6) == 0x1001
    assert call("idr_alloc", idr, 0x3000, 0, 0, 0) == 0
    assert call("idr_alloc", idr, 0x3001, 5, 0, 0) == 6
    assert call("idr_find", idr, 6) == 0x3001
    call("idr_destroy", idr)
    assert call("idr_find", idr, 5) == 0
    linux.kernel.heap.free(idr)
    assert linux.kernel.heap.leaks() == []                    # the radix-tree node went with the ids
