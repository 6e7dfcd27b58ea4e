"""callout(9), sleeping (_sleep, pause_sbt, wakeup) and the clock reads, on kemu's virtual
clock, as FreeBSD 14's kern/kern_timeout.c, kern/kern_synch.c and kern/kern_tc.c give them
to a kld.

Time only moves when something waits: a kld's pause/tsleep/msleep, `sleep` at the console,
`FreeBSD.advance(seconds)`. The clock runs at hz = 1000 (GENERIC's HZ); the kernel's data
symbols `hz`, `tick`, `tick_sbt`, `ticks`, `time_second` and `time_uptime` are real words in
kernel memory that klds read and that move with the clock. When time reaches a callout it
fires on the one CPU: pending cleared, its lock (callout_init_mtx) taken around the call
unless CALLOUT_RETURNUNLOCKED says the handler drops it, callouts due at the same tick in the
order they were scheduled. A sleeper is woken by wakeup(chan) from a callout, or times out
(EWOULDBLOCK); one that nothing could ever wake (no timeout, no callout pending) would hang
a one-thread machine, so kemu panics saying so. The lock given to _sleep (msleep) is
released while sleeping and taken again after, unless PDROP.

A kld unloaded with callouts still pending leaves them armed, as FreeBSD would: kemu reports
them with the handlers it left (kld_events.py) and firing one faults like any stale pointer
— reported, the clock goes on.
"""
from __future__ import annotations

from kemu.kernel import GuestCrash, KernelPanic, ServiceTable
from kemu.machine.errors import MemoryFault

from .mutex import _locks as _mutexes
from .sx import _locks as _sxes

table = ServiceTable("freebsd-callout")

HZ = 1000
SBT_1S = 1 << 32
TICK_SBT = SBT_1S // HZ
CALLOUT_ACTIVE, CALLOUT_PENDING = 0x0002, 0x0004
CALLOUT_RETURNUNLOCKED, CALLOUT_SHAREDLOCK = 0x0010, 0x0020
C_ABSOLUTE = 0x0200
CS_DRAIN = 0x0001
PDROP = 0x200
EWOULDBLOCK = 35


