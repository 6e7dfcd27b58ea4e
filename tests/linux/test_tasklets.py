"""Tasklets (kernel/softirq.c) as guest/linux/tasklet/tasklet.c uses them: scheduled from init,
run on the next softirq (the next tick of the virtual clock) with the high-priority vector
first, once however often they were scheduled, held back while disabled, killed at exit."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def lines(system) -> list[str]:
    return [line.split("] ", 1)[1] for line in system.dmesg().splitlines() if "] " in line]


def test_tasklets_run_after_init_sleeps_hi_first_and_once(linux):
    linux.insmod(str(ko(linux.arch, "tasklet")))
    out = lines(linux)
    assert out.index("tasklet: scheduled, ran so far: 0") < out.index("tasklet: hi tasklet ran with data 42")
    assert out.count("tasklet: hi tasklet ran with data 42") == 1
    assert "tasklet: callback tasklet ran (got itself)" in out
    assert "tasklet: order hi 1 cb 2" in out


def test_a_disabled_tasklet_waits_until_enabled(linux):
    linux.insmod(str(ko(linux.arch, "tasklet")), ["disabled=1"])
    out = lines(linux)
    assert "tasklet: hi 1 cb 0 (woken)" in out
    assert "tasklet: after enable: cb 2 (woken)" in out


def test_rmmod_kills_the_tasklets_and_leaves_nothing_queued(linux):
    linux.insmod(str(ko(linux.arch, "tasklet")))
    linux.rmmod("tasklet")
    assert lines(linux)[-1] == "tasklet: killed"
    assert linux.tasklets.hi == [] and linux.tasklets.normal == []
    assert linux.leaks() == []
