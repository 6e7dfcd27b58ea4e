"""kthread workers (kernel/kthread.c, 6.1): a kernel thread that runs the `kthread_work`s
queued on its `kthread_worker`, one at a time, in order (the watchdog core's "watchdogd",
many drivers' own workers).

kthread_create_worker() allocates and initialises the worker (empty work and delayed-work
lists) and gives it a task named from the format; kthread_queue_work() links the work on the
worker's `work_list` (refused while it is already queued or being cancelled) and wakes the
thread. kemu has no threads: the worker runs when time moves on, as queued work does (a
kernel-owned timer due at the next tick whose function is the worker's loop,
`__kemu_kthread_worker_tick`), and flushing runs what is queued at once, as waiting for the
thread would. Delayed work arms the work's own timer, whose function is the kernel's
kthread_delayed_work_timer_fn (set by kthread_init_delayed_work), which moves it onto the
work list. The lists are the guest's own list_heads, so the module's inline list_empty()
checks see what the kernel would.
"""
from __future__ import annotations

from kemu.kernel import GuestCrash, ServiceTable

from ..list_head import init_list, list_add_tail, list_del_init, list_empty
from .owner import owning_module

table = ServiceTable("kthread_worker")

TASK_COMM_LEN = 16
TASK_INTERRUPTIBLE = 0x1
ENOMEM = 12
MAX_WORKS_PER_RUN = 10_000


def _off(k, struct: str, field: str) -> int:
    return k.linux.layout.offset(struct, field)


def _w(k, worker: int, field: str) -> int:
    return worker + _off(k, "struct kthread_worker", field)


def _wk(k, work: int, field: str) -> int:
    return work + _off(k, "struct kthread_work", field)


class Workers:
    """kemu's side of the workers: each worker's wake-up timer and task."""

    def __init__(self, k) -> None:
        self.k = k
        self.timers: dict[int, int] = {}       # worker -> its wake-up timer_list
        self.tasks: dict[int, int] = {}        # worker -> its task_struct


def workers(k) -> Workers:
    reg = k.linux.__dict__.get("kthread_workers")
    if reg is None:
        reg = k.linux.__dict__["kthread_workers"] = Workers(k)
    return reg


def _new_task(k, name: bytes) -> int:
    """The worker thread's task: a zeroed task_struct named `name`, sleeping."""
    lay, mem = k.linux.layout, k.machine.mem
    task = k.heap.alloc(lay.size("struct task_struct"), "task_struct", zero=True)
    mem.write(task + lay.offset("struct task_struct", "comm"), name[:TASK_COMM_LEN - 1] + b"\0")
    mem.write_u32(task + lay.offset("struct task_struct", "__state"), TASK_INTERRUPTIBLE)
    return task


def create_worker(k, flags: int, name: bytes, call) -> int:
    """__kthread_create_worker: the worker, its task and its wake-up timer."""
    lay, mem = k.linux.layout, k.machine.mem
    worker = k.heap.alloc(lay.size("struct kthread_worker"), "kmalloc", zero=True, caller=call.return_address)
    init_list(k, _w(k, worker, "work_list"))
    init_list(k, _w(k, worker, "delayed_work_list"))
    mem.write_u32(_w(k, worker, "flags"), flags)
    reg = workers(k)
    task = reg.tasks[worker] = _new_task(k, name)
    mem.write_ptr(_w(k, worker, "task"), task)
    timer = k.heap.alloc(lay.size("struct timer_list"), "timer_list", zero=True)
    mem.write_ptr(timer + lay.offset("struct timer_list", "function"), k.installed["__kemu_kthread_worker_tick"][1])
    reg.timers[timer] = worker
    return worker


def _wake(k, worker: int) -> None:
    """wake_up_process(worker->task): run at the next tick."""
    reg = workers(k)
    timer = next((t for t, w in reg.timers.items() if w == worker), None)
    if timer is not None:
        k.linux.timekeeping.arm(timer, k.linux.timekeeping.jiffies + 1, None)


def _insert(k, worker: int, work: int, head: int) -> None:
    """kthread_insert_work: link the work before `head`, note its worker, wake the thread."""
    list_add_tail(k, _wk(k, work, "node"), head)
    k.machine.mem.write_ptr(_wk(k, work, "worker"), worker)
    if not k.machine.mem.read_ptr(_w(k, worker, "current_work")):
        _wake(k, worker)


def _blocked(k, work: int) -> bool:
    """queuing_blocked: already on a list, or being cancelled."""
    node = _wk(k, work, "node")
    return not list_empty(k, node) or bool(k.machine.mem.read_u32(_wk(k, work, "canceling")))


def run_one(k, worker: int) -> bool:
    """kthread_worker_fn's loop body: take the first queued work and call its function."""
    mem = k.machine.mem
    head = _w(k, worker, "work_list")
    if list_empty(k, head):
        return False
    node = mem.read_ptr(head)
    work = node - _off(k, "struct kthread_work", "node")
    list_del_init(k, node)
    mem.write_ptr(_w(k, worker, "current_work"), work)
    fn = mem.read_ptr(_wk(k, work, "func"))
    try:
        k.linux.call_kernel_word(fn, work, what="kthread work")
    except GuestCrash:
        pass                                   # reported as an oops; the worker goes on
    finally:
        mem.write_ptr(_w(k, worker, "current_work"), 0)
    return True


def run_all(k, worker: int, until=lambda: False) -> None:
    for _ in range(MAX_WORKS_PER_RUN):
        if until() or not run_one(k, worker):
            return


@table.service("struct kthread_worker *kthread_create_worker(unsigned int flags, const char namefmt[], ...)",
               needs_call=True)
