"""What the engine tells a frontend when the guest stops, and how a killed call ends.

A `StopEvent` is the one thing every frontend (the gdb-like session, the GDB stub, the tracer)
receives: where the guest stopped and why, with what the reason carries (the breakpoint hit,
the watched bytes before and after, the value a `finish` returned).
"""
from __future__ import annotations

from dataclasses import dataclass

from kemu.debug.breakpoints import Breakpoint, Watchpoint
from kemu.machine import GuestError


class DebuggerKilled(GuestError):
    """Raised out of the hook to abort the guest call the user killed (a GuestError, so the
    personality reports the abandoned call and cleans up as it does for a fault)."""


@dataclass
class StopEvent:
    pc: int
    kind: str                      # entry | breakpoint | step | watch | finish | until | signal (Ctrl-C)
    breakpoint: Breakpoint | None = None
    watch: tuple[Watchpoint, bytes, bytes] | None = None
    finish_value: int | None = None
    finish_from: str | None = None
    depth: int = 0                 # nesting of guest calls the stop happened in (0: outermost)
