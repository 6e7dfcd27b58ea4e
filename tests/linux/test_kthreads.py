"""Kernel threads (kemu/os/linux/kthreads.py, services/kthreads.py, kemu/machine/suspend.py),
both arches, on guest/linux/kthread: threads that do not run until woken, sleep, are woken,
count, run on the virtual clock and stop."""
from __future__ import annotations


from .conftest import ko


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] " in line]


def load(linux, *params):
    return linux.insmod(str(ko(linux.arch, "kthread")), list(params))


def param(linux, name):
    fd = linux.open(f"/sys/module/kthread/parameters/{name}")
    try:
        return linux.read(fd, 4096).decode().strip()
    finally:
        linux.close(fd)


def test_a_created_thread_does_not_run_until_woken_and_runs_as_its_own_task(linux):
    load(linux)
    lines = messages(linux)
    assert "kthread: created kicker, pid 3, nice -5, ran 0" in lines
    # woken: it runs as its own task (current is the thread), with its kthread_data
    assert lines[lines.index("kthread: created kicker, pid 3, nice -5, ran 0") + 1] == \
        "kthread: kicker running as pid 3, data ok"


def test_a_thread_woken_from_a_wait_queue_counts_each_kick(linux):
    load(linux, "kicks=5")
    assert "kthread: kicked 5 times, counted 5" in messages(linux)
    assert param(linux, "kicked") == "5"


def test_a_sleeping_thread_runs_on_the_virtual_clock(linux):
    load(linux, "period_ms=100", "run_ms=1000")
    assert "kthread: 11 ticks by 1000 ms later" in messages(linux)


def test_a_thread_wakes_insmods_task_from_its_wait_queue(linux):
    load(linux, "period_ms=100")
    # the first tick comes 100 ms (25 jiffies) into init's 1 s wait
    assert "kthread: the ticker woke init with 225 of 250 jiffies left" in messages(linux)


def test_kthread_stop_wakes_the_thread_and_returns_what_threadfn_returned(linux):
    load(linux, "kicks=2")
    linux.rmmod("kthread")
    lines = messages(linux)
    assert "kthread: kicker stopped with 102" in lines
    # the ticker was woken early from its sleep, counted it once more and saw should_stop
    assert "kthread: ticker stopped with 12" in lines
    assert linux.kthreads.threads == {}
    assert not linux.timekeeping.timers


def test_a_thread_that_never_checks_should_stop_ends_in_the_hung_task_report(linux):
    load(linux, "stubborn=1", "run_ms=300")
    linux.rmmod("kthread")                 # exit is abandoned; the module goes
    text = linux.dmesg()
    assert text.count("blocked for more than 120 seconds.") == 1
    assert "task sleeps uninterruptibly without timeout on kthread_stop of ticker/0:4" in text
    assert "kemu: kernel thread ticker/0:4 never returned after kthread_stop: dropped with its module" in text
    assert linux.kthreads.threads == {}


def test_a_module_unloading_with_its_threads_alive_is_reported_and_they_are_stopped(linux):
    load(linux, "keep=1", "run_ms=300")
    linux.rmmod("kthread")
    text = linux.dmesg()
    assert "kemu: kernel thread ticker/0:4 still running when its module unloads: stopping it" in text
    assert "kemu: kernel thread kicker:3 still running when its module unloads: stopping it" in text
    assert linux.kthreads.threads == {}
    assert not linux.timekeeping.timers


def test_the_thread_task_keeps_its_name_pid_and_nice(linux):
    load(linux)
    kicker = next(t for t in linux.kthreads.threads.values() if t.name == "kicker")
    lay, mem = linux.layout, linux.machine.mem
    assert mem.read(kicker.task + lay.offset("struct task_struct", "comm"), 7) == b"kicker\0"
    assert mem.read_u32(kicker.task + lay.offset("struct task_struct", "pid")) == 3
    assert mem.read_u32(kicker.task + lay.offset("struct task_struct", "static_prio")) == 115
    assert kicker.cpu == 0
    assert kicker.started and not kicker.exited
    assert linux.current_task != kicker.task          # insmod's task is current again
