"""Values with DWARF types, printed the way gdb prints them.

`dev=7424`, `uio=0xc1000000`, `fibosc = 0xdca4f1a0 <fibo_scs>`, `name=0xdca4f2c0 "fibo"`,
`ok=true`, `mode=LKM_E_LOAD`, `*fibosc = {sc_refcnt = 1, sc_current = 1, sc_previous = 0}`.
Where a whole line of values is shown (a frame line) gdb prints only scalars and writes
`...` for a struct, union or array (its `print frame-arguments scalars`); `info locals` and
`print` show their members. A pointer is annotated with the symbol it points into only when
that is module code or data (the symbols gdb itself would have from the module).
"""
from __future__ import annotations

import struct
from typing import Callable

from kemu.debug.expr import CType, Value
from kemu.debug.formats import c_string_literal, format_char
from kemu.intbits import to_signed

STRING_LIMIT = 200        # characters of a `char *` or char array shown (gdb's `print elements`)
ELEMENT_LIMIT = 200       # array elements shown
REPEAT_THRESHOLD = 10     # equal neighbours folded into `<repeats N times>` (gdb's threshold)
DEPTH_LIMIT = 8           # nesting of structs shown before `{...}`


def _signed(raw: int, size: int) -> int:
    return to_signed(raw, 8 * size)


def format_float(raw: int, size: int) -> str:
    """IEEE single/double and the x87 80-bit extended format, with gdb's %g-style digits."""
    if size == 4:
        return f"{struct.unpack('<f', raw.to_bytes(4, 'little'))[0]:.9g}"
    if size == 8:
        return f"{struct.unpack('<d', raw.to_bytes(8, 'little'))[0]:.17g}"
    if size in (10, 12, 16):
        mantissa = raw & ((1 << 64) - 1)
        exponent = (raw >> 64) & 0x7FFF
        sign = -1 if (raw >> 79) & 1 else 1
        if exponent == 0x7FFF:
            return ("-" if sign < 0 else "") + ("inf" if mantissa << 1 == 0 else "nan")
        try:
            return f"{sign * mantissa * 2.0 ** (exponent - 16383 - 63):.18g}"
        except OverflowError:
            return "inf" if sign > 0 else "-inf"
    return f"<{size}-byte float>"


