"""Wait queues, completions and schedule (kernel/sched/wait.c, completion.c, core.c, timer.c's
schedule_timeout): the entry points; the task state and the sleep loop are waiting.py's.

The wait_event*() macros are inline in a module: init_wait_entry, then prepare_to_wait_event
/ test the condition / schedule() or schedule_timeout() until it holds, then finish_wait.
Wait-queue lists are the guest's own list_heads (a module may walk or add to them); the
wake functions they hold are called as the kernel calls them (kemu's own directly, a
module's through a guarded guest call). Completions keep their count in `done` and are
waited on entirely here.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..waiting import (ERESTARTSYS, TASK_INTERRUPTIBLE, TASK_KILLABLE, TASK_NORMAL, TASK_UNINTERRUPTIBLE,
                       WQ_FLAG_EXCLUSIVE)

table = ServiceTable("wait")
UINT_MAX = 0xFFFFFFFF


def _w(k):
    return k.linux.waiting


def _lay(k):
    return k.linux.layout


def _signed(k, value: int) -> int:
    bits = 8 * k.machine.word_size
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _max_timeout(k) -> int:
    return (1 << (8 * k.machine.word_size - 1)) - 1      # MAX_SCHEDULE_TIMEOUT = LONG_MAX


def _entry_list(k, entry: int) -> int:
    return entry + _lay(k).offset("struct wait_queue_entry", "entry")


def _head_list(k, head: int) -> int:
    return head + _lay(k).offset("struct wait_queue_head", "head")


def _what(k, addr: int, kind: str) -> str:
    return f"{kind} {k.machine.symbolize(addr)}"


# --- wait queues -----------------------------------------------------------------------------------

@table.service("void __init_waitqueue_head(struct wait_queue_head *wq_head, const char *name, "
               "struct lock_class_key *key)")
def __init_waitqueue_head(k, wq_head: int, name: int, key: int) -> None:
    """init_waitqueue_head / DECLARE_WAIT_QUEUE_HEAD at run time: unlocked, empty list."""
    k.machine.mem.write_u32(wq_head + _lay(k).offset("struct wait_queue_head", "lock"), 0)
    _w(k).init_list(_head_list(k, wq_head))


@table.service("void init_wait_entry(struct wait_queue_entry *wq_entry, int flags)")
def init_wait_entry(k, wq_entry: int, flags: int) -> None:
    """The wait_event macros' entry: this task, woken by autoremove_wake_function."""
    lay, mem = _lay(k), k.machine.mem
    mem.write_u32(wq_entry + lay.offset("struct wait_queue_entry", "flags"), flags & UINT_MAX)
    mem.write_ptr(wq_entry + lay.offset("struct wait_queue_entry", "private"), _w(k).task)
    mem.write_ptr(wq_entry + lay.offset("struct wait_queue_entry", "func"),
                  k.installed["autoremove_wake_function"][1])
    _w(k).init_list(_entry_list(k, wq_entry))


def _add(k, wq_head: int, wq_entry: int, exclusive: bool) -> None:
    node = _entry_list(k, wq_entry)
    _w(k).list_add(node, _head_list(k, wq_head), tail=exclusive)


def _entry_flags(k, wq_entry: int) -> int:
    return k.machine.mem.read_u32(wq_entry + _lay(k).offset("struct wait_queue_entry", "flags"))


@table.service("long prepare_to_wait_event(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, "
               "int state)")
def prepare_to_wait_event(k, wq_head: int, wq_entry: int, state: int) -> int:
    """Queue the entry (once) and set the task's sleep state; -ERESTARTSYS instead when a
    signal ends this kind of sleep."""
    w = _w(k)
    node = _entry_list(k, wq_entry)
    if w.signal_pending_state(state):
        w.take_signal()
        w.list_del_init(node)
        return -ERESTARTSYS
    if w.list_empty(node):
        _add(k, wq_head, wq_entry, bool(_entry_flags(k, wq_entry) & WQ_FLAG_EXCLUSIVE))
    w.waiting_on = _what(k, wq_head, "wait queue")
    w.set_state(state)
    return 0


@table.service("void prepare_to_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry, "
               "int state)")
def prepare_to_wait(k, wq_head: int, wq_entry: int, state: int) -> None:
    """Queue a (non-exclusive) entry if it is not queued and set the sleep state."""
    w = _w(k)
    lay, mem = _lay(k), k.machine.mem
    flags_at = wq_entry + lay.offset("struct wait_queue_entry", "flags")
    mem.write_u32(flags_at, mem.read_u32(flags_at) & ~WQ_FLAG_EXCLUSIVE & UINT_MAX)
    if w.list_empty(_entry_list(k, wq_entry)):
        _add(k, wq_head, wq_entry, False)
    w.waiting_on = _what(k, wq_head, "wait queue")
    w.set_state(state)


