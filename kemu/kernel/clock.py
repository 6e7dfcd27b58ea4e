"""The virtual clock: kernel time that only moves when the emulated kernel moves it.

kemu is deterministic: the same module and the same commands give the same trace and the same
`ls -l` dates. So no host time reaches the guest. The clock starts at a fixed boot time and
advances in ticks (`hz` per second) when the kernel says so — a sleep that times out, an
explicit `advance()` from a personality or a test — never on its own.
"""
from __future__ import annotations

from kemu.record import Record

# 2002-11-21 23:55:00 UTC: a NetBSD 1.6 era date (1.6 was released in September 2002), so the
# dates `ls -l` shows for device nodes fit the system being emulated.
DEFAULT_BOOT_TIME = 1037922900


class TimeSpec(Record, fields=("sec", "nsec"), frozen=True):
    def __init__(self, sec: int, nsec: int) -> None:
        vars(self).update(sec=sec, nsec=nsec)


class VirtualClock:
    """Ticks since boot; `time` (seconds since the epoch) and `uptime` derive from them."""

    def __init__(self, hz: int = 100, boot_time: int = DEFAULT_BOOT_TIME):
        if hz <= 0:
            raise ValueError(f"hz must be positive, not {hz}")
        if boot_time < 0:
            raise ValueError(f"boot time must be a non-negative epoch second, not {boot_time}")
        self.hz = hz
        self.boot_time = boot_time
        self.ticks = 0

    def advance(self, ticks: int = 1) -> int:
        """Move time forward by `ticks`; returns the new tick count. Time never goes back."""
        if ticks < 0:
            raise ValueError(f"the clock cannot go back ({ticks} ticks)")
        self.ticks += ticks
        return self.ticks

    def advance_seconds(self, seconds: float) -> int:
        """Move forward by at least `seconds`, rounded up to whole ticks."""
        if seconds < 0:
            raise ValueError(f"the clock cannot go back ({seconds} s)")
        return self.advance(-(-int(seconds * self.hz * 1_000_000) // 1_000_000))

    def ticks_for(self, seconds: float) -> int:
        """Whole ticks covering `seconds` (what a timeout in seconds becomes)."""
        return max(0, -(-int(seconds * self.hz * 1_000_000) // 1_000_000))

    @property
    def uptime(self) -> TimeSpec:
        """Time since boot."""
        sec, rem = divmod(self.ticks, self.hz)
        return TimeSpec(sec, rem * 1_000_000_000 // self.hz)

    @property
    def now(self) -> TimeSpec:
        """Wall-clock time (`struct timespec` of `nanotime()`)."""
        up = self.uptime
        return TimeSpec(self.boot_time + up.sec, up.nsec)

    @property
    def time(self) -> int:
        """Seconds since the epoch (the kernel's `time_second`)."""
        return self.boot_time + self.ticks // self.hz
