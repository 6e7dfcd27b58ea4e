"""Time that passes while guest code busy-waits or reads the clock.

A real kernel's clock moves while a CPU spins: the timer interrupt ticks jiffies, and the
clocksource counts nanoseconds between ticks. kemu's virtual clock moves only when the kernel
moves it, so a module that waits for time to pass — udelay()/ndelay() (a calibrated spin in
6.1's arch/x86/lib/delay.c), or a loop that reads ktime_get() until it changes, as
crypto/xor.c's and lib/raid6's boot benchmarks do — would wait for ever.

So the busy-wait services and the clock reads *spend* time: udelay spends the delay it was
asked for, and each read of a clock from guest code spends READ_COST_NS (the read and the work
between two reads in a polling loop). That includes `jiffies` and `jiffies_64` read inline
(`while (time_before(jiffies, timeout))`, lib/raid6's `while ((j1 = jiffies) == j0)`): the
kernel watches each instruction of module code that refers to them (watch_jiffies below). What is spent accumulates below a tick in
`HrTimers.busy_ns` (ktime reads see it: nanoseconds between ticks, as a clocksource shows
them) and every whole tick of it advances the virtual clock — jiffies move, due timers fire
and queued work runs, as the timer interrupt would make them. Everything stays deterministic:
the same guest code spends the same time.
"""
from __future__ import annotations

NSEC_PER_SEC = 1_000_000_000
#: what one read of a clock by guest code costs in virtual time: coarse enough that a
#: one-second polling loop ends after 10,000 reads, fine enough to stay well under a tick.
READ_COST_NS = 100_000


def tick_ns(system) -> int:
    """Nanoseconds in one tick of the virtual clock."""
    return NSEC_PER_SEC // system.kernel.clock.hz


def spend(system, ns: int) -> None:
    """Let `ns` nanoseconds of busy time pass: whole ticks advance the clock (timers fire,
    work runs), the rest waits below a tick for the next spend."""
    if ns <= 0:
        return
    h = system.hrtimers
    ticks, h.busy_ns = divmod(h.busy_ns + ns, tick_ns(system))
    if ticks:
        system.timekeeping.advance(ticks)


def read_clock(system, clockid: int) -> int:
    """A clock read from guest code: it costs READ_COST_NS, then returns the clock in ns."""
    spend(system, READ_COST_NS)
    return system.hrtimers.now_ns(clockid)


def watch_jiffies(system) -> None:
    """Make every instruction of module code that refers to jiffies or jiffies_64 spend one
    clock read before it executes (Kernel.reference_watches; found from the relocations)."""
    def read(pc: int) -> None:
        spend(system, READ_COST_NS)
    for name in ("jiffies", "jiffies_64"):
        system.kernel.reference_watches[name] = read


def xloops_to_ns(xloops: int) -> int:
    """__const_udelay's argument back to nanoseconds: udelay(n) passes n * 0x10c7
    (2^32 / 10^6 rounded up) and ndelay(n) passes n * 5 (2^32 / 10^9 rounded up)."""
    return (xloops * NSEC_PER_SEC) >> 32