@table.service("bool prepare_to_wait_exclusive(struct wait_queue_head *wq_head, "
               "struct wait_queue_entry *wq_entry, int state)")
def prepare_to_wait_exclusive(k, wq_head: int, wq_entry: int, state: int) -> int:
    """As prepare_to_wait for an exclusive entry (queued at the tail); true if the queue
    was empty before."""
    w = _w(k)
    lay, mem = _lay(k), k.machine.mem
    flags_at = wq_entry + lay.offset("struct wait_queue_entry", "flags")
    mem.write_u32(flags_at, mem.read_u32(flags_at) | WQ_FLAG_EXCLUSIVE)
    was_empty = False
    if w.list_empty(_entry_list(k, wq_entry)):
        was_empty = w.list_empty(_head_list(k, wq_head))
        _add(k, wq_head, wq_entry, True)
    w.waiting_on = _what(k, wq_head, "wait queue")
    w.set_state(state)
    return int(was_empty)


@table.service("void finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)")
def finish_wait(k, wq_head: int, wq_entry: int) -> None:
    """Running again; the entry off the queue if a wake did not take it off already."""
    w = _w(k)
    w.set_state(0)
    node = _entry_list(k, wq_entry)
    if not w.list_empty(node):
        w.list_del_init(node)


@table.service("void add_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)")
def add_wait_queue(k, wq_head: int, wq_entry: int) -> None:
    """Queue a non-exclusive entry at the head."""
    lay, mem = _lay(k), k.machine.mem
    flags_at = wq_entry + lay.offset("struct wait_queue_entry", "flags")
    mem.write_u32(flags_at, mem.read_u32(flags_at) & ~WQ_FLAG_EXCLUSIVE & UINT_MAX)
    _add(k, wq_head, wq_entry, False)


@table.service("void remove_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)")
def remove_wait_queue(k, wq_head: int, wq_entry: int) -> None:
    """Take the entry off its queue."""
    _w(k).list_del_init(_entry_list(k, wq_entry))


@table.service("int default_wake_function(struct wait_queue_entry *curr, unsigned int mode, int wake_flags, "
               "void *key)")
def default_wake_function(k, curr: int, mode: int, wake_flags: int, key: int) -> int:
    """try_to_wake_up of the entry's task: 1 if it slept in one of `mode`'s states."""
    task = k.machine.mem.read_ptr(curr + _lay(k).offset("struct wait_queue_entry", "private"))
    return int(_w(k).try_to_wake_up(task, mode))


@table.service("int autoremove_wake_function(struct wait_queue_entry *wq_entry, unsigned int mode, int sync, "
               "void *key)")
def autoremove_wake_function(k, wq_entry: int, mode: int, sync: int, key: int) -> int:
    """default_wake_function, and the entry leaves the queue if that woke the task."""
    ret = default_wake_function(k, wq_entry, mode, sync, key)
    if ret:
        _w(k).list_del_init(_entry_list(k, wq_entry))
    return ret


def wake_up_common(k, wq_head: int, mode: int, nr_exclusive: int, wake_flags: int, key: int) -> None:
    """__wake_up_common: each entry's wake function in queue order, until `nr_exclusive`
    exclusive waiters were woken (0: all)."""
    lay, mem = _lay(k), k.machine.mem
    own = {k.installed[n][1]: fn for n, fn in (("autoremove_wake_function", autoremove_wake_function),
                                               ("default_wake_function", default_wake_function))}
    for entry in _w(k).entries(wq_head):
        flags = mem.read_u32(entry + lay.offset("struct wait_queue_entry", "flags"))
        func = mem.read_ptr(entry + lay.offset("struct wait_queue_entry", "func"))
        if func in own:
            ret = own[func](k, entry, mode, wake_flags, key)
        else:
            ret = k.linux.call_kernel_pointer(func, entry, mode, wake_flags, key, what="wake function")
        if ret < 0:
            break
        if ret and flags & WQ_FLAG_EXCLUSIVE:
            nr_exclusive -= 1
            if nr_exclusive == 0:
                break
    _w(k).run_woken()


@table.service("void __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr_exclusive, void *key)")
def __wake_up(k, wq_head: int, mode: int, nr_exclusive: int, key: int) -> None:
    """wake_up / wake_up_interruptible / wake_up_all …: wake the queue's waiters."""
    wake_up_common(k, wq_head, mode, _signed32(nr_exclusive), 0, key)


