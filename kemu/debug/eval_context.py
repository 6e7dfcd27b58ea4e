"""The expression evaluator's view of a session: registers, memory, symbols, value history.

`expr.Evaluator` knows C, not kemu; this is where its questions meet the stopped machine.
Registers exist only while the guest is stopped (gdb's "No registers."), memory errors are
gdb's "Cannot access memory at address …", and `$N` indexes the session's `print` history.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from kemu.debug.commands import CommandError
from kemu.debug.expr import Value

if TYPE_CHECKING:
    from kemu.debug.session import Session


class SessionEvalContext:
    """`expr.EvalContext` over a Session."""

    def __init__(self, s: "Session"):
        self.s = s
        self.word_size = s.word

    def read_register(self, name: str) -> int:
        if self.s.dbg.stopped is None:
            raise CommandError("No registers.")
        return self.s.m.regs.read(name)

    def write_register(self, name: str, value: int) -> None:
        if self.s.dbg.stopped is None:
            raise CommandError("No registers.")
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
