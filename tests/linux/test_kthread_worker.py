"""kthread workers (services/kthread_worker.py) and alloc_percpu (services/percpu_alloc.py)
as guest/linux/kworker uses them: the worker's thread is named from the format, a work runs
when flushed and queuing it twice is refused, a delayed work runs once its time has come
(or is cancelled at exit while still pending), and destroying the worker frees it."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.services import kthread_worker

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    system = kemu.boot("linux", request.param)
    system.insmod(str(ko(system.arch, "kworker")))
    return system


def messages(linux) -> list[str]:
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] kworker: " in line and "taint" not in line]


def test_init_names_the_thread_refuses_a_second_queue_and_flush_runs_the_work(linux):
    assert messages(linux) == ["kworker: thread kemu_kw/7, queued 1 then 0",
                               "kworker: work ran, runs 1",
                               "kworker: flushed, runs 1"]


def test_the_delayed_work_runs_after_its_delay(linux):
    linux.advance(0.05)
    assert not any("delayed work ran" in m for m in messages(linux))
    linux.advance(0.1)
    assert messages(linux)[-1] == "kworker: delayed work ran, late 1"
    linux.rmmod("kworker")
    assert messages(linux)[-1] == "kworker: exit, delayed work pending 0, runs 1, late 1"


def test_exit_cancels_a_pending_delayed_work_and_frees_the_worker(linux):
    linux.rmmod("kworker")
    assert messages(linux)[-1] == "kworker: exit, delayed work pending 1, runs 1, late 0"
    assert kthread_worker.workers(linux.kernel).timers == {}
    assert linux.leaks() == []
    assert not linux.kernel.heap.leaks("task_struct")
    assert "W" not in linux.taints
