"""Tasklets (kernel/softirq.c): deferred functions a driver schedules from its interrupt or
completion paths (USB host controllers give URBs back through them), run later in softirq
context, once per scheduling.

* tasklet_setup / tasklet_init fill the struct (callback(t), or func(data) for the old
  style); the inline tasklet_schedule sets TASKLET_STATE_SCHED and calls __tasklet_schedule
  (__tasklet_hi_schedule for the high-priority vector), which queues it;
* the softirq (TASKLET_SOFTIRQ / HI_SOFTIRQ, run as a kernel work item on the next tick of
  kemu's virtual clock: a sleeper waiting for what the tasklet does is woken then) takes each
  queued tasklet: a disabled one (count != 0) is queued again, else SCHED is cleared, RUN
  held while it runs;
* tasklet_kill waits until a scheduled tasklet has run (kemu runs it there and then) and
  leaves it unscheduled; tasklet_unlock / tasklet_unlock_wait release or wait for RUN.

A tasklet still queued when its module goes is dropped, so nothing runs in freed code.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..softirq_work import softirq_work

table = ServiceTable("tasklets")

STATE_SCHED = 1 << 0
STATE_RUN = 1 << 1
SOFTIRQ = "__kemu_tasklet_softirq"


class TaskletVector:
    """The queued tasklets (high priority first) and the work item standing for the softirq."""

    def __init__(self, linux):
        self.linux = linux
        self.hi: list[int] = []
        self.normal: list[int] = []
        self.queue_addr, self.work = softirq_work(linux, "ksoftirqd/0", SOFTIRQ)

    def raise_softirq(self) -> None:
        self.linux.timekeeping.queue(self.queue_addr, self.work, None)

    def add(self, t: int, hi: bool) -> None:
        (self.hi if hi else self.normal).append(t)
        module = self.linux.module_at(t)
        if module is not None:
            module.on_unload(f"scheduled tasklet {t:#x}", lambda: self.drop(t))
        self.raise_softirq()

    def drop(self, t: int) -> bool:
        found = t in self.hi or t in self.normal
        self.hi = [x for x in self.hi if x != t]
        self.normal = [x for x in self.normal if x != t]
        if found:
            for m in self.linux.kernel.loader.modules:
                m.forget_undo(f"scheduled tasklet {t:#x}")
        return found

    def run(self) -> None:
        """tasklet_action / tasklet_hi_action: every tasklet queued when the softirq began."""
        batch, self.hi, self.normal = self.hi + self.normal, [], []
        for t in batch:
            for m in self.linux.kernel.loader.modules:
                m.forget_undo(f"scheduled tasklet {t:#x}")
        requeue = []
        for t in batch:
            if _field(self.linux, t, "count", 4):
                requeue.append(t)              # disabled: try again next time
                continue
            run_one(self.linux, t)
        for t in requeue:
            self.add(t, False)


def _off(linux, name: str) -> int:
    return linux.layout.offset("struct tasklet_struct", name)


def _field(linux, t: int, name: str, size: int | None = None) -> int:
    mem = linux.machine.mem
    if size == 4:
        return mem.read_u32(t + _off(linux, name))
    if size == 1:
        return mem.read_u8(t + _off(linux, name))
    return mem.read_ptr(t + _off(linux, name))


def _set_state(linux, t: int, set_bits: int = 0, clear_bits: int = 0) -> int:
    mem, at = linux.machine.mem, t + _off(linux, "state")
    old = mem.read_ptr(at)
    mem.write_ptr(at, (old | set_bits) & ~clear_bits)
    return old


def run_one(linux, t: int) -> None:
    """Run a scheduled tasklet: RUN held, SCHED cleared before the call."""
    from kemu.kernel import GuestCrash
    _set_state(linux, t, STATE_RUN, STATE_SCHED)
    fn = _field(linux, t, "callback")
    arg = t if _field(linux, t, "use_callback", 1) else _field(linux, t, "data")
    try:
        if fn:
            linux.call_kernel_word(fn, arg, what="tasklet")
    except GuestCrash:
        pass                                   # reported as an oops; the softirq goes on
    finally:
        _set_state(linux, t, 0, STATE_RUN)


def vector(k) -> TaskletVector:
    linux = k.linux
    if not hasattr(linux, "tasklets"):
        linux.tasklets = TaskletVector(linux)
    return linux.tasklets


def _clear(k, t: int) -> None:
    k.machine.mem.write(t, bytes(k.linux.layout.size("struct tasklet_struct")))


@table.service("void tasklet_setup(struct tasklet_struct *t, void (*callback)(struct tasklet_struct *))")
def tasklet_setup(k, t: int, callback: int) -> None:
    """A tasklet whose callback gets the tasklet itself."""
    _clear(k, t)
    k.machine.mem.write_u8(t + _off(k.linux, "use_callback"), 1)
    k.machine.mem.write_ptr(t + _off(k.linux, "callback"), callback)


@table.service("void tasklet_init(struct tasklet_struct *t, void (*func)(unsigned long), unsigned long data)")
def tasklet_init(k, t: int, func: int, data: int) -> None:
    """An old-style tasklet: func(data)."""
    _clear(k, t)
    k.machine.mem.write_ptr(t + _off(k.linux, "func"), func)
    k.machine.mem.write_ptr(t + _off(k.linux, "data"), data)


@table.service("void __tasklet_schedule(struct tasklet_struct *t)")
def __tasklet_schedule(k, t: int) -> None:
    """Queue a tasklet whose SCHED bit the caller just set: it runs on the next softirq."""
    vector(k).add(t, False)


@table.service("void __tasklet_hi_schedule(struct tasklet_struct *t)")
def __tasklet_hi_schedule(k, t: int) -> None:
    """Queue on the high-priority vector (run before the others)."""
    vector(k).add(t, True)


@table.service("void tasklet_kill(struct tasklet_struct *t)")
def tasklet_kill(k, t: int) -> None:
    """Wait until a scheduled tasklet has run, and leave it unscheduled."""
    if vector(k).drop(t) and not _field(k.linux, t, "count", 4):
        run_one(k.linux, t)
    _set_state(k.linux, t, 0, STATE_SCHED | STATE_RUN)


@table.service("void tasklet_unlock(struct tasklet_struct *t)")
def tasklet_unlock(k, t: int) -> None:
    """Release TASKLET_STATE_RUN."""
    _set_state(k.linux, t, 0, STATE_RUN)


@table.service("void tasklet_unlock_wait(struct tasklet_struct *t)")
def tasklet_unlock_wait(k, t: int) -> None:
    """Wait for a running tasklet to finish: on one CPU between guest calls, none is running."""


@table.service("void tasklet_unlock_spin_wait(struct tasklet_struct *t)")
def tasklet_unlock_spin_wait(k, t: int) -> None:
    """As tasklet_unlock_wait, spinning (the same on one CPU)."""


@table.service(f"void {SOFTIRQ}(struct work_struct *work)")
def __kemu_tasklet_softirq(k, work: int) -> None:
    """The tasklet softirqs: run what is queued."""
    vector(k).run()
