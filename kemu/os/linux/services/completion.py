"""Completions (kernel/sched/completion.c) on simple wait queues (kernel/sched/swait.c).

One CPU and no scheduler between guest calls: whatever would complete a completion runs to
its end before the waiter resumes (a cross-CPU call, a timer fired by advancing time). So a
wait finds it done, takes one completion and returns; a wait that nothing has completed
would sleep forever, which kemu reports as the hang it is instead of stopping the machine."""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("completion")

UINT_MAX = 0xFFFFFFFF


def _done(k, x: int) -> int:
    return x + k.linux.layout.offset("struct completion", "done")


@table.service("void __init_swait_queue_head(struct swait_queue_head *q, const char *name, "
               "struct lock_class_key *key)")
def __init_swait_queue_head(k, q: int, name: int, key: int) -> None:
    """An unlocked queue with an empty task list (pointing at itself)."""
    lay, mem = k.linux.layout, k.machine.mem
    mem.write_u32(q + lay.offset("struct swait_queue_head", "lock"), 0)
    head = q + lay.offset("struct swait_queue_head", "task_list")
    mem.write_ptr(head, head)
    mem.write_ptr(head + k.machine.word_size, head)


@table.service("void complete(struct completion *x)")
def complete(k, x: int) -> None:
    """Signal one waiter: done += 1 (unless completed for all)."""
    done = k.machine.mem.read_u32(_done(k, x))
    if done != UINT_MAX:
        k.machine.mem.write_u32(_done(k, x), done + 1)


@table.service("void complete_all(struct completion *x)")
def complete_all(k, x: int) -> None:
    """Signal every waiter, now and later: done = UINT_MAX."""
    k.machine.mem.write_u32(_done(k, x), UINT_MAX)


def _wait(k, x: int, what: str) -> None:
    done = k.machine.mem.read_u32(_done(k, x))
    if not done:
        raise KernelPanic(f"{what}: the task would sleep forever (nothing left to complete "
                          f"{k.machine.symbolize(x)}) on kemu's single CPU")
    if done != UINT_MAX:
        k.machine.mem.write_u32(_done(k, x), done - 1)


@table.service("void wait_for_completion(struct completion *x)")
def wait_for_completion(k, x: int) -> None:
    """Take one completion (see the module text for the hang)."""
    _wait(k, x, "wait_for_completion")


@table.service("int wait_for_completion_interruptible(struct completion *x)")
def wait_for_completion_interruptible(k, x: int) -> int:
    """As wait_for_completion; no signal ever arrives, so 0."""
    _wait(k, x, "wait_for_completion_interruptible")
    return 0


@table.service("bool try_wait_for_completion(struct completion *x)")
def try_wait_for_completion(k, x: int) -> int:
    """Take a completion if one is there (true), else false without waiting."""
    if not k.machine.mem.read_u32(_done(k, x)):
        return 0
    _wait(k, x, "try_wait_for_completion")
    return 1


@table.service("bool completion_done(struct completion *x)")
def completion_done(k, x: int) -> int:
    """Whether a wait would return at once."""
    return 1 if k.machine.mem.read_u32(_done(k, x)) else 0
