"""Kernel threads' entry points (kernel/kthread.c, kernel/sched/core.c, kernel/freezer.c, 6.1):
creating, binding, stopping and parking threads, and what a thread asks about itself.

The threads themselves — their runs, sleeps and wake-ups — are kthreads.py's; wake_up_process
stays in wait.py (try_to_wake_up hands a thread to kthreads.py). kemu never freezes tasks
(no suspend to RAM), so the freezer's questions are answered "not freezing", as on a
running system.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable
from kemu.machine.suspend import Suspension

from ..kthreads import KThread, kthreads
from ..waiting import TASK_UNINTERRUPTIBLE
from .owner import owning_module

table = ServiceTable("kthreads")

PF_NO_SETAFFINITY = 0x04000000
TASK_PARKED = 0x0040
DEFAULT_PRIO = 120              # NICE_TO_PRIO(0)
MIN_NICE, MAX_NICE = -20, 19


def _thread(k, task: int, what: str) -> KThread:
    """The kthread behind `task`; a task that is none is the caller's bug (the kernel's
    to_kthread WARNs and dereferences garbage): a clear oops here."""
    t = kthreads(k.linux).get(task) if task else None
    if t is None:
        raise KernelPanic(f"{what}: {task:#x} is not a kernel thread kemu created")
    return t


def _me(k) -> KThread | None:
    return kthreads(k.linux).running_thread()


def _create(k, threadfn: int, data: int, name: bytes, call) -> int:
    if not threadfn:
        raise KernelPanic("kthread_create: NULL thread function")
    module = k.loader.module_at(threadfn) or owning_module(k, call)
    return kthreads(k.linux).create(threadfn, data, name, module).task


@table.service("struct task_struct *kthread_create_on_node(int (*threadfn)(void *data), void *data, int node, "
               "const char namefmt[], ...)", needs_call=True)
def kthread_create_on_node(k, threadfn: int, data: int, node: int, namefmt: int, args, call=None) -> int:
    """A new thread, sleeping until woken (kthread_run wakes it at once), named by the
    format; its task_struct."""
    return _create(k, threadfn, data, k.linux.format(namefmt, args), call)


@table.service("void kthread_bind(struct task_struct *p, unsigned int cpu)")
def kthread_bind(k, p: int, cpu: int) -> None:
    """Bind a thread that has not run yet to `cpu` (only CPU 0 exists); no later affinity
    change. A thread already running is the caller's bug: the kernel WARNs and leaves it."""
    t = _thread(k, p, "kthread_bind")
    if t.started:
        k.linux.pr(f"WARNING: kthread_bind of {t.name}:{t.pid}, which is not sleeping", 4)
        return
    if cpu != 0:
        k.linux.pr(f"kthread_bind: {t.name}:{t.pid} bound to CPU {cpu}, which is not online", 4)
    t.cpu = cpu
    flags = p + k.linux.layout.offset("struct task_struct", "flags")
    k.machine.mem.write_u32(flags, k.machine.mem.read_u32(flags) | PF_NO_SETAFFINITY)


@table.service("int kthread_stop(struct task_struct *k)")
def kthread_stop(k, task: int) -> int:
    """Tell the thread to stop, wake it and wait until threadfn returned; its result
    (-EINTR if it never ran)."""
    return kthreads(k.linux).stop(_thread(k, task, "kthread_stop")) & ((1 << (8 * k.machine.word_size)) - 1)


@table.service("bool kthread_should_stop(void)")
def kthread_should_stop(k) -> int:
    """True once kthread_stop was called on the running thread."""
    t = _me(k)
    return int(t is not None and t.should_stop)


@table.service("bool kthread_should_park(void)")
def kthread_should_park(k) -> int:
    """True once kthread_park was called on the running thread."""
    t = _me(k)
    return int(t is not None and t.should_park)


@table.service("bool __kthread_should_park(struct task_struct *k)")
def __kthread_should_park(k, task: int) -> int:
    """kthread_should_park for a given thread."""
    return int(_thread(k, task, "__kthread_should_park").should_park)


@table.service("void kthread_parkme(void)")
def kthread_parkme(k) -> None:
    """Sleep in TASK_PARKED while asked to park (kthread_park waits for this)."""
    t = _me(k)
    if t is None:
        return
    w = k.linux.waiting
    while t.should_park and not t.should_stop:
        t.parked = True
        w.waiting_on = "kthread_parkme"
        w.set_state(TASK_PARKED)
        w.sleep(None)
    t.parked = False


