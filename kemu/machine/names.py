"""Names from modules made safe to print.

Symbol and section names come from the module's string table: any bytes at all. The ELF
reader decodes them with `backslashreplace` (so a byte that is not UTF-8 already reads
`\\xff`); control characters (a backspace, an escape sequence, a newline) would still
reach the terminal raw and rewrite what the user sees. Every name the machine prints —
symbolized addresses, operands, oops reports — goes through `printable`.

(A shared helper for all layers is planned; this one is the machine's until then.)
"""
from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escape(match: "re.Match[str]") -> str:
    return f"\\x{ord(match.group()):02x}"


def printable(name: str) -> str:
    """`name` with C0/C1 control characters and DEL written as `\\xNN`."""
    if name.isprintable():
        return name
    return _UNPRINTABLE.sub(_escape, name)


def symbol_label(name: str, off: int) -> str:
    """`fibo_read` at a symbol's start, `fibo_read+0x12` inside it: one spelling for the
    disassembly's operands and `Machine.symbolize` (fault and oops messages), with control
    characters in the name escaped (`printable`)."""
    name = printable(name)
    return name if off == 0 else f"{name}+{off:#x}"
