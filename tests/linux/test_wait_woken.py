"""wait_woken / woken_wake_function (kemu/os/linux/services/wait_woken.py) on guest/linux/woken,
both arches."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def last(linux) -> str:
    return linux.dmesg().splitlines()[-1].split("] ", 1)[1]


def load(linux, *params):
    linux.insmod(str(ko(linux.arch, "woken")), list(params))


def test_the_timer_wakes_the_loop_which_sees_its_condition(linux):
    load(linux, "delay_ms=100", "timeout_ms=1000")
    assert last(linux) == "woken: ready 1 after 100 ms, 225 jiffies left, 1 waits, flags 0, signal 0"


def test_a_wake_up_before_wait_woken_is_not_lost(linux):
    load(linux, "early=1")
    assert last(linux) == "woken: ready 1 after 0 ms, 250 jiffies left, 1 waits, flags 0, signal 0"
    assert linux.kernel.clock.ticks == 0                        # it never slept


def test_without_a_waker_the_wait_times_out(linux):
    load(linux, "delay_ms=0", "timeout_ms=300")
    assert last(linux) == "woken: ready 0 after 300 ms, 0 jiffies left, 1 waits, flags 0, signal 0"


def test_an_endless_interruptible_wait_ends_as_by_a_signal_the_module_sees(linux):
    load(linux, "delay_ms=0", "forever=1")
    assert last(linux) == "woken: ready 0 after 0 ms, 0 jiffies left, 1 waits, flags 0, signal 1"