def kthread_create_worker(k, flags: int, namefmt: int, args, call=None) -> int:
    """A new worker whose thread is named by the format; ERR_PTR on failure."""
    return create_worker(k, flags, k.linux.format(namefmt, args), call)


@table.service("struct kthread_worker *kthread_create_worker_on_cpu(int cpu, unsigned int flags, "
               "const char namefmt[], ...)", needs_call=True)
def kthread_create_worker_on_cpu(k, cpu: int, flags: int, namefmt: int, args, call=None) -> int:
    """The same, its thread bound to `cpu` (the format takes the cpu number first)."""
    return create_worker(k, flags, k.linux.format(namefmt, args), call)


@table.service("void __kemu_kthread_worker_tick(struct timer_list *t)")
def __kemu_kthread_worker_tick(k, t: int) -> None:
    """The worker thread's turn: run everything queued."""
    worker = workers(k).timers.get(t)
    if worker is not None:
        run_all(k, worker)


@table.service("bool kthread_queue_work(struct kthread_worker *worker, struct kthread_work *work)")
def kthread_queue_work(k, worker: int, work: int) -> int:
    """Queue the work at the end of the worker's list; false if it is already queued or
    being cancelled."""
    if _blocked(k, work):
        return 0
    _insert(k, worker, work, _w(k, worker, "work_list"))
    return 1


@table.service("bool kthread_queue_delayed_work(struct kthread_worker *worker, "
               "struct kthread_delayed_work *dwork, unsigned long delay)", needs_call=True)
def kthread_queue_delayed_work(k, worker: int, dwork: int, delay: int, call=None) -> int:
    """Queue the work after `delay` jiffies (at once for 0): it waits on delayed_work_list
    while its timer runs; false if already queued or being cancelled."""
    work = dwork + _off(k, "struct kthread_delayed_work", "work")
    if _blocked(k, work):
        return 0
    if not delay:
        _insert(k, worker, work, _w(k, worker, "work_list"))
        return 1
    mem = k.machine.mem
    node = _wk(k, work, "node")
    list_add_tail(k, node, _w(k, worker, "delayed_work_list"))
    mem.write_ptr(_wk(k, work, "worker"), worker)
    timer = dwork + _off(k, "struct kthread_delayed_work", "timer")
    tk = k.linux.timekeeping
    tk.arm(timer, tk.jiffies + delay, owning_module(k, call))
    return 1


@table.service("void kthread_delayed_work_timer_fn(struct timer_list *t)")
def kthread_delayed_work_timer_fn(k, t: int) -> None:
    """A delayed work's timer: move the work onto its worker's list (unless cancelled)."""
    dwork = t - _off(k, "struct kthread_delayed_work", "timer")
    work = dwork + _off(k, "struct kthread_delayed_work", "work")
    mem = k.machine.mem
    worker = mem.read_ptr(_wk(k, work, "worker"))
    if not worker or mem.read_u32(_wk(k, work, "canceling")):
        return
    list_del_init(k, _wk(k, work, "node"))
    _insert(k, worker, work, _w(k, worker, "work_list"))


def _pending(k, work: int) -> bool:
    return not list_empty(k, _wk(k, work, "node"))


@table.service("void kthread_flush_work(struct kthread_work *work)")
def kthread_flush_work(k, work: int) -> None:
    """Return once the work has run if it was queued (everything queued before it runs first)."""
    worker = k.machine.mem.read_ptr(_wk(k, work, "worker"))
    if worker and _pending(k, work):
        run_all(k, worker, until=lambda: not _pending(k, work))


@table.service("void kthread_flush_worker(struct kthread_worker *worker)")
def kthread_flush_worker(k, worker: int) -> None:
    """Return once everything queued on the worker has run."""
    run_all(k, worker)


def _cancel(k, work: int, timer: int | None) -> int:
    mem = k.machine.mem
    worker = mem.read_ptr(_wk(k, work, "worker"))
    if not worker:
        return 0
    pending = False
    if timer is not None:
        pending = k.linux.timekeeping.disarm(timer)
    if _pending(k, work):
        list_del_init(k, _wk(k, work, "node"))
        pending = True
    return int(pending)


@table.service("bool kthread_cancel_work_sync(struct kthread_work *work)")
def kthread_cancel_work_sync(k, work: int) -> int:
    """Take the work off its worker's list; true if it was pending."""
    return _cancel(k, work, None)


@table.service("bool kthread_cancel_delayed_work_sync(struct kthread_delayed_work *dwork)")
def kthread_cancel_delayed_work_sync(k, dwork: int) -> int:
    """Stop the delayed work's timer and take it off its worker; true if it was pending."""
    work = dwork + _off(k, "struct kthread_delayed_work", "work")
    return _cancel(k, work, dwork + _off(k, "struct kthread_delayed_work", "timer"))


@table.service("void kthread_destroy_worker(struct kthread_worker *worker)")
def kthread_destroy_worker(k, worker: int) -> None:
    """Flush the worker, stop its thread and free it (warning if work was still queued)."""
    mem, reg = k.machine.mem, workers(k)
    task = mem.read_ptr(_w(k, worker, "task"))
    if not task:
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr("WARNING: kthread_destroy_worker: worker without a task", 4)
        k.linux.add_taint("W")
        return
    run_all(k, worker)
    for timer in [t for t, w in reg.timers.items() if w == worker]:
        k.linux.timekeeping.disarm(timer)
        del reg.timers[timer]
        k.heap.free(timer)
    if reg.tasks.pop(worker, None) == task:
        k.heap.free(task)
    if not list_empty(k, _w(k, worker, "delayed_work_list")) or not list_empty(k, _w(k, worker, "work_list")):
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr("WARNING: kthread_destroy_worker: work still queued", 4)
        k.linux.add_taint("W")
    k.heap.free(worker)
