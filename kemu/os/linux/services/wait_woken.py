"""wait_woken / woken_wake_function (kernel/sched/wait.c, 6.1): the wait loop drivers write
around their own condition instead of wait_event():

    DEFINE_WAIT_FUNC(wait, woken_wake_function);
    add_wait_queue(&wq, &wait);
    while (!condition) {
            if (signal_pending(current)) break;
            timeout = wait_woken(&wait, TASK_INTERRUPTIBLE, timeout);
    }
    remove_wait_queue(&wq, &wait);

The waker sets WQ_FLAG_WOKEN in the entry before waking the task, so a wake-up that lands
between the condition test and wait_woken is not lost: wait_woken does not sleep when the
flag is already set, and clears it on the way out.

A signal kemu raises to end an endless interruptible sleep (waiting.py) is also made
visible to the module's inline signal_pending(current): TIF_SIGPENDING in current's
thread_info flags (the first member of task_struct on x86, CONFIG_THREAD_INFO_IN_TASK). kemu
has no user space to deliver it to, so it stays set for the rest of the kernel's life.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..waiting import TASK_RUNNING, WQ_FLAG_WOKEN
from .wait import _schedule_timeout, default_wake_function

table = ServiceTable("wait_woken")
TIF_SIGPENDING = 2


def _flags(k, entry: int) -> int:
    return entry + k.linux.layout.offset("struct wait_queue_entry", "flags")


@table.service("long wait_woken(struct wait_queue_entry *wq_entry, unsigned int mode, long timeout)")
def wait_woken(k, wq_entry: int, mode: int, timeout: int) -> int:
    """Sleep in `mode` for at most `timeout` jiffies unless already woken; the jiffies left."""
    k.check_length(wq_entry, k.linux.layout.size("struct wait_queue_entry"), "write")
    mem, w = k.machine.mem, k.linux.waiting
    flags = _flags(k, wq_entry)
    w.set_state(mode)
    if not mem.read_u32(flags) & WQ_FLAG_WOKEN:
        timeout = _schedule_timeout(k, timeout)
    w.set_state(TASK_RUNNING)
    mem.write_u32(flags, mem.read_u32(flags) & ~WQ_FLAG_WOKEN)
    if w.signal_pending:
        task = k.linux.current_task
        mem.write_ptr(task, mem.read_ptr(task) | 1 << TIF_SIGPENDING)
        w.take_signal()
    return timeout


@table.service("int woken_wake_function(struct wait_queue_entry *wq_entry, unsigned int mode, int sync, void *key)")
def woken_wake_function(k, wq_entry: int, mode: int, sync: int, key: int) -> int:
    """Mark the entry woken, then wake its task as default_wake_function does."""
    flags = _flags(k, wq_entry)
    k.machine.mem.write_u32(flags, k.machine.mem.read_u32(flags) | WQ_FLAG_WOKEN)
    return default_wake_function(k, wq_entry, mode, sync, key)
