"""gdb's output formats: `x/FMT` memory dumps and `print/FMT` values.

`x/NFU ADDR` reads N units of size U (b h w g) and shows them in format F (x d u o t a c f s i z),
several per line, each line labelled with its address and the symbol it falls in, as gdb does;
the format and size are remembered for the next `x`. `print/F` formats one value. Keeping both
here, apart from the session, lets tests pin the exact text down without a machine.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Callable

from kemu.debug.commands import CommandError
from kemu.intbits import to_signed

SIZE_LETTERS = {"b": 1, "h": 2, "w": 4, "g": 8}
FORMAT_LETTERS = "xduotacfsiz"

# units per line by size, for the integer formats (gdb's own choice)
_PER_LINE = {1: 8, 2: 8, 4: 4, 8: 2}


@dataclass
class XFormat:
    count: int
    letter: str
    size: int


def parse_x_format(fmt: str, last: XFormat, word_size: int) -> XFormat:
    """Parse `8xw`, `s`, `5i`, `4gx` (letters in any order after the count); defaults come from `last`."""
    m = re.fullmatch(r"(-?\d*)([A-Za-z]*)", fmt)
    if not m:
        raise CommandError(f"Invalid number \"{fmt}\".")
    count = int(m.group(1)) if m.group(1) not in ("", "-") else 1
    if count < 0:
        raise CommandError("Negative repeat counts (reading memory backwards) are not supported.")
    letter, size = last.letter, None
    for ch in m.group(2):
        if ch in SIZE_LETTERS:
            size = SIZE_LETTERS[ch]
        elif ch in FORMAT_LETTERS:
            letter = ch
        else:
            raise CommandError(f"Undefined output format \"{ch}\".")
    if size is None:
        if letter == "a":
            size = word_size
        elif letter == "c":
            size = 1
        elif letter in "si":
            size = 1
        elif letter == "f":
            size = 8 if last.size not in (4, 8) else last.size
        else:
            size = last.size if last.letter not in "sic" else 4
    if letter == "a":
        size = word_size
    if letter == "f" and size not in (4, 8):
        size = 8
    return XFormat(count, letter, size)


def _signed(value: int, size: int) -> int:
    return to_signed(value, 8 * size)


def format_char(value: int) -> str:
    """gdb's `104 'h'` rendering of a byte."""
    v = _signed(value & 0xFF, 1)
    c = value & 0xFF
    named = {0: "\\000", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r",
             27: "\\033", 39: "\\'", 92: "\\\\"}
    if c in named:
        shown = named[c]
    elif 32 <= c < 127:
        shown = chr(c)
    else:
        shown = f"\\{c:03o}"
    return f"{v} '{shown}'"


def format_integer(value: int, letter: str, size: int, *, pad: bool,
                   symbolize: Callable[[int], str | None] | None = None) -> str:
    """One integer in a gdb format letter; `pad` zero-pads x/t/z to the unit size as `x` does."""
    value &= (1 << (8 * size)) - 1
    if letter == "x":
        return f"0x{value:0{2 * size}x}" if pad else f"{value:#x}"
    if letter == "z":
        return f"0x{value:0{2 * size}x}"
    if letter == "d":
        return str(_signed(value, size))
    if letter == "u":
        return str(value)
    if letter == "o":
        return f"0{value:o}" if value else "0"
    if letter == "t":
        return f"{value:0{8 * size}b}" if pad else f"{value:b}"
    if letter == "c":
        return format_char(value)
    if letter == "a":
        label = symbolize(value) if symbolize else None
        return f"{value:#x}" + (f" <{label}>" if label else "")
    if letter == "f":
        if size == 4:
            return repr(struct.unpack("<f", value.to_bytes(4, "little"))[0])
        if size == 8:
            return repr(struct.unpack("<d", value.to_bytes(8, "little"))[0])
        return str(_signed(value, size))
    if letter == "s":
        return str(value)
    raise CommandError(f"Undefined output format \"{letter}\".")


def c_string_literal(data: bytes) -> str:
    """Bytes as gdb quotes a string: printable ASCII as is, the rest as C escapes."""
    out = []
    for c in data:
        if c == 34:
            out.append('\\"')
        elif c == 92:
            out.append("\\\\")
        elif c == 10:
            out.append("\\n")
        elif c == 9:
            out.append("\\t")
        elif c == 13:
            out.append("\\r")
        elif 32 <= c < 127:
            out.append(chr(c))
        else:
            out.append(f"\\{c:03o}")
    return '"' + "".join(out) + '"'


def examine(read: Callable[[int, int], bytes], addr: int, fmt: XFormat, *,
            label: Callable[[int], str | None], word_size: int,
            disassemble: Callable[[int, int], list[str]] | None = None,
            string_limit: int = 200) -> tuple[list[str], int]:
    """The lines `x/FMT ADDR` prints and the address after the last unit.

    `read(addr, n)` raises for unreadable memory; the lines already produced are kept and the
    error is raised as gdb's `Cannot access memory at address 0x…` after them (the caller prints both).
    """
    mask = (1 << (8 * word_size)) - 1
    addr &= mask

    def head(a: int) -> str:
        name = label(a)
        return f"{a:#x} <{name}>:" if name else f"{a:#x}:"

    lines: list[str] = []
    if fmt.letter == "i":
        if disassemble is None:
            raise CommandError("Cannot disassemble here.")
        out = disassemble(addr, fmt.count)
        return out, addr  # the caller computes the next address from the instructions
    if fmt.letter == "s":
        for _ in range(fmt.count):
            data = bytearray()
            a = addr
            try:
                while len(data) < string_limit:
                    b = read(a, 1)[0]
                    a += 1
                    if b == 0:
                        break
                    data.append(b)
            except Exception:
                if not data:
                    raise _MemoryError(lines, a) from None
                lines.append(f"{head(addr)}\t{c_string_literal(bytes(data))}...")
                raise _MemoryError(lines, a) from None
            text = c_string_literal(bytes(data)) + ("..." if len(data) >= string_limit else "")
            lines.append(f"{head(addr)}\t{text}")
            addr = a
        return lines, addr
    per_line = 8 if fmt.letter == "c" else _PER_LINE[fmt.size]
    if fmt.letter == "a":
        per_line = 2 if word_size == 8 else 4
    remaining = fmt.count
    while remaining > 0:
        n = min(per_line, remaining)
        cells = []
        line_addr = addr
        for _ in range(n):
            try:
                raw = read(addr, fmt.size)
            except Exception:
                if cells:
                    lines.append(head(line_addr) + "\t" + "\t".join(cells))
                raise _MemoryError(lines, addr) from None
            value = int.from_bytes(raw, "little")
            cells.append(format_integer(value, fmt.letter, fmt.size, pad=True, symbolize=label))
            addr = (addr + fmt.size) & mask
        lines.append(head(line_addr) + "\t" + "\t".join(cells))
        remaining -= n
    return lines, addr


class _MemoryError(CommandError):
    """An unreadable address part way through `x`: carries the lines printed before it."""

    def __init__(self, lines: list[str], addr: int):
        super().__init__(f"Cannot access memory at address {addr:#x}")
        self.lines = list(lines)
        self.addr = addr


MemoryReadError = _MemoryError
