"""Time as modules see it: jiffies from the virtual clock, timers that fire when the clock
reaches them, and workqueues whose items run on the next tick (kernel/time/timer.c,
kernel/workqueue.c, in kemu's one-CPU, deterministic form).

Nothing moves by itself: the clock advances when something sleeps (msleep in a module,
`sleep` at the console, `Linux.advance`), one tick at a time; at each tick the expired
timers fire in expiry order, then the queued work runs, in queueing order."""
from __future__ import annotations

from dataclasses import dataclass, field

from kemu.kernel import GuestCrash

HZ = 250
INITIAL_JIFFIES = (-300 * HZ) & 0xFFFFFFFF
WORK_STRUCT_PENDING = 1
MAX_WORK_PER_TICK = 10_000


def msecs_to_jiffies(ms: int) -> int:
    return -(-ms * HZ // 1000)


def jiffies_to_msecs(j: int) -> int:
    return j * (1000 // HZ)


@dataclass
class Workqueue:
    addr: int
    name: str
    items: list[int] = field(default_factory=list)      # struct work_struct addresses


class Timekeeping:
    def __init__(self, system):
        self.system = system
        self.timers: dict[int, int] = {}                 # struct timer_list -> expires
        self.order: dict[int, int] = {}                  # timer -> arming serial (ties)
        self.serial = 0
        self.queues: dict[int, Workqueue] = {}
        self.work_queue: dict[int, int] = {}            # work -> workqueue it waits on
        self.mask = (1 << (8 * system.machine.word_size)) - 1

    # --- jiffies --------------------------------------------------------------------------------
    @property
    def jiffies(self) -> int:
        return (INITIAL_JIFFIES + self.system.kernel.clock.ticks) & self.mask

    @property
    def jiffies_64(self) -> int:
        """The 64-bit count, which a 32-bit jiffies is the low word of."""
        return (INITIAL_JIFFIES + self.system.kernel.clock.ticks) & 0xFFFFFFFFFFFFFFFF

    def after_eq(self, a: int, b: int) -> bool:
        """time_after_eq(a, b) in the word's wrapping arithmetic."""
        return ((a - b) & self.mask) < (1 << (8 * self.system.machine.word_size - 1))

    def advance(self, ticks: int) -> None:
        """Move time forward `ticks`, firing timers and running work at each tick where
        something is due. Stretches where nothing can run are skipped at once, so a module's
        msleep(0x7fffffff) costs a few steps, not a tick-by-tick walk of 99 days."""
        left = max(0, ticks)
        while left > 0:
            nxt = self.ticks_to_next_event()
            quiet = left if nxt is None else min(left, nxt - 1)
            if quiet > 0:
                self.skip(quiet)
                left -= quiet
                continue
            self.system.kernel.clock.advance(1)
            self.system.sync_jiffies()
            self._fire_timers()
            self.system.hrtimers.run_due()
            self.run_work()
            left -= 1

    def ticks_to_next_event(self) -> int | None:
        """Ticks until something can run: 1 with work queued or a timer due, the distance to
        the earliest timer otherwise, None when nothing is armed or queued (a sleeper then
        cannot be woken by anything)."""
        if any(q.items for q in self.queues.values()):
            return 1
        hr = self.system.hrtimers.ns_to_next()
        hr_ticks = None if hr is None else max(1, -(-hr * self.system.kernel.clock.hz // 1_000_000_000))
        if not self.timers:
            return hr_ticks
        now, half = self.jiffies, 1 << (8 * self.system.machine.word_size - 1)
        gaps = [(e - now) & self.mask for e in self.timers.values()]
        step = min(1 if g == 0 or g >= half else g for g in gaps)
        return step if hr_ticks is None else min(step, hr_ticks)

    def skip(self, ticks: int) -> None:
        """Move time on by `ticks` at once: only when no timer falls due and no work is
        queued before then (ticks_to_next_event says how far that is)."""
        if ticks > 0:
            self.system.kernel.clock.advance(ticks)
            self.system.sync_jiffies()

    # --- timers ---------------------------------------------------------------------------------
    def _field(self, struct: str, name: str) -> int:
        return self.system.layout.offset(struct, name)

    def arm(self, timer: int, expires: int, module) -> bool:
        """mod_timer: (re)arm; True if it was pending. `module` is the caller's; when the
        call came from the kernel (a timer function tail-calling mod_timer returns straight
        to it) the module holding the timer owns it."""
        mem = self.system.machine.mem
        if module is None:
            module = self.system.module_at(timer)
        was = timer in self.timers
        mem.write_ptr(timer + self._field("struct timer_list", "expires"), expires & self.mask)
        self.timers[timer] = expires & self.mask
        self.serial += 1
        self.order[timer] = self.serial
        if module is not None and not was:
            module.on_unload(self._what(timer), lambda: self.disarm(timer))
        return was

    def _what(self, thing: int) -> str:
        sym = self.system.machine.symbolize(thing)
        return f"pending timer {sym}"

    def disarm(self, timer: int) -> bool:
        """del_timer: True if it was pending."""
        if timer not in self.timers:
            return False
        del self.timers[timer]
        self.order.pop(timer, None)
        self._forget(self._what(timer))
        return True

    def _forget(self, what: str) -> None:
        for m in self.system.kernel.loader.modules:
            m.forget_undo(what)

    def _fire_timers(self) -> None:
        now = self.jiffies
        due = sorted((t for t, e in self.timers.items() if self.after_eq(now, e)),
                     key=lambda t: (((self.timers[t] - now) & self.mask), self.order[t]))
        for timer in due:
            if timer not in self.timers:
                continue
            self.disarm(timer)
            fn = self.system.machine.mem.read_ptr(timer + self._field("struct timer_list", "function"))
            try:
                self.system.call_kernel_word(fn, timer, what="timer")
            except GuestCrash:
                pass                                  # reported as an oops; time goes on

    # --- workqueues -----------------------------------------------------------------------------
    def create_queue(self, addr: int, name: str) -> None:
        self.queues[addr] = Workqueue(addr, name)

    def queue(self, wq: int, work: int, module) -> bool:
        """queue_work: False if the work is already pending."""
        mem = self.system.machine.mem
        data = mem.read_ptr(work)
        if data & WORK_STRUCT_PENDING or work in self.work_queue:
            return False
        mem.write_ptr(work, data | WORK_STRUCT_PENDING)
        q = self.queues.get(wq)
        if q is None:
            return False
        q.items.append(work)
        self.work_queue[work] = wq
        if module is not None:
            module.on_unload(self._work_what(work), lambda: self.cancel_work(work))
        return True

    def _work_what(self, work: int) -> str:
        return f"queued work {self.system.machine.symbolize(work)}"

    def cancel_work(self, work: int) -> bool:
        wq = self.work_queue.pop(work, None)
        if wq is None:
            return False
        q = self.queues.get(wq)
        if q is not None and work in q.items:
            q.items.remove(work)
        mem = self.system.machine.mem
        mem.write_ptr(work, mem.read_ptr(work) & ~WORK_STRUCT_PENDING & self.mask)
        self._forget(self._work_what(work))
        return True

    def run_work(self, only: int | None = None) -> None:
        """Run queued work (of one workqueue if `only`), including work queued meanwhile."""
        mem = self.system.machine.mem
        for _ in range(MAX_WORK_PER_TICK):
            pending = [(wq, q.items[0]) for wq, q in self.queues.items() if q.items and (only is None or wq == only)]
            if not pending:
                return
            wq, work = pending[0]
            self.cancel_work(work)
            fn = mem.read_ptr(work + self._field("struct work_struct", "func"))
            try:
                self.system.call_kernel_word(fn, work, what="work")
            except GuestCrash:
                pass

    def destroy_queue(self, wq: int) -> None:
        self.run_work(only=wq)
        self.queues.pop(wq, None)
