"""High-resolution timers on the virtual clock (kernel/time/hrtimer.c, 6.1).

kemu's clock moves in ticks (HZ = 250), so hrtimers run as a 6.1 kernel runs them in
low-resolution mode: `hrtimer_resolution` is one tick (4 ms), and at every tick each timer
whose expiry (node.expires, ns of its clock) has passed is dequeued and its function called;
HRTIMER_RESTART queues it again at the expiry the callback moved it to (hrtimer_forward),
and a timer still due then runs again in the same tick, as __hrtimer_run_queues loops.

The struct hrtimer offsets are measured with offsetof() on Debian's 6.1 headers (a probe
module built by `kemu cc --target linux`); `state` holds HRTIMER_STATE_ENQUEUED while queued,
so the inline hrtimer_is_queued() sees it. `base` points at a kemu hrtimer_clock_base whose
get_time is the clock's ktime service, for the inline hrtimer_forward_now() and
hrtimer_cb_get_time().
"""
from __future__ import annotations

from kemu.kernel import GuestCrash

OFFSETS = {  # struct hrtimer / struct hrtimer_clock_base fields, per word size
    8: {"expires": 24, "softexpires": 32, "function": 40, "base": 48, "state": 56, "is_rel": 57,
        "is_soft": 58, "is_hard": 59, "size": 64, "base_get_time": 48, "base_clockid": 12,
        "base_index": 8, "base_size": 64},
    4: {"expires": 12, "softexpires": 20, "function": 28, "base": 32, "state": 36, "is_rel": 37,
        "is_soft": 38, "is_hard": 39, "size": 40, "base_get_time": 28, "base_clockid": 8,
        "base_index": 4, "base_size": 40},
}
HRTIMER_STATE_ENQUEUED = 1
HRTIMER_RESTART = 1
HRTIMER_MODE_REL = 0x1
#: clockid -> (name of the ktime service that reads it, base index in hrtimer_cpu_base)
CLOCKS = {1: ("ktime_get", 0), 0: ("__kemu_ktime_get_real", 1), 7: ("__kemu_ktime_get_boottime", 2),
          11: ("__kemu_ktime_get_clocktai", 3)}
#: restarts of timers still due within one tick before kemu calls it a lockup
MAX_RUNS_PER_TICK = 10_000


class HrTimers:
    def __init__(self, system) -> None:
        self.system = system
        self.off = OFFSETS[system.machine.word_size]
        self.queued: dict[int, int] = {}          # struct hrtimer -> arming serial
        self.serial = 0
        self.running: int | None = None
        self.bases: dict[int, int] = {}           # clockid -> struct hrtimer_clock_base
        self.busy_ns = 0                          # busy time below a tick (busy_time.py)

    # --- clocks ------------------------------------------------------------------------------
    def now_ns(self, clockid: int = 1) -> int:
        clock = self.system.kernel.clock
        ns = clock.ticks * (1_000_000_000 // clock.hz) + self.busy_ns
        if clockid in (0, 11):                      # REALTIME, TAI: the epoch plus uptime
            ns += clock.boot_time * 1_000_000_000
        return ns

    def base_for(self, clockid: int) -> int:
        """The hrtimer_clock_base of a clock (made on first use, kernel-owned)."""
        base = self.bases.get(clockid)
        if base is None:
            m, k = self.system.machine, self.system.kernel
            name, index = CLOCKS.get(clockid, CLOCKS[1])
            base = m.alloc("kdata", self.off["base_size"], 64)
            m.mem.write(base, bytes(self.off["base_size"]))
            m.mem.write_u32(base + self.off["base_index"], index)
            m.mem.write_u32(base + self.off["base_clockid"], clockid)
            m.mem.write_ptr(base + self.off["base_get_time"], k.installed[name][1])
            self.bases[clockid] = base
        return base

    def clock_of(self, timer: int) -> int:
        base = self.system.machine.mem.read_ptr(timer + self.off["base"])
        for clockid, addr in self.bases.items():
            if addr == base:
                return clockid
        return 1

    # --- fields ------------------------------------------------------------------------------
    def expires(self, timer: int) -> int:
        return self.system.machine.mem.read_int(timer + self.off["expires"], 8, signed=True)

    def set_expires(self, timer: int, soft: int, hard: int) -> None:
        mem = self.system.machine.mem
        mem.write_int(timer + self.off["softexpires"], 8, soft & (1 << 64) - 1)
        mem.write_int(timer + self.off["expires"], 8, hard & (1 << 64) - 1)

    def _state(self, timer: int, value: int) -> None:
        self.system.machine.mem.write_u8(timer + self.off["state"], value)

    # --- queue -------------------------------------------------------------------------------
    def enqueue(self, timer: int) -> None:
        if timer not in self.queued:
            module = self.system.module_at(timer)
            if module is not None:
                module.on_unload(self._what(timer), lambda: self.remove(timer))
        self.serial += 1
        self.queued[timer] = self.serial
        self._state(timer, HRTIMER_STATE_ENQUEUED)

    def remove(self, timer: int) -> bool:
        """Dequeue; True if it was queued."""
        if timer not in self.queued:
            return False
        del self.queued[timer]
        self._state(timer, 0)
        what = self._what(timer)
        for m in self.system.kernel.loader.modules:
            m.forget_undo(what)
        return True

    def _what(self, timer: int) -> str:
        return f"pending hrtimer {self.system.machine.symbolize(timer)}"

    def ns_to_next(self) -> int | None:
        """ns until the earliest queued timer expires (0 if one is due), None if none is queued."""
        if not self.queued:
            return None
        return max(0, min(self.expires(t) - self.now_ns(self.clock_of(t)) for t in self.queued))

    def run_due(self) -> None:
        """Each due timer's function, earliest first; restarted ones requeued."""
        runs = 0
        while True:
            due = [t for t in self.queued if self.expires(t) <= self.now_ns(self.clock_of(t))]
            if not due:
                return
            timer = min(due, key=lambda t: (self.expires(t), self.queued[t]))
            runs += 1
            if runs > MAX_RUNS_PER_TICK:
                self.system.pr(f"hrtimer: interrupt took too long: {self._what(timer)} keeps restarting "
                               "in the past; it is stopped", 4)
                self.remove(timer)
                return
            self.remove(timer)
            fn = self.system.machine.mem.read_ptr(timer + self.off["function"])
            self.running = timer
            try:
                ret = self.system.call_kernel_pointer(fn, timer, what="hrtimer")
            except GuestCrash:
                ret = 0                              # reported as an oops; time goes on
            finally:
                self.running = None
            if ret == HRTIMER_RESTART and timer not in self.queued:
                self.enqueue(timer)
