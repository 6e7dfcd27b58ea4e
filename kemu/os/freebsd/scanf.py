"""The kernel's sscanf(9)/vsscanf(9) conversion engine, as FreeBSD 14's kern/subr_scanf.c
reads its input: whitespace in the format skips any amount of input whitespace, other
characters must match, and the conversions are %d %i %o %u %x %X %p %c %s %[...] %n and %%,
with a field width, `*` to skip the assignment and the size modifiers hh h l ll q j t z.

The engine is independent of guest memory: `scan` hands each assignment to a `store`
callback (kind, size in bytes, value), so the service decides where the pointer comes from.
It returns FreeBSD's count: the assignments made, or -1 when the input ran out before the
first one (an input failure); a mismatch returns the assignments made so far.
"""
from __future__ import annotations

from typing import Callable

Store = Callable[[str, int, "int | bytes"], None]

_SPACE = b" \t\n\v\f\r"


def _int_size(mod: str, word: int) -> int:
    return {"hh": 1, "h": 2, "l": word, "ll": 8, "q": 8, "j": 8, "t": word, "z": word}.get(mod, 4)


def _digits_for(base: int) -> bytes:
    return b"0123456789abcdefABCDEF"[: base if base <= 10 else 10 + 2 * (base - 10)]


def _scan_int(text: bytes, pos: int, width: int, base: int) -> tuple[int | None, int]:
    """One integer of `base` (0: from its prefix) in at most `width` bytes; (value, new pos)."""
    end = min(len(text), pos + width)
    i, sign = pos, 1
    if i < end and text[i:i + 1] in (b"+", b"-"):
        sign = -1 if text[i:i + 1] == b"-" else 1
        i += 1
    if base in (0, 16) and i + 1 < end and text[i:i + 1] == b"0" and text[i + 1:i + 2] in (b"x", b"X") \
            and i + 2 < end and text[i + 2:i + 3] in _digits_for(16):
        i += 2
        base = 16
    elif base == 0:
        base = 8 if i < end and text[i:i + 1] == b"0" else 10
    start = i
    digits = _digits_for(base)
    while i < end and text[i:i + 1] in digits:
        i += 1
    if i == start:
        return None, pos
    return sign * int(text[start:i], base), i


def _scanset(fmt: bytes, at: int) -> tuple[set[int], int]:
    """The characters a %[ set accepts and the format position after its `]`."""
    negate = at < len(fmt) and fmt[at] == ord("^")
    if negate:
        at += 1
    chars: set[int] = set()
    first = True
    while at < len(fmt) and (fmt[at] != ord("]") or first):
        c = fmt[at]
        if c == ord("-") and not first and at + 1 < len(fmt) and fmt[at + 1] != ord("]") and chars:
            prev = fmt[at - 1]
            chars.update(range(prev, fmt[at + 1] + 1))
            at += 2
        else:
            chars.add(c)
            at += 1
        first = False
    accepted = set(range(1, 256)) - chars if negate else chars
    return accepted, at + 1


def scan(text: bytes, fmt: bytes, store: Store, word: int) -> int:
    """Match `text` against `fmt`, storing each assignment; FreeBSD's return value."""
    pos = 0
    assigned = 0
    i = 0
    while i < len(fmt):
        c = fmt[i:i + 1]
        i += 1
        if c in _SPACE:
            while pos < len(text) and text[pos:pos + 1] in _SPACE:
                pos += 1
            continue
        if c != b"%":
            if pos >= len(text):
                return assigned or -1
            if text[pos:pos + 1] != c:
                return assigned
            pos += 1
            continue
        suppress = i < len(fmt) and fmt[i:i + 1] == b"*"
        if suppress:
            i += 1
        width = 0
        while i < len(fmt) and fmt[i:i + 1].isdigit():
            width = width * 10 + fmt[i] - 48
            i += 1
        mod = ""
        for m in ("hh", "ll", "h", "l", "q", "j", "t", "z"):
            if fmt[i:i + len(m)] == m.encode():
                mod, i = m, i + len(m)
                break
        if i >= len(fmt):
            return assigned
        conv = chr(fmt[i])
        i += 1
        if conv == "%":
            while pos < len(text) and text[pos:pos + 1] in _SPACE:
                pos += 1
            if pos >= len(text):
                return assigned or -1
            if text[pos:pos + 1] != b"%":
                return assigned
            pos += 1
            continue
        if conv == "n":
            if not suppress:
                store("int", _int_size(mod, word), pos)
            continue
        if conv not in "c[":
            while pos < len(text) and text[pos:pos + 1] in _SPACE:
                pos += 1
        if pos >= len(text):
            return assigned or -1
        if conv == "c":
            n = width or 1
            if len(text) - pos < n:
                return assigned or -1
            value: int | bytes = text[pos:pos + n]
            pos += n
            if not suppress:
                store("chars", n, value)
                assigned += 1
            continue
        if conv in "s[":
            if conv == "s":
                ok = set(range(1, 256)) - set(_SPACE)
            else:
                ok, i = _scanset(fmt, i)
            limit = min(len(text), pos + width) if width else len(text)
            start = pos
            while pos < limit and text[pos] in ok:
                pos += 1
            if pos == start:
                return assigned
            if not suppress:
                store("string", pos - start + 1, text[start:pos] + b"\0")
                assigned += 1
            continue
        base = {"d": 10, "u": 10, "i": 0, "o": 8, "x": 16, "X": 16, "p": 16}.get(conv)
        if base is None:
            return assigned
        number, pos = _scan_int(text, pos, width or len(text), base)
        if number is None:
            return assigned
        if not suppress:
            size = word if conv == "p" else _int_size(mod, word)
            store("int", size, number & ((1 << (8 * size)) - 1))
            assigned += 1
    return assigned


def scan_guest(k, text: bytes, fmt: bytes, args) -> int:
    """`scan` storing through the pointers a guest's variadic arguments (`args.next_ptr()`)
    hold, each checked to be writable: the engine behind a kernel's sscanf service."""
    mem = k.machine.mem

    def store(kind: str, size: int, value) -> None:
        where = args.next_ptr()
        k.check_range(where, size, "write")
        if kind == "int":
            mem.write_int(where, size, value & ((1 << (8 * size)) - 1))
        else:
            mem.write(where, value)

    return scan(text, fmt, store, k.word_size)
