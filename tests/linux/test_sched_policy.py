"""sched_set_fifo / _low / sched_set_normal (services/sched_policy.py) set a task's policy and
priorities as __setscheduler_params does; the watchdog core's kworker gets SCHED_FIFO."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES
from .corpus_trials import corpus_record


def _task(system) -> int:
    return system.kernel.heap.alloc(system.layout.size("struct task_struct"), "test", zero=True)


def _read(system, task: int, field: str) -> int:
    value = system.machine.mem.read_u32(task + system.layout.offset("struct task_struct", field))
    return value - (1 << 32) if value & 0x80000000 else value


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("service,rt,prio", [("sched_set_fifo", 50, 49), ("sched_set_fifo_low", 1, 98)])
def test_fifo_sets_the_real_time_priority(arch, service, rt, prio):
    system = kemu.boot("linux", arch)
    task = _task(system)
    system.call(service, task)
    assert [_read(system, task, f) for f in ("policy", "rt_priority", "normal_prio", "prio")] == [1, rt, prio, prio]


@pytest.mark.parametrize("arch", ARCHES)
def test_normal_takes_the_nice_value_back_to_a_static_priority(arch):
    system = kemu.boot("linux", arch)
    task = _task(system)
    system.call("sched_set_fifo", task)
    system.call("sched_set_normal", task, -5 & 0xFFFFFFFF)
    assert [_read(system, task, f) for f in ("policy", "rt_priority", "static_prio", "prio")] == [0, 0, 115, 115]


@pytest.mark.parametrize("arch", ARCHES)
def test_watchdog_no_longer_calls_the_sched_set_fifo_fallback(arch):
    record = corpus_record(arch, "watchdog")
    assert record["outcome"] == "init returned 0, clean unload"
    assert "sched_set_fifo" not in record["fallback"]
