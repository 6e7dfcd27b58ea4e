"""The BSD kernel `printf` formatter, shared by every personality's printf/uprintf/log.

Semantics follow the 4.4BSD `kprintf` that NetBSD and FreeBSD inherit: the C conversions
(`%d %i %u %o %x %X %c %s %p %%`, flags `- + space # 0`, width and precision with `*`,
sizes `hh h l ll q j z t`) behave as the C library's printf does, plus the kernel's own:

* `%b` — decode a bit field: the argument is an int and then a description string whose first
  byte is the output base (8, 10 or 16) followed by (bit number counted from 1, name) pairs,
  names ending at any byte <= ' '. `printf("%b", 3, "\\10\\2BITTWO\\1BITONE")` → `3<BITTWO,BITONE>`.
* `%p` — always `0x` followed by lower-case hex, even for NULL (`0x0`), as NetBSD prints it.
* `%s` of NULL prints `(null)`; an unknown conversion `%y` prints `y` (NetBSD) or, with
  `unknown="literal"`, the whole specification `%y` as written.

Argument widths come from the `VarArgs` (`word_size` decides `long`, `size_t`, pointers), so the
same formatter serves i386 and x86-64 guests and Python callers (`ListVarArgs`).

Bounds. A valid module may ask for `printf("%*d", 0x7ffffff0, 1)`. NetBSD's and FreeBSD's
kprintf would emit two thousand million spaces to the console one by one; Linux's vsprintf
clamps field widths to ±FIELD_WIDTH_MAX and precisions to PRECISION_MAX with a warning.
kemu does what Linux does (with Linux's limits), and also caps what one call produces at
`limit` bytes (OUTPUT_LIMIT by default): the rest is dropped. Each of those says so once per
call through `warn(message)` — the kernel prints it on the console, as Linux's WARN does —
so no format string costs more than a bounded amount of memory and time.
"""
from __future__ import annotations

from typing import Callable

from .varargs import VarArgs

ReadStr = Callable[[int, "int | None"], bytes]

_LOWER = b"0123456789abcdefghijklmnopqrstuvwxyz"
_UPPER = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FLAGS = b"-+ #0"

#: Linux's bounds (lib/vsprintf.c): widths beyond ±FIELD_WIDTH_MAX and precisions beyond
#: PRECISION_MAX are clamped, with a warning.
FIELD_WIDTH_MAX = (1 << 23) - 1
PRECISION_MAX = (1 << 15) - 1
#: Most bytes one printf call produces; more is dropped, with a warning. (A quarter of the
#: default message buffer, so the warning, printed first as Linux prints its WARN, and the
#: cut output both stay in dmesg.)
OUTPUT_LIMIT = 16 * 1024
#: Digits of a width or precision written in the format saturate here (no huge integers).
_SATURATE = 1 << 31

Warn = Callable[[str], None]


def _digits(value: int, base: int, upper: bool = False) -> bytes:
    table = _UPPER if upper else _LOWER
    if value == 0:
        return b"0"
    out = bytearray()
    while value:
        value, d = divmod(value, base)
        out.append(table[d])
    out.reverse()
    return bytes(out)


def _bitfield(value: int, desc: bytes) -> bytes:
    """The `%b` expansion: number in the base desc[0], then the names of the set bits."""
    if not desc:
        return _digits(value, 16)
    base = desc[0]
    if not 2 <= base <= 36:
        return b"bug in kprintf: bad base"
    out = bytearray(_digits(value, base))
    if value == 0:
        return bytes(out)
    i, any_set = 1, False
    while i < len(desc):
        bit = desc[i]
        i += 1
        start = i
        while i < len(desc) and desc[i] > 0x20:
            i += 1
        if 1 <= bit <= 64 and value & (1 << (bit - 1)):
            out += b"," if any_set else b"<"
            out += desc[start:i]
            any_set = True
    if any_set:
        out += b">"
    return bytes(out)


