"""The time a guest call is charged with: host time that stands still while paused.

A call's time limit guards against guest code that never returns. Time the *host* spends with
control in Python for a person — a debugger prompt inside a hook, gdb's packets — is not the
guest's, so the debugger pauses this clock for as long as it holds a stop, and deadlines are
kept in its time. The watchdog thread works in `time.monotonic()`: a deadline `t` of this
clock falls at `t + offset` there (it moves later by every pause).
"""
from __future__ import annotations

import time

from .errors import MachineError


class GuestClock:
    """Monotonic seconds minus the time spent paused. Pauses nest."""

    __slots__ = ("offset", "pauses", "_paused_at")

    def __init__(self) -> None:
        self.offset = 0.0                 # seconds spent paused so far
        self.pauses = 0                   # nesting of pause() calls
        self._paused_at = 0.0

    @property
    def paused(self) -> bool:
        return self.pauses > 0

    def now(self) -> float:
        """The clock's reading: stands still while paused."""
        if self.pauses:
            return self._paused_at - self.offset
        return time.monotonic() - self.offset

    def pause(self) -> None:
        self.pauses += 1
        if self.pauses == 1:
            self._paused_at = time.monotonic()

    def resume(self) -> None:
        if not self.pauses:
            raise MachineError("the guest clock is not paused")
        self.pauses -= 1
        if not self.pauses:
            self.offset += time.monotonic() - self._paused_at

    def release(self) -> int:
        """Run the clock whatever the nesting of pauses (a guest call made while paused);
        returns that nesting for `restore`."""
        n = self.pauses
        if n:
            self.pauses = 1
            self.resume()
        return n

    def restore(self, n: int) -> None:
        """Pause again to the nesting `release` returned."""
        if n:
            self.pause()
            self.pauses = n