class Callouts:
    """Pending callouts, sleepers and the clock's data words of one FreeBSD system."""

    def __init__(self, system) -> None:
        self.system = system
        self.clock = system.kernel.clock
        self.mem = system.machine.mem
        self.word = system.machine.word_size
        lay = system.layouts
        self.off = {f: lay.offset("callout", f) for f in
                    ("c_time", "c_precision", "c_arg", "c_func", "c_lock", "c_flags", "c_iflags", "c_cpu")}
        self.size = lay.size("callout")
        self.pending: dict[int, tuple[int, int]] = {}      # callout → (expiry tick, order)
        self.order = 0
        self.sleepers: dict[int, int] = {}                 # channel → how many sleep on it
        self.woken: set[int] = set()
        self.addr = {
            "hz": system.kernel_data(4, "hz", HZ.to_bytes(4, "little")),
            "tick": system.kernel_data(4, "tick", (1_000_000 // HZ).to_bytes(4, "little")),
            "tick_sbt": system.kernel_data(8, "tick_sbt", TICK_SBT.to_bytes(8, "little")),
            "ticks": system.kernel_data(4, "ticks"),
            "time_second": system.kernel_data(self.word, "time_second"),
            "time_uptime": system.kernel_data(self.word, "time_uptime"),
        }
        self.sync()

    # --- the clock words -------------------------------------------------------------------------
    @property
    def ticks(self) -> int:
        return self.clock.ticks

    def sync(self) -> None:
        """Write ticks (a wrapping int), time_second and time_uptime as the clock has them."""
        w = self.word
        self.mem.write(self.addr["ticks"], (self.ticks & 0xFFFFFFFF).to_bytes(4, "little"))
        self.mem.write(self.addr["time_second"], self.clock.time.to_bytes(w, "little"))
        self.mem.write(self.addr["time_uptime"], max(1, self.clock.uptime.sec).to_bytes(w, "little"))

    def uptime_sbt(self) -> int:
        return self.ticks * SBT_1S // self.clock.hz

    def ticks_for_sbt(self, sbt: int, absolute: bool) -> int:
        """The tick at which an sbintime_t interval (or absolute time) has passed, rounded up."""
        if absolute:
            return max(self.ticks + 1, -(-sbt * self.clock.hz // SBT_1S))
        return self.ticks + max(1, -(-sbt * self.clock.hz // SBT_1S))

    # --- callout fields --------------------------------------------------------------------------
    def _short(self, c: int, field: str) -> int:
        return int.from_bytes(self.mem.read(c + self.off[field], 2), "little")

    def _put_short(self, c: int, field: str, value: int) -> None:
        self.mem.write(c + self.off[field], (value & 0xFFFF).to_bytes(2, "little"))

    def _put_ptr(self, c: int, field: str, value: int) -> None:
        self.mem.write(c + self.off[field], value.to_bytes(self.word, "little"))

    def init(self, c: int, lock: int, iflags: int) -> None:
        self.pending.pop(c, None)
        self.mem.write(c, bytes(self.size))
        self._put_ptr(c, "c_lock", lock)
        self._put_short(c, "c_iflags", iflags)

    def reset(self, c: int, expiry: int, fn: int, arg: int) -> int:
        """Arm (or re-arm) `c`; 1 if it was pending (and so cancelled first), else 0."""
        was = c in self.pending
        self.order += 1
        self.pending[c] = (expiry, self.order)
        self._put_ptr(c, "c_func", fn)
        self._put_ptr(c, "c_arg", arg)
        self.mem.write(c + self.off["c_time"], (expiry * SBT_1S // self.clock.hz).to_bytes(8, "little"))
        self._put_short(c, "c_flags", self._short(c, "c_flags") | CALLOUT_ACTIVE)
        self._put_short(c, "c_iflags", self._short(c, "c_iflags") | CALLOUT_PENDING)
        return int(was)

    def stop(self, c: int) -> int:
        """Disarm: 1 if it was pending, else 0; active is cleared either way."""
        was = self.pending.pop(c, None) is not None
        self._put_short(c, "c_flags", self._short(c, "c_flags") & ~CALLOUT_ACTIVE)
        self._put_short(c, "c_iflags", self._short(c, "c_iflags") & ~CALLOUT_PENDING)
        return int(was)

    # --- time passing ------------------------------------------------------------------------------
    def advance_to(self, target: int, stop=None) -> None:
        """Run the clock up to tick `target`, firing callouts as it goes; stop early once
        `stop()` is true (checked after each firing)."""
        while self.ticks < target:
            nxt = min((e for e, _ in self.pending.values()), default=None)
            step_to = target if nxt is None or nxt > target else max(nxt, self.ticks + 1)
            self.clock.advance(step_to - self.ticks)
            self.sync()
            self._fire_due()
            if stop is not None and stop():
                return

    def advance(self, ticks: int) -> None:
        self.advance_to(self.ticks + max(0, ticks))

    def _fire_due(self) -> None:
        now = self.ticks
        due = sorted((c for c, (e, _) in self.pending.items() if e <= now), key=lambda c: self.pending[c])
        for c in due:
            if c not in self.pending:
                continue                         # stopped by an earlier handler
            del self.pending[c]
            try:
                iflags = self._short(c, "c_iflags")
                self._put_short(c, "c_iflags", iflags & ~CALLOUT_PENDING)
                fn = self.mem.read_ptr(c + self.off["c_func"])
                arg = self.mem.read_ptr(c + self.off["c_arg"])
                lock = self.mem.read_ptr(c + self.off["c_lock"])
            except MemoryFault as exc:           # the struct callout itself went away
                self.system.kprintf(f"kemu: fault in callout at {c:#x}: {exc}: dropped, the clock "
                                    f"goes on\n")
                continue
            held = take_lock(self.system, lock) if lock else None
            try:
                self.system.call_guest(fn, arg, what=f"callout {self._symbol(fn)}")
            except GuestCrash:
                pass                             # reported as an oops; time goes on
            if held is not None and not iflags & CALLOUT_RETURNUNLOCKED:
                held()

    def _symbol(self, addr: int) -> str:
        try:
            return self.system.machine.symbolize(addr)
        except Exception:                        # noqa: BLE001 - a name is a nicety
            return f"{addr:#x}"

    # --- sleeping ----------------------------------------------------------------------------------
    def sleep(self, chan: int, deadline: int | None, wmesg: str) -> bool:
        """Wait on `chan` until a wakeup (True) or tick `deadline` (False)."""
        if deadline is None and not self.pending:
            raise KernelPanic(f'_sleep: "{wmesg}" would sleep forever: no timeout and no callout '
                              f"pending that could wake it (kemu runs one thread)")
        self.sleepers[chan] = self.sleepers.get(chan, 0) + 1
        try:
            while True:
                if chan in self.woken:
                    self.woken.discard(chan)
                    return True
                if deadline is not None and self.ticks >= deadline:
                    return False
                if deadline is None and not self.pending:
                    raise KernelPanic(f'_sleep: "{wmesg}" would sleep forever: nothing pending can '
                                      f"wake it any more (kemu runs one thread)")
                nxt = min((e for e, _ in self.pending.values()), default=None)
                target = deadline if nxt is None else (nxt if deadline is None else min(nxt, deadline))
                self.advance_to(max(target, self.ticks + 1), stop=lambda: chan in self.woken)
        finally:
            self.sleepers[chan] -= 1
            if not self.sleepers[chan]:
                del self.sleepers[chan]

    def wakeup(self, chan: int) -> None:
        """Wake the sleepers on `chan` (a wakeup with nobody asleep is lost, as on FreeBSD)."""
        if chan in self.sleepers:
            self.woken.add(chan)

    # --- callouts a kld left behind ----------------------------------------------------------------
    def owned_by(self, loaded) -> list[int]:
        lo, hi = loaded.base, loaded.base + loaded.size
        return [c for c in self.pending
                if lo <= c < hi or lo <= self.mem.read_ptr(c + self.off["c_func"]) < hi]


def take_lock(system, lock: int):
    """Acquire the mutex or sx whose lock_object is at `lock` (a callout's c_lock); returns
    the release, or None if kemu does not know the lock."""
    k = system.kernel
    word = lock + (3 * k.word_size if k.word_size == 8 else 16)
    m = _mutexes(k).get(word)
    if m is not None:
        m.depth += 1
        k.machine.mem.write(word, (0x1000).to_bytes(k.word_size, "little"))

        def release() -> None:
            m.depth = max(0, m.depth - 1)
            k.machine.mem.write(word, (0x1000 if m.depth else 4).to_bytes(k.word_size, "little"))
        return release
    return None


def drop_lock(system, lock: int):
    """Release the mutex or sx at `lock` entirely for a sleep; returns the re-take."""
    k = system.kernel
    word = lock + (3 * k.word_size if k.word_size == 8 else 16)
    m = _mutexes(k).get(word)
    if m is not None:
        depth, m.depth = m.depth, 0
        k.machine.mem.write(word, (4).to_bytes(k.word_size, "little"))

        def retake() -> None:
            m.depth = depth
            k.machine.mem.write(word, (0x1000 if depth else 4).to_bytes(k.word_size, "little"))
        return retake
    s = _sxes(k).get(lock)
    if s is not None:
        from .sx import _sync
        saved, s.xdepth, s.sharers = (s.xdepth, s.sharers), 0, 0
        _sync(k, lock, s)

        def retake_sx() -> None:
            s.xdepth, s.sharers = saved
            _sync(k, lock, s)
        return retake_sx
    return lambda: None


def _co(k) -> Callouts:
    return k.freebsd.callouts


@table.service("void callout_init(void *c, int mpsafe)")
def callout_init(k, c: int, mpsafe: int) -> None:
    """A callout with no lock (kemu has no Giant: an old non-MPSAFE callout runs the same)."""
    _co(k).init(c, 0, CALLOUT_RETURNUNLOCKED if mpsafe else 0)


@table.service("void _callout_init_lock(void *c, void *lock, int flags)")
def _callout_init_lock(k, c: int, lock: int, flags: int) -> None:
    """callout_init_mtx/_rw/_rm: the handler runs with `lock` held."""
    if flags & ~(CALLOUT_RETURNUNLOCKED | CALLOUT_SHAREDLOCK):
        raise KernelPanic(f"callout_init_lock: bad flags {flags}")
    _co(k).init(c, lock, flags & (CALLOUT_RETURNUNLOCKED | CALLOUT_SHAREDLOCK))


@table.service("int callout_reset_sbt_on(void *c, int64_t sbt, int64_t pr, void *fn, void *arg, int cpu, "
               "int flags)")
def callout_reset_sbt_on(k, c: int, sbt: int, pr: int, fn: int, arg: int, cpu: int, flags: int) -> int:
    """callout_reset and friends: fire fn(arg) after `sbt` (or at it, C_ABSOLUTE); 1 if it
    was pending."""
    co = _co(k)
    if sbt < 0:
        sbt = 0
    return co.reset(c, co.ticks_for_sbt(sbt, bool(flags & C_ABSOLUTE)), fn, arg)


@table.service("int callout_schedule(void *c, int to_ticks)")
def callout_schedule(k, c: int, to_ticks: int) -> int:
    """Re-arm with the function and argument the callout already has."""
    co = _co(k)
    fn = k.machine.mem.read_ptr(c + co.off["c_func"])
    arg = k.machine.mem.read_ptr(c + co.off["c_arg"])
    return co.reset(c, co.ticks + max(1, to_ticks), fn, arg)


@table.service("int callout_schedule_on(void *c, int to_ticks, int cpu)")
def callout_schedule_on(k, c: int, to_ticks: int, cpu: int) -> int:
    """callout_schedule on a given CPU (kemu has one)."""
    return callout_schedule.service.func(k, c, to_ticks)


@table.service("int _callout_stop_safe(void *c, int flags)")
def _callout_stop_safe(k, c: int, flags: int) -> int:
    """callout_stop/callout_drain: 1 if the callout was pending. Nothing runs concurrently on
    one CPU, so a drain has nothing to wait for."""
    return _co(k).stop(c)


def _deadline(co: Callouts, sbt: int, flags: int) -> int | None:
    if sbt <= 0:
        return None
    return co.ticks_for_sbt(sbt, bool(flags & C_ABSOLUTE))


@table.service("int _sleep(const void *chan, void *lock, int pri, const char *wmesg, int64_t sbt, "
               "int64_t pr, int flags)")
def _sleep(k, chan: int, lock: int, pri: int, wmesg: int, sbt: int, pr: int, flags: int) -> int:
    """tsleep/msleep: wait for wakeup(chan) or the timeout; 0 or EWOULDBLOCK."""
    co = _co(k)
    text = k.machine.mem.read_cstr(wmesg, 64).decode("latin-1") if wmesg else ""
    retake = drop_lock(k.freebsd, lock) if lock else (lambda: None)
    try:
        woken = co.sleep(chan, _deadline(co, sbt, flags), text)
    finally:
        if not pri & PDROP:
            retake()
    return 0 if woken else EWOULDBLOCK


@table.service("int pause_sbt(const char *wmesg, int64_t sbt, int64_t pr, int flags)")
def pause_sbt(k, wmesg: int, sbt: int, pr: int, flags: int) -> int:
    """pause(9): let `sbt` pass (at least a tick), callouts firing meanwhile; EWOULDBLOCK."""
    co = _co(k)
    co.advance_to(co.ticks_for_sbt(max(sbt, 0), bool(flags & C_ABSOLUTE)))
    return EWOULDBLOCK


@table.service("void wakeup(const void *chan)")
def wakeup(k, chan: int) -> None:
    """Wake everything sleeping on chan."""
    _co(k).wakeup(chan)


@table.service("void wakeup_one(const void *chan)")
def wakeup_one(k, chan: int) -> None:
    """Wake one sleeper on chan (kemu has at most one)."""
    _co(k).wakeup(chan)


@table.service("void wakeup_any(const void *chan)")
def wakeup_any(k, chan: int) -> None:
    """Wake one sleeper on chan."""
    _co(k).wakeup(chan)


# --- reading the clock (kern_tc.c) ---------------------------------------------------------------
def _write_pair(k, addr: int, sec: int, sub: int) -> None:
    """A timeval or timespec: time_t then a long, both a word on amd64, 4 bytes on i386."""
    w = k.word_size
    k.machine.mem.write(addr, sec.to_bytes(w, "little", signed=True) + sub.to_bytes(w, "little", signed=True))


def _wall(k):
    return k.clock.now


def _up(k):
    return k.clock.uptime


@table.service("void getmicrotime(void *tvp)")
def getmicrotime(k, tvp: int) -> None:
    """Wall-clock time as a timeval (the tick-precision variant; kemu's clock is the tick)."""
    t = _wall(k)
    _write_pair(k, tvp, t.sec, t.nsec // 1000)


@table.service("void microtime(void *tvp)")
def microtime(k, tvp: int) -> None:
    """Wall-clock time as a timeval."""
    getmicrotime.service.func(k, tvp)


@table.service("void getnanotime(void *tsp)")
def getnanotime(k, tsp: int) -> None:
    """Wall-clock time as a timespec."""
    t = _wall(k)
    _write_pair(k, tsp, t.sec, t.nsec)


@table.service("void nanotime(void *tsp)")
def nanotime(k, tsp: int) -> None:
    """Wall-clock time as a timespec."""
    getnanotime.service.func(k, tsp)


@table.service("void microuptime(void *tvp)")
def microuptime(k, tvp: int) -> None:
    """Time since boot as a timeval."""
    t = _up(k)
    _write_pair(k, tvp, t.sec, t.nsec // 1000)


@table.service("void getmicrouptime(void *tvp)")
def getmicrouptime(k, tvp: int) -> None:
    """Time since boot as a timeval."""
    microuptime.service.func(k, tvp)


@table.service("void nanouptime(void *tsp)")
def nanouptime(k, tsp: int) -> None:
    """Time since boot as a timespec."""
    t = _up(k)
    _write_pair(k, tsp, t.sec, t.nsec)


@table.service("void getnanouptime(void *tsp)")
def getnanouptime(k, tsp: int) -> None:
    """Time since boot as a timespec."""
    nanouptime.service.func(k, tsp)


@table.service("void binuptime(void *bt)")
def binuptime(k, bt: int) -> None:
    """Time since boot as a bintime: seconds, then the fraction in 1/2^64 s."""
    t = _up(k)
    frac = (t.nsec << 64) // 1_000_000_000
    k.machine.mem.write(bt, t.sec.to_bytes(k.word_size, "little") + frac.to_bytes(8, "little"))


@table.service("void getbinuptime(void *bt)")
def getbinuptime(k, bt: int) -> None:
    """Time since boot as a bintime."""
    binuptime.service.func(k, bt)


@table.service("int64_t sbinuptime(void)")
def sbinuptime(k) -> int:
    """Time since boot as an sbintime_t (seconds << 32 | fraction)."""
    return _co(k).uptime_sbt()


@table.service("int64_t getsbinuptime(void)")
def getsbinuptime(k) -> int:
    """Time since boot as an sbintime_t."""
    return _co(k).uptime_sbt()