@table.service("int kthread_park(struct task_struct *k)")
def kthread_park(k, task: int) -> int:
    """Ask the thread to park and wait until it has (it calls kthread_parkme); -ENOSYS
    for a thread that exited, as the kernel answers."""
    t = _thread(k, task, "kthread_park")
    if t.exited:
        return -38
    if not t.should_park:
        t.should_park = True
        kt = kthreads(k.linux)
        if not t.parked and not t.running:
            if not kt.wake(t) and not t.running:
                kt.run(t)
            kt.run_woken()
        if not t.parked and not t.exited and not t.running:
            w = k.linux.waiting
            w.waiting_on = f"kthread_park of {t.name}:{t.pid}"
            w.set_state(TASK_UNINTERRUPTIBLE)
            w.sleep(None, lambda: t.parked or t.exited)
    return 0


@table.service("void kthread_unpark(struct task_struct *k)")
def kthread_unpark(k, task: int) -> None:
    """Let a parked thread run on."""
    t = _thread(k, task, "kthread_unpark")
    t.should_park = False
    if t.parked:
        kthreads(k.linux).wake(t, TASK_PARKED)
        kthreads(k.linux).run_woken()


@table.service("void *kthread_data(struct task_struct *k)")
def kthread_data(k, task: int) -> int:
    """The data pointer the thread was created with."""
    return _thread(k, task, "kthread_data").data


@table.service("void *kthread_func(struct task_struct *k)")
def kthread_func(k, task: int) -> int:
    """The thread's function; NULL for a task that is not a kernel thread."""
    t = kthreads(k.linux).get(task)
    return t.fn if t is not None else 0


@table.service("void do_exit(long code)")
def do_exit(k, code: int) -> None:
    """A kernel thread ends here with `code` (what kthread_stop returns). kemu's other task
    is insmod's, which a module must not end."""
    t = _me(k)
    if t is None or not k.machine.can_suspend():
        raise KernelPanic("do_exit called outside a kernel thread's own code")
    t.exiting = True
    t.result = _signed(k, code)
    raise Suspension("do_exit")


@table.service("void kthread_complete_and_exit(struct completion *comp, long code)")
def kthread_complete_and_exit(k, comp: int, code: int) -> None:
    """complete(comp), then do_exit(code)."""
    if comp:
        from .wait import complete
        complete(k, comp)
    do_exit(k, code)


@table.service("void kthread_exit(long result)")
def kthread_exit(k, result: int) -> None:
    """The thread ends with `result`."""
    do_exit(k, result)


@table.service("void set_user_nice(struct task_struct *p, long nice)")
def set_user_nice(k, p: int, nice: int) -> None:
    """The nice value of a normal task: static_prio = 120 + nice (clamped to -20..19), prio
    and normal_prio follow for a non-real-time task."""
    if not p:
        raise KernelPanic("set_user_nice: NULL task")
    nice = max(MIN_NICE, min(MAX_NICE, _signed(k, nice)))
    lay, mem = k.linux.layout, k.machine.mem
    mem.write_u32(p + lay.offset("struct task_struct", "static_prio"), DEFAULT_PRIO + nice)
    if mem.read_u32(p + lay.offset("struct task_struct", "policy")) == 0:
        mem.write_u32(p + lay.offset("struct task_struct", "normal_prio"), DEFAULT_PRIO + nice)
        mem.write_u32(p + lay.offset("struct task_struct", "prio"), DEFAULT_PRIO + nice)


@table.service("void io_schedule(void)")
def io_schedule(k) -> None:
    """schedule() accounted as I/O wait."""
    k.linux.waiting.sleep(None)


@table.service("void __kemu_kthread_timeout(struct timer_list *t)")
def __kemu_kthread_timeout(k, t: int) -> None:
    """A thread's sleep timed out on the virtual clock: it runs on."""
    kthreads(k.linux).timeout(t)


# --- the freezer: nothing is ever frozen ------------------------------------------------------------

@table.service("bool set_freezable(void)")
def set_freezable(k) -> int:
    """The thread may be frozen from now on; false: no freeze is in progress to enter."""
    return 0


@table.service("bool freezing_slow_path(struct task_struct *p)")
def freezing_slow_path(k, p: int) -> int:
    """Whether `p` should freeze: never (kemu does not suspend the system)."""
    return 0


@table.service("bool __refrigerator(bool check_kthr_stop)")
def __refrigerator(k, check_kthr_stop: int) -> int:
    """Enter the frozen state: never reached with nothing freezing; false (was not frozen)."""
    return 0


@table.service("void flush_signals(struct task_struct *t)")
def flush_signals(k, t: int) -> None:
    """Drop the task's pending signals: a kernel thread has none; insmod's pending one
    (an endless interruptible sleep's) goes."""
    if t == k.linux.current_task:
        k.linux.waiting.take_signal()


def _signed(k, v: int) -> int:
    bits = 8 * k.machine.word_size
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v
