"""The Unicorn hooks the engine has installed, and the set it wants next.

Hooks cost emulation speed, so the engine keeps only what the current goal needs: a
range-restricted code hook per breakpoint address while the guest runs freely, one code hook
over the module area while it steps (stepi, step/next by line, watchpoints), and a write
watch per watched range. Unicorn only consults hooks that existed when a block was translated,
so whoever changes the set must flush the translation cache (`flush`) before the guest goes on.
"""
from __future__ import annotations

from typing import Callable, Iterable

# hook keys: ("step", lo, hi) | ("bp", addr) | ("watch", addr, size)
HookKey = tuple


def wanted_hooks(step_range: tuple[int, int], stepping: bool, breakpoint_addrs: Iterable[int],
                 watch_ranges: Iterable[tuple[int, int]]) -> set[HookKey]:
    """The hooks needed: one over the step range while stepping (it also sees the breakpoints
    inside it), one per breakpoint address it does not cover, one per watched range."""
    lo, hi = step_range
    want: set[HookKey] = set()
    if stepping:
        want.add(("step", lo, hi))
    for a in breakpoint_addrs:
        if not (stepping and lo <= a <= hi):
            want.add(("bp", a))
    for addr, size in watch_ranges:
        want.add(("watch", addr, size))
    return want


class HookSet:
    """Installs and removes the machine's hooks to match a wanted set."""

    def __init__(self, machine, on_code: Callable, on_write: Callable) -> None:
        self.m = machine
        self.on_code = on_code
        self.on_write = on_write
        self._hooks: dict[HookKey, object] = {}

    def apply(self, want: set[HookKey]) -> bool:
        """Make the installed hooks match `want`; True when anything changed."""
        have = set(self._hooks)
        for key in have - want:
            self.m.remove_hook(self._hooks.pop(key))
        for key in sorted(want - have, key=repr):
            if key[0] == "step":
                self._hooks[key] = self.m.add_code_hook(self.on_code, key[1], key[2])
            elif key[0] == "bp":
                self._hooks[key] = self.m.add_code_hook(self.on_code, key[1], key[1])
            else:
                self._hooks[key] = self.m.add_write_watch(self.on_write, key[1], key[1] + key[2] - 1)
        return want != have

    def covers(self, addr: int) -> bool:
        """True when an installed code hook will report an instruction at addr."""
        for key in self._hooks:
            if key[0] == "step" and key[1] <= addr <= key[2]:
                return True
            if key[0] == "bp" and key[1] == addr:
                return True
        return False

    def flush(self) -> None:
        """Drop translated code, so the next instructions see the current hooks."""
        flush = getattr(self.m, "flush_code_cache", None)
        if flush is not None:
            flush()
            return
        uc = getattr(self.m, "uc", None)
        if uc is not None:
            uc.ctl_flush_tb()

    def close(self) -> None:
        for h in self._hooks.values():
            self.m.remove_hook(h)
        self._hooks.clear()
