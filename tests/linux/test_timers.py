"""Timers, workqueues, delayed work and msleep driven by the virtual clock (HZ=250)."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES, ko

INITIAL_JIFFIES = (-300 * 250) & 0xFFFFFFFF


@pytest.fixture(params=ARCHES)
def linux(request):
    system = kemu.boot("linux", request.param)
    system.insmod(str(ko(request.param, "timers")))
    return system


def lines(linux):
    return [line for line in linux.dmesg().splitlines() if "] timers: " in line and "taint" not in line]


def test_msleep_moves_the_clock_by_its_jiffies_plus_one(linux):
    # msleep(10) is msecs_to_jiffies(10) + 1 = 4 ticks of 4 ms
    assert lines(linux) == ["[    0.016000] timers: msleep(10) took 16 ms of jiffies"]


def test_timer_rearms_and_queues_work_until_done(linux):
    linux.advance(1)
    assert lines(linux)[1:] == [
        f"[    0.116000] timers: work 1 at jiffies {INITIAL_JIFFIES + 29}",
        f"[    0.216000] timers: work 2 at jiffies {INITIAL_JIFFIES + 54}",
        f"[    0.268000] timers: delayed work ran at jiffies {INITIAL_JIFFIES + 67}",
        f"[    0.316000] timers: work 3 at jiffies {INITIAL_JIFFIES + 79}",
    ]
    linux.rmmod("timers")
    assert lines(linux)[-1].endswith("timers: 3 ticks, 3 works, 1 delayed")


def test_unload_before_expiry_cancels_everything_and_leaks_nothing(linux):
    linux.advance(0.15)
    linux.rmmod("timers")
    assert lines(linux)[-1].endswith("timers: 1 ticks, 1 works, 0 delayed")
    assert linux.timekeeping.timers == {} and linux.kernel.heap.leaks() == []
    linux.advance(1)                          # nothing left to fire into freed code
    assert lines(linux)[-1].endswith("timers: 1 ticks, 1 works, 0 delayed")


def test_jiffies_variable_follows_the_clock(linux):
    linux.advance(2)
    sym = linux.kernel.symbols.get("jiffies")
    assert linux.machine.mem.read_ptr(sym.addr) == INITIAL_JIFFIES + 4 + 500


def test_shell_sleep_advances_virtual_time(linux):
    shell = linux.shell()
    import io
    assert shell.run_line("sleep 0.5", out=io.StringIO(), err=io.StringIO()) == 0
    assert linux.kernel.clock.ticks == 4 + 125


def test_a_sleep_of_months_skips_the_quiet_ticks_and_still_fires_each_timer(linux):
    # msleep(0x7fffffff) is 536,870,913 ticks; the module's timers fire on the way at their
    # own jiffies, as they would tick by tick
    tk = linux.timekeeping
    before = tk.jiffies
    tk.advance(536_870_913)
    assert (tk.jiffies - before) & tk.mask == 536_870_913
    assert lines(linux)[1:4] == [
        f"[    0.116000] timers: work 1 at jiffies {INITIAL_JIFFIES + 29}",
        f"[    0.216000] timers: work 2 at jiffies {INITIAL_JIFFIES + 54}",
        f"[    0.268000] timers: delayed work ran at jiffies {INITIAL_JIFFIES + 67}",
    ]
