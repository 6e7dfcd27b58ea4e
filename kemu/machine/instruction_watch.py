"""Calls into Python when guest code reaches particular instructions, found by an address
inside them.

A kernel keeps some state in plain variables that code reads without calling anything:
`jiffies` is the example, read inline by every timeout loop. A real CPU's clock moves while
such a loop spins; an emulated one only moves when the kernel is told. The kernel layer knows
where module code refers to a variable (the relocated field of each instruction that reads
it), so the instruction holding that field can be watched: a code hook covers the bytes where
an instruction containing the field could start, and the callback runs only for the one that
really contains it, before it executes.

Unicorn instruments only the addresses a code hook covers, so nothing else is slowed down.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

from unicorn import UC_HOOK_CODE

from . import native

if TYPE_CHECKING:
    from .machine import Machine

MAX_INSTRUCTION = 15          # bytes: an instruction holding the field starts at most this far before it


class InstructionWatch:
    """The hooks of each piece of code placed with `watch`, removed with `forget`."""

    def __init__(self, machine: "Machine") -> None:
        self.machine = machine
        self._hooks: dict[int, list[tuple[int, Any]]] = {}   # key -> [(hook handle, cfunc)]

    def watch(self, key: int, fields: Iterable[int], callback: Callable[[int], None]) -> int:
        """Call `callback(pc)` before each instruction containing one of the addresses in
        `fields` executes; `key` (the code's base) groups the hooks for `forget`. Returns how
        many fields are watched."""
        placed = self._hooks.setdefault(key, [])
        h = self.machine.uc._uch
        count = 0
        for field in sorted(set(fields)):
            begin = max(0, field - (MAX_INSTRUCTION - 1))
            cfunc = native.HOOK_CODE_CFUNC(self._hook(field, callback))
            placed.append((native.hook_add(h, UC_HOOK_CODE, cfunc, begin, field), cfunc))
            self.machine.uc.ctl_remove_cache(begin, field + 1)
            count += 1
        return count

    def forget(self, key: int) -> None:
        """Remove the hooks of the code placed at `key` (its memory is given back)."""
        calls = self.machine._calls
        for handle, cfunc in self._hooks.pop(key, []):
            native.hook_del(self.machine.uc._uch, handle)
            if calls.active:                 # Unicorn may still be inside this callback's run
                calls.graveyard.append(cfunc)

    def _hook(self, field: int, callback: Callable[[int], None]) -> Callable[[int, int, int, int], None]:
        calls = self.machine._calls

        def on_instruction(handle: int, address: int, size: int, user_data: int) -> None:
            if not address <= field < address + size or not calls.active:
                return
            try:
                callback(address)
            except BaseException as exc:
                if calls.pending is None:
                    calls.pending = exc
                native.emu_stop(handle)
        return on_instruction