class _Limits:
    """The bounds of one call, and which of them it has already warned about."""

    __slots__ = ("warn", "warned")

    def __init__(self, warn: Warn | None) -> None:
        self.warn = warn
        self.warned: set[str] = set()

    def note(self, key: str, message: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            if self.warn is not None:
                self.warn(message)

    def width(self, width: int) -> int:
        if width > FIELD_WIDTH_MAX:
            self.note("width", f"printf: field width {width} too big, clamped to {FIELD_WIDTH_MAX}")
            return FIELD_WIDTH_MAX
        return width

    def precision(self, prec: int) -> int:
        if prec > PRECISION_MAX:
            self.note("precision", f"printf: precision {prec} too big, clamped to {PRECISION_MAX}")
            return PRECISION_MAX
        return prec


def format_printf(fmt: bytes, args: VarArgs, read_str: ReadStr, *, word_size: int | None = None,
                  unknown: str = "char", limit: int = OUTPUT_LIMIT, warn: Warn | None = None) -> bytes:
    """Format `fmt` with arguments pulled from `args`; return the bytes the kernel would print.

    `read_str(addr, limit)` returns the NUL-terminated string at a guest address (at most
    `limit` bytes when limit is not None); a fault it raises propagates to the caller, which
    turns it into the OS's EFAULT. `word_size` defaults to `args.word_size`. At most `limit`
    bytes come out; widths and precisions are clamped as Linux clamps them; `warn(message)`
    hears of each clamp or truncation once.
    """
    if unknown not in ("char", "literal"):
        raise ValueError(f"unknown= must be 'char' or 'literal', not {unknown!r}")
    word = word_size or getattr(args, "word_size", None)
    if word not in (4, 8):
        raise ValueError("format_printf needs the guest word size (4 or 8): pass word_size= or "
                         "VarArgs with a word_size attribute")
    if not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit= must be a number of bytes, not {limit!r}")
    bounds = _Limits(warn)
    out = bytearray()
    n = len(fmt)
    i = 0
    while i < n:
        if len(out) > limit:
            break
        pct = fmt.find(b"%", i)
        if pct < 0:
            out += fmt[i:]
            break
        out += fmt[i:pct]
        i = pct + 1
        if i >= n:
            break  # a lone '%' at the end prints nothing, as kprintf stops at the NUL
        ladjust = zeropad = alt = False
        sign = b""
        width = 0
        prec = -1
        # flags
        while i < n and fmt[i] in _FLAGS:
            c = fmt[i]
            if c == 0x2D:
                ladjust = True
            elif c == 0x2B:
                sign = b"+"
            elif c == 0x20:
                if not sign:
                    sign = b" "
            elif c == 0x23:
                alt = True
            else:
                zeropad = True
            i += 1
        # width
        if i < n and fmt[i] == 0x2A:
            width = args.next_int(4, True)
            if width < 0:
                ladjust, width = True, -width
            i += 1
        else:
            while i < n and 0x30 <= fmt[i] <= 0x39:
                width = min(width * 10 + fmt[i] - 0x30, _SATURATE)
                i += 1
        width = bounds.width(width)
        # flags may follow a '*' width in BSD's loop; accept the common '-' after it
        while i < n and fmt[i] in _FLAGS:
            c = fmt[i]
            ladjust |= c == 0x2D
            zeropad |= c == 0x30
            alt |= c == 0x23
            if c == 0x2B:
                sign = b"+"
            elif c == 0x20 and not sign:
                sign = b" "
            i += 1
        # precision
        if i < n and fmt[i] == 0x2E:
            i += 1
            if i < n and fmt[i] == 0x2A:
                p = args.next_int(4, True)
                prec = p if p >= 0 else -1
                i += 1
            else:
                prec = 0
                while i < n and 0x30 <= fmt[i] <= 0x39:
                    prec = min(prec * 10 + fmt[i] - 0x30, _SATURATE)
                    i += 1
            prec = bounds.precision(prec)
        # length
        size = 4
        while i < n and fmt[i] in b"hlqjztL":
            c = fmt[i:i + 1]
            if c == b"h":
                size = 1 if size == 2 else 2
            elif c == b"l":
                size = 8 if size == word and fmt[i - 1:i] == b"l" else word
            elif c in (b"q", b"j", b"L"):
                size = 8
            else:  # z, t
                size = word
            i += 1
        if i >= n:
            break
        conv = fmt[i]
        i += 1
        ch = chr(conv)
        prefix = b""
        if ch in "DOU":
            size, ch = word, ch.lower()
        if ch in "di":
            value = _read_int(args, size, True)
            if value < 0:
                sign, value = b"-", -value
            body, prec_applies = _number(value, 10, prec), True
        elif ch in "ouxX":
            value = _read_int(args, size, False)
            sign = b""
            base = 8 if ch == "o" else 10 if ch == "u" else 16
            body = _number(value, base, prec, upper=ch == "X")
            if alt and ch == "o" and not body.startswith(b"0"):
                body = b"0" + body
            if alt and ch in "xX" and value != 0:
                prefix = b"0" + ch.encode()
            prec_applies = True
        elif ch == "p":
            value = args.next_ptr()
            sign, prefix = b"", b"0x"
            body, prec_applies = _number(value, 16, prec), True
        elif ch == "c":
            body, sign, prec_applies = bytes([args.next_int(4, False) & 0xFF]), b"", False
        elif ch == "s":
            addr = args.next_ptr()
            if addr == 0:
                body = b"(null)"
            else:
                body = read_str(addr, prec if prec >= 0 else None)
                nul = body.find(b"\0")
                if nul >= 0:
                    body = body[:nul]
            if prec >= 0:
                body = body[:prec]
            sign, prec_applies = b"", False
        elif ch == "b":
            value = args.next_int(4, False)
            desc_addr = args.next_ptr()
            desc = read_str(desc_addr, None) if desc_addr else b""
            out += _bitfield(value, desc)
            continue
        elif ch == "n":
            args.next_ptr()  # kemu never lets printf write guest memory: consume and ignore
            continue
        elif ch == "%":
            body, sign, prec_applies = b"%", b"", False
        else:
            if unknown == "literal":
                out += fmt[pct:i]
                continue
            body, sign, prec_applies = bytes([conv]), b"", False
        if prec_applies and prec >= 0:
            zeropad = False
        out += _pad(body, sign + prefix, width, ladjust, zeropad, limit + 1 - len(out))
    if len(out) > limit:
        del out[limit:]
        bounds.note("output", f"printf: output truncated to {limit} bytes")
    return bytes(out)


def _read_int(args: VarArgs, size: int, signed: bool) -> int:
    """Read with C's default promotions: char and short travel as int, then get truncated."""
    if size >= 4:
        return args.next_int(size, signed)
    value = args.next_int(4, signed) & ((1 << (8 * size)) - 1)
    if signed and value >> (8 * size - 1):
        value -= 1 << (8 * size)
    return value


def _number(value: int, base: int, prec: int, upper: bool = False) -> bytes:
    if value == 0 and prec == 0:
        return b""
    body = _digits(value, base, upper)
    if prec > len(body):
        body = b"0" * (prec - len(body)) + body
    return body


def _pad(body: bytes, prefix: bytes, width: int, ladjust: bool, zeropad: bool, room: int) -> bytes:
    """`body` with its sign/prefix, padded to `width`; never much longer than `room` (the
    output is cut there anyway, so padding beyond it is not built)."""
    fill = min(width - len(body) - len(prefix), max(room, 0))
    if fill <= 0:
        return prefix + body
    if ladjust:
        return prefix + body + b" " * fill
    if zeropad:
        return prefix + b"0" * fill + body
    return b" " * fill + prefix + body
