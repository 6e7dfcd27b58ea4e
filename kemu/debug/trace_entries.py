"""`kemu trace`'s events for the module's own functions that the kernel calls.

A service line says what the module asked of the kernel; these say what the kernel asked of
the module: `-> fibo_read(dev=7424, uio=0xc1000000, flag=0)` when a `Machine.call` enters
module code (the machine's `call_observers`) and `<- fibo_read = 0` when it returns. The
argument values are the words the kernel passed; their names (and whether a value is a
pointer, shown in hex) come from the function's DWARF parameters when the object has them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class EntryEvent:
    """A call into module code starting (`kind` "enter") or ending ("return", "error")."""

    kind: str
    function: str
    args: tuple[tuple[str | None, int, str], ...] = ()   # (DWARF name or None, value, shown as)
    result: int | None = None
    error: str | None = None

    def format(self) -> str:
        if self.kind == "enter":
            shown = ", ".join(f"{n}={text}" if n else text for n, _v, text in self.args)
            return f"-> {self.function}({shown})"
        if self.kind == "return":
            return f"<- {self.function} = {self.result}"
        return f"<- {self.function} [{self.error}]"


def _int_text(value: int, pointer: bool) -> str:
    return f"{value:#x}" if pointer or value >= 0x10000 else str(value)


class EntryObserver:
    """A `CallObserver` turning calls into module code into EntryEvents for `emit`.

    `symbols` answers which function an address starts (`label`) and its DWARF scope
    (`function_scope`); `in_module(addr)` says whether an address is module code at all
    (calls into anything else are not the module's entry points)."""

    def __init__(self, symbols, in_module: Callable[[int], bool], emit: Callable[[EntryEvent], None],
                 word_size: int) -> None:
        self.symbols = symbols
        self.in_module = in_module
        self.emit = emit
        self.word_mask = (1 << (8 * word_size)) - 1
        self._open: list[str | None] = []       # the function of each call in progress (None: not ours)

    def call_entered(self, addr: int, args: tuple[int, ...]) -> None:
        if not self.in_module(addr):
            self._open.append(None)
            return
        name = self.symbols.label(addr) or f"{addr:#x}"
        self._open.append(name)
        self.emit(EntryEvent("enter", name, self._arguments(addr, args)))

    def call_left(self, addr: int, result: int | None, error: BaseException | None) -> None:
        name = self._open.pop() if self._open else None
        if name is None:
            return
        if error is not None:
            self.emit(EntryEvent("error", name, error=_error_text(error)))
            return
        # entry points return C int: the low 32 bits, signed (the rest of rax is undefined)
        low = (result or 0) & 0xFFFFFFFF
        self.emit(EntryEvent("return", name, result=low - (1 << 32) if low & 0x80000000 else low))

    def _arguments(self, addr: int, args: tuple[int, ...]) -> tuple[tuple[str | None, int, str], ...]:
        scope = self.symbols.function_scope(addr)
        params = []
        if scope is not None:
            try:
                params = scope.parameters
            except Exception:     # unreadable DWARF: the values alone still say what was passed
                params = []
        shown = []
        for i, raw in enumerate(args):
            value = raw & self.word_mask
            if i < len(params):
                p = params[i]
                pointer = p.type.kind in ("ptr", "func")
                if p.type.kind == "int" and p.type.size and not pointer:
                    bits = 8 * p.type.size
                    value &= (1 << bits) - 1
                    if p.type.signed and value >> (bits - 1):
                        value -= 1 << bits
                    shown.append((p.name, value, str(value)))
                else:
                    shown.append((p.name, value, _int_text(value, pointer)))
            else:
                shown.append((None, value, _int_text(value, False)))
        return tuple(shown)


def _error_text(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
