"""Busy time (kemu/os/linux/busy_time.py): udelay and clock reads make the virtual clock move,
as the timer interrupt moves a real kernel's while a CPU spins. Both arches."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.busy_time import READ_COST_NS
from kemu.os.linux.timekeeping import INITIAL_JIFFIES

from .conftest import ARCHES

TICK_NS = 4_000_000                      # HZ = 250


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def jiffies(linux) -> int:
    sym = linux.kernel.symbols.get("jiffies")
    return linux.machine.mem.read_int(sym.addr, linux.machine.word_size)


def test_udelay_below_a_tick_shows_in_ktime_but_not_in_jiffies(linux):
    linux.call("__udelay", 1000)
    assert linux.kernel.clock.ticks == 0 and jiffies(linux) == INITIAL_JIFFIES
    assert linux.call("ktime_get") == 1000 * 1000 + READ_COST_NS


def test_udelays_add_up_to_whole_ticks_that_move_jiffies(linux):
    for _ in range(4):
        linux.call("__udelay", 1000)              # 4 x 1 ms = one 4 ms tick
    assert linux.kernel.clock.ticks == 1
    assert jiffies(linux) == INITIAL_JIFFIES + 1
    linux.call("__udelay", 20_000)                # 20 ms: five more ticks
    assert jiffies(linux) == INITIAL_JIFFIES + 6


def test_const_udelay_spends_the_microseconds_udelay_encoded(linux):
    linux.call("__const_udelay", 8000 * 0x10C7)   # udelay(8000): two ticks
    assert linux.kernel.clock.ticks == 2
    before = linux.call("ktime_get")
    assert 2 * TICK_NS + READ_COST_NS <= before < 2 * TICK_NS + READ_COST_NS + 1000
    linux.call("__const_udelay", 1000 * 5)        # ndelay(1000)
    # ndelay's factor 5 rounds 2^32/10^9 = 4.29 up: a real ndelay(1000) waits 1164 ns too
    assert linux.call("ktime_get") - before - READ_COST_NS == 1164


def test_a_loop_reading_ktime_until_it_changes_ends(linux):
    """crypto/xor.c's do_xor_speed: `while ((start = ktime_get()) == t0) cpu_relax();`."""
    t0 = linux.call("ktime_get")
    start = linux.call("ktime_get")
    assert start - t0 == READ_COST_NS


def test_clock_reads_are_monotonic_across_ticks_and_move_jiffies(linux):
    reads = [linux.call("ktime_get") for _ in range(2 * TICK_NS // READ_COST_NS)]
    assert reads == sorted(set(reads))
    assert jiffies(linux) == INITIAL_JIFFIES + 2
    linux.advance(0.004)                          # a sleep after busy time: still later
    assert linux.call("ktime_get") > reads[-1]


def test_busy_time_fires_a_due_timer_as_the_tick_would(linux):
    mem, lay = linux.machine.mem, linux.layout
    timer = linux.kernel.heap.alloc(lay.size("struct timer_list"), "test timer", zero=True)
    fn = linux.kernel.installed["get_random_u32"][1]   # a kernel function that ignores its argument
    mem.write_ptr(timer + lay.offset("struct timer_list", "function"), fn)
    linux.timekeeping.arm(timer, linux.timekeeping.jiffies + 1, None)
    linux.call("__udelay", 2000)
    assert timer in linux.timekeeping.timers       # half a tick: not yet
    linux.call("__udelay", 2000)
    assert timer not in linux.timekeeping.timers   # the tick fired it