@table.service("void __wake_up_locked(struct wait_queue_head *wq_head, unsigned int mode, int nr)")
def __wake_up_locked(k, wq_head: int, mode: int, nr: int) -> None:
    """__wake_up with the queue's lock already held."""
    wake_up_common(k, wq_head, mode, _signed32(nr), 0, 0)


@table.service("void __wake_up_sync(struct wait_queue_head *wq_head, unsigned int mode)")
def __wake_up_sync(k, wq_head: int, mode: int) -> None:
    """wake_up_interruptible_sync: wake one exclusive waiter (and every non-exclusive one)."""
    wake_up_common(k, wq_head, mode, 1, 1, 0)


def _signed32(v: int) -> int:
    v &= UINT_MAX
    return v - (1 << 32) if v & 0x80000000 else v


@table.service("int wake_up_process(struct task_struct *p)")
def wake_up_process(k, p: int) -> int:
    """Wake a sleeping task; 1 if it slept (a kernel thread runs now, kthreads.py)."""
    woken = _w(k).try_to_wake_up(p, TASK_NORMAL)
    _w(k).run_woken()
    return int(woken)


# --- schedule ---------------------------------------------------------------------------------------

@table.service("void schedule(void)")
def schedule(k) -> None:
    """Sleep in the state the task set until something wakes it (returns at once if it is
    running); see waiting.py for a sleep nothing can end."""
    _w(k).sleep(None)


def _schedule_timeout(k, timeout: int, state: int | None = None) -> int:
    w = _w(k)
    if state is not None:
        w.set_state(state)
    timeout = _signed(k, timeout)
    if timeout < 0:
        k.linux.pr(f"schedule_timeout: wrong timeout value {timeout:x}", 3)
        w.set_state(0)
        return 0
    if timeout >= _max_timeout(k):
        w.sleep(None)
        return _max_timeout(k)
    return w.sleep(timeout)


@table.service("long schedule_timeout(long timeout)")
def schedule_timeout(k, timeout: int) -> int:
    """Sleep at most `timeout` jiffies in the current state; the jiffies left (0: timed out)."""
    return _schedule_timeout(k, timeout)


@table.service("long schedule_timeout_interruptible(long timeout)")
def schedule_timeout_interruptible(k, timeout: int) -> int:
    """schedule_timeout in TASK_INTERRUPTIBLE."""
    left = _schedule_timeout(k, timeout, TASK_INTERRUPTIBLE)
    _w(k).take_signal()
    return left


@table.service("long schedule_timeout_uninterruptible(long timeout)")
def schedule_timeout_uninterruptible(k, timeout: int) -> int:
    """schedule_timeout in TASK_UNINTERRUPTIBLE."""
    return _schedule_timeout(k, timeout, TASK_UNINTERRUPTIBLE)


@table.service("long schedule_timeout_killable(long timeout)")
def schedule_timeout_killable(k, timeout: int) -> int:
    """schedule_timeout in TASK_KILLABLE."""
    left = _schedule_timeout(k, timeout, TASK_KILLABLE)
    _w(k).take_signal()
    return left


@table.service("long io_schedule_timeout(long timeout)")
def io_schedule_timeout(k, timeout: int) -> int:
    """schedule_timeout accounted as I/O wait."""
    return _schedule_timeout(k, timeout)


@table.service("unsigned long msleep_interruptible(unsigned int msecs)")
def msleep_interruptible(k, msecs: int) -> int:
    """Sleep msecs unless a signal ends it; the milliseconds left."""
    from ..timekeeping import jiffies_to_msecs, msecs_to_jiffies
    left = _schedule_timeout(k, msecs_to_jiffies(msecs) + 1, TASK_INTERRUPTIBLE)
    _w(k).take_signal()
    return jiffies_to_msecs(left)


# --- completions ------------------------------------------------------------------------------------

def _done_addr(k, x: int) -> int:
    return x + _lay(k).offset("struct completion", "done")


@table.service("void __init_swait_queue_head(struct swait_queue_head *q, const char *name, "
               "struct lock_class_key *key)")
def __init_swait_queue_head(k, q: int, name: int, key: int) -> None:
    """init_completion's simple wait queue: unlocked, empty list (lock, then a list_head)."""
    word = k.machine.word_size
    k.machine.mem.write_u32(q, 0)
    _w(k).init_list(q + word)


@table.service("void complete(struct completion *x)")
def complete(k, x: int) -> None:
    """One more `done` (a waiter takes it when it runs)."""
    mem = k.machine.mem
    done = mem.read_u32(_done_addr(k, x))
    if done != UINT_MAX:
        mem.write_u32(_done_addr(k, x), done + 1)
    _w(k).conditions_changed()


