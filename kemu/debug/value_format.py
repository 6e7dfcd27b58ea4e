"""How `print`, `output` and `display` show a value, in gdb's forms.

Pointers and functions print as `(int *) 0xc1002010 <fibo_scs>`, one-byte integers as
`65 'A'`, eflags as its flag list; a `/FMT` letter overrides (`p/x`, `p/c`, `p/a`). A data
symbol with no type (no DWARF for it) is refused with gdb's own message. Values whose type
came from DWARF — structs, arrays, enums, bools, floats, `char *`, and variables that are
`<optimized out>` — print through `typed_format`.
"""
from __future__ import annotations

from typing import Callable

from kemu.debug.commands import CommandError
from kemu.debug.expr import Value
from kemu.debug.formats import format_char, format_integer
from kemu.debug.panel import format_flags
from kemu.debug.typed_format import TypedFormatter, is_char


def _typed(v: Value) -> bool:
    """Whether `v` needs what only DWARF types have (members, names of values, strings)."""
    t = v.type
    return bool(v.unavailable or t.aggregate or t.kind == "float" or t.enumerators or t.encoding
                or (t.kind == "ptr" and t.target is not None and (t.target.aggregate or is_char(t.target))))


def format_value(v: Value, fmt: str, *, word: int, label: Callable[[int], "str | None"],
                 typed: TypedFormatter | None = None) -> str:
    """The text of `v` under print's `/FMT` (only its last letter matters; "" for natural)."""
    letter = fmt[-1] if fmt else ""
    t = v.type
    if v.unavailable:
        return v.unavailable
    if typed is not None and _typed(v) and (not letter or v.unavailable or t.aggregate):
        return typed.value(v, top=True)
    mask = (1 << (8 * word)) - 1
    text_label = label(v.value & mask) if t.kind in ("ptr", "func") else None
    if letter and letter not in "s":
        if letter == "c":
            return format_char(v.value)
        if letter == "a":
            return format_integer(v.value, "a", word, pad=False, symbolize=label)
        size = t.size if t.kind == "int" else word
        return format_integer(v.value, letter, size, pad=letter in ("z",))
    if t.kind == "func":
        return f"{{{t.name}}} {v.value:#x} <{v.symbol}>"
    if t.kind == "ptr":
        text = f"({t.name}) {v.value:#x}"
        return text + (f" <{text_label}>" if text_label else "")
    if t.kind == "unknown":
        raise CommandError(f"'{v.symbol}' has unknown type; cast it to its declared type")
    if t.kind == "void":
        return "void"
    if v.lval and v.lval[0] == "reg" and v.lval[1] == "eflags":
        return format_flags(v.value)
    if t.size == 1:
        return format_char(v.value)
    return str(v.value)
