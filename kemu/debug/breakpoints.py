"""Breakpoints and watchpoints: the user's (numbered, as gdb numbers them) and real gdb's.

The user's share one number sequence (`break` then `watch` gives 1 and 2, like gdb) so
`delete 2` means whichever it is. gdb's own, inserted through the remote protocol (Z0/Z2),
have no number: gdb keeps the bookkeeping and names them by address. The table only stores;
the engine decides which hooks that needs and when a hit stops the guest.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable


@dataclass
class Breakpoint:
    number: int
    address: int
    location: str
    temporary: bool = False
    enabled: bool = True
    hits: int = 0
    owner: str = "user"          # "user" | "gdb"


@dataclass
class Watchpoint:
    number: int
    address: int
    size: int
    expression: str
    old: bytes
    owner: str = "user"
    hits: int = 0


class BreakpointTable:
    """Every breakpoint and watchpoint of one debugger."""

    def __init__(self) -> None:
        self.breakpoints: dict[int, Breakpoint] = {}          # user's, by number
        self.watchpoints: dict[int, Watchpoint] = {}
        self.remote_breakpoints: dict[int, Breakpoint] = {}   # gdb's (Z0/Z1), by address
        self.remote_watchpoints: dict[tuple[int, int], Watchpoint] = {}
        self._next_number = 1

    def _number(self) -> int:
        self._next_number += 1
        return self._next_number - 1

    def add_breakpoint(self, address: int, location: str, temporary: bool) -> Breakpoint:
        bp = Breakpoint(self._number(), address, location, temporary)
        self.breakpoints[bp.number] = bp
        return bp

    def add_watchpoint(self, address: int, size: int, expression: str, old: bytes) -> Watchpoint:
        wp = Watchpoint(self._number(), address, size, expression, old)
        self.watchpoints[wp.number] = wp
        return wp

    def add_remote_breakpoint(self, address: int) -> None:
        self.remote_breakpoints.setdefault(address, Breakpoint(0, address, f"{address:#x}", owner="gdb"))

    def add_remote_watchpoint(self, address: int, size: int, old: bytes) -> None:
        self.remote_watchpoints[(address, size)] = Watchpoint(0, address, size, f"*{address:#x}", old,
                                                              owner="gdb")

    def remove_temporary(self, bp: Breakpoint) -> None:
        self.breakpoints = {k: b for k, b in self.breakpoints.items() if b is not bp}

    def clear_user(self) -> None:
        self.breakpoints.clear()
        self.watchpoints.clear()

    def clear(self) -> None:
        self.clear_user()
        self.remote_breakpoints.clear()
        self.remote_watchpoints.clear()

    def all_breakpoints(self) -> list[Breakpoint]:
        return list(self.breakpoints.values()) + list(self.remote_breakpoints.values())

    def all_watchpoints(self) -> list[Watchpoint]:
        return list(self.watchpoints.values()) + list(self.remote_watchpoints.values())

    def enabled_addresses(self) -> set[int]:
        return {b.address for b in self.all_breakpoints() if b.enabled}

    def hit_at(self, addr: int) -> Breakpoint | None:
        """The first enabled breakpoint at addr (user's before gdb's), its hit counted."""
        for bp in self.all_breakpoints():
            if bp.enabled and bp.address == addr:
                bp.hits += 1
                if bp.temporary:
                    self.remove_temporary(bp)
                return bp
        return None


def changed_watch(written: Iterable[Watchpoint], read: Callable[[int, int], bytes]
                  ) -> tuple[Watchpoint, bytes, bytes] | None:
    """(watchpoint, old, new) for the first written watchpoint whose bytes changed.

    A user's watchpoint stops only on a change, as gdb's do; gdb's own (Z2) report every
    write and gdb decides. The watchpoint remembers the new bytes and counts the hit."""
    for w in written:
        try:
            new = read(w.address, w.size)
        except Exception:
            continue                       # unmapped since: nothing to compare
        if new != w.old or w.owner == "gdb":
            old, w.old = w.old, new
            w.hits += 1
            return w, old, new
    return None