@table.service("void complete_all(struct completion *x)")
def complete_all(k, x: int) -> None:
    """Complete for every waiter, now and later (until reinit_completion)."""
    k.machine.mem.write_u32(_done_addr(k, x), UINT_MAX)
    _w(k).conditions_changed()


@table.service("bool try_wait_for_completion(struct completion *x)")
def try_wait_for_completion(k, x: int) -> int:
    """Take one `done` without sleeping; false if there is none."""
    return int(_take(k, x))


@table.service("bool completion_done(struct completion *x)")
def completion_done(k, x: int) -> int:
    """Whether a wait would not sleep."""
    return int(k.machine.mem.read_u32(_done_addr(k, x)) != 0)


def _take(k, x: int) -> bool:
    mem = k.machine.mem
    done = mem.read_u32(_done_addr(k, x))
    if not done:
        return False
    if done != UINT_MAX:
        mem.write_u32(_done_addr(k, x), done - 1)
    return True


def wait_for_common(k, x: int, timeout: int | None, state: int) -> int:
    """do_wait_for_common: the jiffies left (at least 1) once a `done` was taken, 0 on
    timeout, -ERESTARTSYS when a signal ended an interruptible or killable wait."""
    w = _w(k)
    if _take(k, x):
        w.end_replay()
        return max(timeout or 1, 1) if timeout is not None else 1
    if w.signal_pending_state(state):
        w.take_signal()
        w.end_replay()
        return -ERESTARTSYS
    done_at = _done_addr(k, x)
    w.waiting_on = _what(k, x, "completion")
    w.set_state(state)
    left = w.sleep(timeout, lambda: k.machine.mem.read_u32(done_at) != 0)
    if _take(k, x):
        return max(left, 1)
    if w.signal_pending_state(state):
        w.take_signal()
        return -ERESTARTSYS
    return 0


def _timeout(k, timeout: int) -> int | None:
    timeout = _signed(k, timeout)
    return None if timeout >= _max_timeout(k) else max(timeout, 0)


@table.service("void wait_for_completion(struct completion *x)")
def wait_for_completion(k, x: int) -> None:
    """Sleep uninterruptibly until completed."""
    wait_for_common(k, x, None, TASK_UNINTERRUPTIBLE)


@table.service("void wait_for_completion_io(struct completion *x)")
def wait_for_completion_io(k, x: int) -> None:
    """wait_for_completion accounted as I/O wait."""
    wait_for_common(k, x, None, TASK_UNINTERRUPTIBLE)


@table.service("unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout)")
def wait_for_completion_timeout(k, x: int, timeout: int) -> int:
    """0 if timed out, else the jiffies left (at least 1)."""
    return wait_for_common(k, x, _timeout(k, timeout), TASK_UNINTERRUPTIBLE)


@table.service("unsigned long wait_for_completion_io_timeout(struct completion *x, unsigned long timeout)")
def wait_for_completion_io_timeout(k, x: int, timeout: int) -> int:
    """wait_for_completion_timeout accounted as I/O wait."""
    return wait_for_common(k, x, _timeout(k, timeout), TASK_UNINTERRUPTIBLE)


@table.service("int wait_for_completion_interruptible(struct completion *x)")
def wait_for_completion_interruptible(k, x: int) -> int:
    """0 when completed, -ERESTARTSYS if a signal came first."""
    ret = wait_for_common(k, x, None, TASK_INTERRUPTIBLE)
    return ret if ret < 0 else 0


@table.service("long wait_for_completion_interruptible_timeout(struct completion *x, unsigned long timeout)")
def wait_for_completion_interruptible_timeout(k, x: int, timeout: int) -> int:
    """Jiffies left (at least 1), 0 on timeout, -ERESTARTSYS on a signal."""
    return wait_for_common(k, x, _timeout(k, timeout), TASK_INTERRUPTIBLE)


@table.service("int wait_for_completion_killable(struct completion *x)")
def wait_for_completion_killable(k, x: int) -> int:
    """0 when completed, -ERESTARTSYS if a fatal signal came first."""
    ret = wait_for_common(k, x, None, TASK_KILLABLE)
    return ret if ret < 0 else 0


@table.service("long wait_for_completion_killable_timeout(struct completion *x, unsigned long timeout)")
def wait_for_completion_killable_timeout(k, x: int, timeout: int) -> int:
    """Jiffies left (at least 1), 0 on timeout, -ERESTARTSYS on a fatal signal."""
    return wait_for_common(k, x, _timeout(k, timeout), TASK_KILLABLE)
