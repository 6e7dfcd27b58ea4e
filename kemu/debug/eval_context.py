"""The expression evaluator's view of a session: registers, memory, symbols, value history.

`expr.Evaluator` knows C, not kemu; this is where its questions meet the stopped machine.
Registers exist only while the guest is stopped (gdb's "No registers."), memory errors are
gdb's "Cannot access memory at address …", and `$N` indexes the session's `print` history.
A name is first a parameter or local of the selected frame, then a global the DWARF
describes, then a symbol; registers are the selected frame's (an outer frame's as the
unwinder recovered them).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from kemu.debug.commands import CommandError
from kemu.debug.dwarf_locations import NOT_SAVED
from kemu.debug.expr import Unavailable, Value

if TYPE_CHECKING:
    from kemu.debug.session import Session


class SessionEvalContext:
    """`expr.EvalContext` over a Session."""

    def __init__(self, s: "Session"):
        self.s = s
        self.word_size = s.word

    def _outer_frame(self, name: str):
        """The selected frame when it is an outer one and `name` is a register it unwinds."""
        s = self.s
        if s.selected_frame == 0 or name not in s.dbg.reg_names.unwind:
            return None
        return s.current_frame() if s.selected_frame else None

    def read_register(self, name: str) -> int:
        if self.s.dbg.stopped is None:
            raise CommandError("No registers.")
        frame = self._outer_frame(name)
        if frame is not None and frame.level > 0:
            if name not in frame.regs:
                raise Unavailable(NOT_SAVED)      # caller-saved: gone once the callee ran
            return frame.regs[name]
        return self.s.m.regs.read(name)

    def write_register(self, name: str, value: int) -> None:
        if self.s.dbg.stopped is None:
            raise CommandError("No registers.")
        frame = self._outer_frame(name)
        if frame is not None and frame.level > 0:
            raise CommandError("kemu: registers of an outer frame cannot be changed; select frame 0")
        self.s.m.regs.write(name, value)

    def register_names(self) -> set[str]:
        return self.s.dbg.reg_names.expression_names

    def read_memory(self, addr: int, size: int) -> bytes:
        return self.s.read_memory(addr, size)

    def write_memory(self, addr: int, data: bytes) -> None:
        try:
            self.s.m.mem.write(addr, data)
        except Exception:
            raise CommandError(f"Cannot access memory at address {addr:#x}") from None

    def lookup_variable(self, name: str) -> Value | None:
        """A parameter or local of the selected frame, else a global from DWARF; None if neither."""
        s = self.s
        frame = s.current_frame() if s.dbg.stopped is not None else None
        return s.variables.lookup(frame, name)

    def lookup_symbol(self, name: str) -> tuple[int, int, str] | None:
        sym = self.s.symbols.lookup(name)
        if sym is None:
            return None
        return sym.addr, sym.size, "func" if sym.kind == "func" else "object"

    def history(self, index: int | None) -> Value:
        h = self.s.history
        if not h:
            raise CommandError("History is empty.")
        if index is None:
            return h[-1]
        if not 1 <= index <= len(h):
            raise CommandError(f"History has not yet reached ${index}.")
        return h[index - 1]