class TypedFormatter:
    """Formats typed values, reading guest memory for members, elements and strings."""

    def __init__(self, code_label: Callable[[int], str | None], data_label: Callable[[int], str | None],
                 read: Callable[[int, int], bytes]) -> None:
        self.code_label = code_label
        self.data_label = data_label
        self.read = read

    def value(self, v: Value, *, top: bool = False, scalars_only: bool = False) -> str:
        """`v` as gdb prints it: `top` adds a pointer's `(type)` as `print` does; with
        `scalars_only` aggregates are `...` as in a frame line."""
        if v.unavailable:
            return v.unavailable
        t = v.type
        if t.aggregate:
            if scalars_only:
                return "..."
            if v.lval is None or v.lval[0] != "mem":
                return "<optimized out>"
            addr = int(v.lval[1])
            try:
                data = self.read(addr, t.size)
            except Exception:
                return f"<error: Cannot access memory at address {addr:#x}>"
            return self._aggregate(t, data, 0)
        raw = v.value & ((1 << (8 * max(1, t.size))) - 1)
        text = self._scalar(t, raw)
        if top and t.kind == "ptr" and not is_char(t.target):
            text = f"({t.name}) {text}"
        return text

    # ---- scalars --------------------------------------------------------------------------
    def _scalar(self, t: CType, raw: int) -> str:
        if t.kind == "ptr":
            return self._pointer(t, raw)
        if t.kind == "float":
            return format_float(raw, t.size)
        if t.kind == "func":
            return f"{{{t.name}}} {raw:#x}" + self._label(self.code_label, raw)
        if t.kind == "void":
            return "void"
        value = _signed(raw, t.size) if t.signed else raw
        if t.enumerators:
            return self._enum(t, value)
        if t.encoding == "bool":
            return {0: "false", 1: "true"}.get(value, str(value))
        if t.encoding == "char" or (t.size == 1 and t.kind == "int"):
            return f"{value} {format_char(raw).split(' ', 1)[1]}"    # 255 '\377' when unsigned
        return str(value)

    @staticmethod
    def _label(label: Callable[[int], str | None], addr: int) -> str:
        name = label(addr) if addr else None
        return f" <{name}>" if name else ""

    def _pointer(self, t: CType, raw: int) -> str:
        target = t.target
        if target is not None and target.kind == "func":
            return f"{raw:#x}" + self._label(self.code_label, raw)
        text = f"{raw:#x}" + self._label(self.data_label, raw)
        if is_char(target) and raw:
            text += " " + self._string_at(raw)
        return text

    def _string_at(self, addr: int) -> str:
        """The NUL-terminated string at addr, at most STRING_LIMIT characters (then `...`)."""
        out = bytearray()
        try:
            while len(out) < STRING_LIMIT:
                chunk = self.read(addr + len(out), min(64, STRING_LIMIT - len(out)))
                end = chunk.find(0)
                if end >= 0:
                    return c_string_literal(bytes(out + chunk[:end]))
                out += chunk
        except Exception:
            if not out:
                return f"<error: Cannot access memory at address {addr:#x}>"
            return c_string_literal(bytes(out)) + "..."
        return c_string_literal(bytes(out)) + "..."

    @staticmethod
    def _enum(t: CType, value: int) -> str:
        for name, v in t.enumerators:
            if v == value:
                return name
        flags = [(n, v) for n, v in t.enumerators if v and v & (v - 1) == 0 and value & v]
        rest = value
        for _, v in flags:
            rest &= ~v
        if flags and not rest:
            return "(" + " | ".join(n for n, _ in flags) + ")"
        return str(value)

    # ---- aggregates -----------------------------------------------------------------------
    def _aggregate(self, t: CType, data: bytes, depth: int) -> str:
        if depth >= DEPTH_LIMIT or (t.kind != "array" and not t.members):
            return "{...}"
        if t.kind == "array":
            return self._array(t, data, depth)
        parts = []
        for m in t.members:
            chunk = data[m.offset:m.offset + m.type.size]
            if m.bit_size:
                raw = (int.from_bytes(chunk, "little") >> m.bit_offset) & ((1 << m.bit_size) - 1)
                if m.type.signed and raw >> (m.bit_size - 1):
                    raw -= 1 << m.bit_size
                text = (self._enum(m.type, raw) if m.type.enumerators
                        else {0: "false", 1: "true"}.get(raw, str(raw)) if m.type.encoding == "bool"
                        else str(raw))
            else:
                text = self._element(m.type, chunk, depth)
            parts.append(f"{m.name} = {text}" if m.name else text)
        return "{" + ", ".join(parts) + "}"

    def _element(self, t: CType, chunk: bytes, depth: int) -> str:
        if len(chunk) < t.size:
            return "<incomplete>"
        if t.aggregate:
            return self._aggregate(t, chunk, depth + 1)
        return self._scalar(t, int.from_bytes(chunk, "little"))

    def _array(self, t: CType, data: bytes, depth: int) -> str:
        element = t.target
        if element is None or element.size <= 0 or t.count <= 0:
            return "{}" if t.count == 0 else "{...}"
        if is_char(element):
            return _char_array(data[:t.count])
        texts = [self._element(element, data[i * element.size:(i + 1) * element.size], depth)
                 for i in range(min(t.count, ELEMENT_LIMIT))]
        parts: list[str] = []
        i = 0
        while i < len(texts):
            j = i
            while j < len(texts) and texts[j] == texts[i]:
                j += 1
            if j - i >= REPEAT_THRESHOLD:
                parts.append(f"{texts[i]} <repeats {j - i} times>")
            else:
                parts.extend(texts[i:j])
            i = j
        return "{" + ", ".join(parts) + ("..." if t.count > ELEMENT_LIMIT else "") + "}"


def is_char(t: CType | None) -> bool:
    """A one-byte character type: what `char *` strings and char arrays are made of."""
    return t is not None and t.kind == "int" and t.size == 1 and (t.encoding == "char" or "char" in t.name)


def _char_array(data: bytes) -> str:
    """A char array as gdb shows one: the string, a long run of NULs folded at the end."""
    body = data.rstrip(b"\0")
    zeros = len(data) - len(body)
    if zeros == 0:
        return c_string_literal(body)
    if zeros > REPEAT_THRESHOLD:
        return (c_string_literal(body) + ", " if body else "") + f"'\\000' <repeats {zeros - 1} times>"
    return c_string_literal(body + b"\0" * (zeros - 1))
