"""Wait queues, completions and schedule on the virtual clock (kemu/os/linux/waiting.py,
services/wait.py), both arches, on guest/linux/waitq."""
from __future__ import annotations

import time

import pytest

import kemu
from kemu.os.linux.insmod import InsmodError

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] " in line]


def load(linux, *params):
    return linux.insmod(str(ko(linux.arch, "waitq")), list(params))


def test_a_timer_wakes_the_wait_queue_and_work_completes_the_completion(linux):
    load(linux, "delay_ms=100", "timeout_ms=1000")
    # 1000 ms is 250 jiffies; woken after 100 ms (25 jiffies): 225 left
    assert messages(linux)[-2:] == [
        "waitq: wait_event_timeout gave 225 after 100 ms, flag 1",
        "waitq: wait_for_completion_timeout gave 225 after 100 ms, done 0",
    ]
    assert linux.kernel.clock.uptime.sec == 0 and linux.kernel.clock.uptime.nsec == 200_000_000


def test_waits_nothing_satisfies_time_out_after_their_timeout(linux):
    load(linux, "delay_ms=0", "timeout_ms=300")
    assert messages(linux)[-2:] == [
        "waitq: wait_event_timeout gave 0 after 300 ms, flag 0",
        "waitq: wait_for_completion_timeout gave 0 after 300 ms, done 0",
    ]


def test_a_waker_later_than_the_timeout_comes_too_late(linux):
    load(linux, "delay_ms=500", "timeout_ms=200")
    assert messages(linux)[-2:] == [
        "waitq: wait_event_timeout gave 0 after 200 ms, flag 0",
        "waitq: wait_for_completion_timeout gave 0 after 200 ms, done 0",
    ]
    assert not linux.timekeeping.timers             # the module cancelled its waker


@pytest.mark.parametrize("mode, what", [("1", "wait queue waitq_head"), ("3", "completion waitq_done")])
def test_an_endless_uninterruptible_wait_nothing_can_end_fails_the_call_clearly(linux, mode, what):
    with pytest.raises(InsmodError) as exc:
        load(linux, f"forever={mode}")
    assert exc.value.name == "EFAULT"
    assert (f"panic: task sleeps uninterruptibly without timeout on {what}: nothing left that could "
            "wake it (no timer armed, no work queued)") in linux.dmesg()
    assert linux.find_module("waitq") is None
    load(linux)                                       # the machine and the kernel go on
    assert messages(linux)[-1].startswith("waitq: wait_for_completion_timeout gave ")


def test_an_endless_interruptible_wait_ends_as_by_a_signal(linux):
    load(linux, "forever=2")
    assert messages(linux)[-1] == "waitq: interruptible wait gave -512"     # -ERESTARTSYS


def test_a_wait_that_timers_never_end_is_a_hung_task_after_120_virtual_seconds(linux):
    started = time.monotonic()
    with pytest.raises(InsmodError):
        load(linux, "forever=4")
    assert time.monotonic() - started < 5               # time jumps from timer to timer
    assert "INFO: task :0 blocked for more than 120 seconds." in messages(linux)
    assert "still asleep after 120 s of virtual time" in linux.dmesg()
    assert linux.kernel.clock.uptime.sec == 120
    assert not linux.timekeeping.timers                 # the retired module's timer went with it
