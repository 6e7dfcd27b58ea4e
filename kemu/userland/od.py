"""od(1): dump a device (or any byte source) in the formats POSIX specifies.

`od -A d -t u4 -N 40 /dev/fibo0` is how a user of any of kemu's systems looks at what a driver hands out. The
options are POSIX's (`-A d|o|x|n`, `-j skip`, `-N count`, `-t type` repeatable, `-v`) plus the
traditional letters (`-b -c -d -o -s -x`). The layout is the one GNU od prints, column for column
(addresses of 7 octal/decimal or 6 hex digits, 16 bytes a line, every `-t` type on its own line
with fields padded so the columns of all types line up, `*` for repeated lines), so it can be
checked against a real od.

A character device need not end: fibo never returns end of file. Lines are written as they are
read (a long dump starts at once), and `-N count` reads exactly `count` bytes from the device.
Without `-N`, od reads at most `UNBOUNDED_LIMIT` bytes and then stops with an error telling the
user to give `-N`, rather than spinning forever in a script.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Callable, Protocol, TextIO

from .getopt import getopt

BYTES_PER_LINE = 16
UNBOUNDED_LIMIT = 1 << 20
READ_CHUNK = 4096

_ASCII_NAMES = ("nul soh stx etx eot enq ack bel bs ht nl vt ff cr so si dle dc1 dc2 dc3 dc4 nak syn "
                "etb can em sub esc fs gs rs us sp").split()
_C_ESCAPES = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}


class ByteSource(Protocol):
    def read(self, n: int) -> bytes: ...
    def close(self) -> None: ...


class OdError(Exception):
    """A failure od reports as `od: <message>` with exit status 1."""


Opener = Callable[[str], ByteSource]


@dataclass(frozen=True)
class OutputType:
    """One `-t` type: its letter, element size in bytes and printed field width."""
    letter: str       # a c d o u x
    size: int
    width: int

    def fields(self, block: bytes) -> list[str]:
        """Each element of a (zero-padded, whole) block rendered without padding."""
        if self.letter in "ac":
            return [self._char(b) for b in block]
        code = {1: "B", 2: "H", 4: "I", 8: "Q"}[self.size]
        if self.letter == "d":
            code = code.lower()
        values = struct.unpack(f"<{len(block) // self.size}{code}", block)
        if self.letter == "o":
            return [format(v, "o").zfill(self.width) for v in values]
        if self.letter == "x":
            return [format(v, "x").zfill(self.width) for v in values]
        return [str(v) for v in values]

    def _char(self, byte: int) -> str:
        if self.letter == "a":
            b = byte & 0x7F
            if b <= 0x20:
                return _ASCII_NAMES[b]
            return "del" if b == 0x7F else chr(b)
        if byte in _C_ESCAPES:
            return _C_ESCAPES[byte]
        if 0x20 <= byte < 0x7F:
            return chr(byte)
        return format(byte, "03o")


_SIZE_LETTERS = {"C": 1, "S": 2, "I": 4, "L": 8}
_WIDTHS = {
    "d": {1: 4, 2: 6, 4: 11, 8: 20},
    "u": {1: 3, 2: 5, 4: 10, 8: 20},
    "o": {1: 3, 2: 6, 4: 11, 8: 22},
    "x": {1: 2, 2: 4, 4: 8, 8: 16},
}


def parse_types(spec: str, long_size: int) -> list[OutputType]:
    """A `-t` argument such as "u4", "x1u1", "dC" or "a" as its list of types."""
    sizes = dict(_SIZE_LETTERS, L=long_size)
    out: list[OutputType] = []
    i = 0
    while i < len(spec):
        letter = spec[i]
        i += 1
        if letter in "ac":
            out.append(OutputType(letter, 1, 3))
            continue
        if letter == "f":
            raise OdError(f"invalid type string '{spec}': kemu's od has no floating-point types")
        if letter not in _WIDTHS:
            raise OdError(f"invalid character '{letter}' in type string '{spec}'")
        size = 4
        if i < len(spec) and spec[i] in sizes:
            size = sizes[spec[i]]
            i += 1
        elif i < len(spec) and spec[i].isdigit():
            j = i
            while j < len(spec) and spec[j].isdigit():
                j += 1
            size = int(spec[i:j])
            i = j
            if size not in _WIDTHS[letter]:
                raise OdError(f"invalid type string '{spec}';\nthis system doesn't provide a {size}-byte integral type")
        out.append(OutputType(letter, size, _WIDTHS[letter][size]))
    return out


_COUNT = re.compile(r"(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([bkm]?)")


def parse_count(text: str, option: str) -> int:
    """A -j/-N number: decimal, 0x hex or 0 octal, optionally times b (512), k (1024) or m (1 MiB)."""
    match = _COUNT.fullmatch(text)
    if not match:
        raise OdError(f"invalid -{option} argument '{text}'")
    digits, suffix = match.groups()
    if digits[:2].lower() == "0x":
        value = int(digits[2:], 16)
    else:
        value = int(digits, 8 if digits.startswith("0") else 10)
    return value * {"": 1, "b": 512, "k": 1024, "m": 1 << 20}[suffix]


_ADDRESS_FORMATS = {"o": ("o", 7), "d": ("d", 7), "x": ("x", 6), "n": (None, 0)}


class Od:
    """The line layout of one od invocation: addresses, one line per `-t` type, `*` for
    repeats. `lines(block)` formats whole 16-byte lines as they arrive, so output streams;
    `finish(tail)` formats the last, short line and the closing address."""

    def __init__(self, types: list[OutputType], radix: str, skip: int, verbose: bool):
        self.types = types
        self.radix = radix
        self.verbose = verbose
        self.offset = skip                 # input offset of the next byte to format
        widths = [(t.width + 1) * (BYTES_PER_LINE // t.size) for t in types]
        self.line_width = max(widths)
        self.pads = [self.line_width - t.width * (BYTES_PER_LINE // t.size) for t in types]
        self._previous: bytes | None = None
        self._starred = False

    def address(self, offset: int) -> str:
        fmt, width = _ADDRESS_FORMATS[self.radix]
        return format(offset, fmt).zfill(width) if fmt else ""

    def lines(self, data: bytes) -> list[str]:
        """Output lines for `data` (a whole number of lines unless it is the input's end)."""
        lines: list[str] = []
        blank_address = " " * len(self.address(0))
        for pos in range(0, len(data), BYTES_PER_LINE):
            block = data[pos:pos + BYTES_PER_LINE]
            at = self.offset
            self.offset += len(block)
            if not self.verbose and self._previous == block and len(block) == BYTES_PER_LINE:
                if not self._starred:
                    lines.append("*")
                    self._starred = True
                continue
            self._previous, self._starred = block, False
            padded = block + bytes(BYTES_PER_LINE - len(block))
            for n, (otype, pad) in enumerate(zip(self.types, self.pads)):
                prefix = self.address(at) if n == 0 else blank_address
                lines.append(prefix + self._fields(otype, pad, padded, len(block)))
        return lines

    def finish(self, tail: bytes) -> list[str]:
        """The last (possibly short) line and the address after the last byte."""
        lines = self.lines(tail)
        if self.radix != "n":
            lines.append(self.address(self.offset))
        return lines

    def format(self, data: bytes) -> list[str]:
        """All output lines for `data` at once (from the skip offset given at construction)."""
        whole = len(data) - len(data) % BYTES_PER_LINE
        return self.lines(data[:whole]) + self.finish(data[whole:])

    @staticmethod
    def _fields(otype: OutputType, pad: int, block: bytes, nbytes: int) -> str:
        per_line = BYTES_PER_LINE // otype.size
        blank = (BYTES_PER_LINE - nbytes) // otype.size
        rendered = otype.fields(block)
        parts = []
        pad_remaining = pad
        for i in range(per_line, blank, -1):
            next_pad = pad * (i - 1) // per_line
            parts.append(rendered[per_line - i].rjust(pad_remaining - next_pad + otype.width))
            pad_remaining = next_pad
        return "".join(parts)


OPTSTRING = "A:j:N:t:vbcdosx"
USAGE = "usage: od [-bcdosxv] [-A d|o|x|n] [-j skip] [-N count] [-t type] file ..."


def run(argv: list[str], opener: Opener, out: TextIO, err: TextIO, long_size: int = 4,
        strerror: Callable[[Exception], str] = str) -> int:
    """`od` with argv (without argv[0]); `opener` opens a path for reading or raises.

    Output is written line by line as the input is read, so a long dump shows its first lines
    at once; with `-N` od reads exactly the bytes it needs (`-N 4` is one 4-byte read)."""
    parsed = getopt("od", argv, OPTSTRING)
    if parsed.error:
        err.write(parsed.error + "\n" + USAGE + "\n")
        return 1
    inputs = None
    try:
        types: list[OutputType] = []
        radix, skip, count, verbose = "o", 0, None, False
        legacy = {"b": "o1", "c": "c", "d": "u2", "o": "o2", "s": "d2", "x": "x2"}
        for letter, value in parsed.options:
            if letter == "A":
                if value not in _ADDRESS_FORMATS:
                    raise OdError(f"invalid output address radix '{value}'; it must be one character from [doxn]")
                radix = value
            elif letter == "j":
                skip = parse_count(value, "j")
            elif letter == "N":
                count = parse_count(value, "N")
            elif letter == "t":
                types += parse_types(value, long_size)
            elif letter == "v":
                verbose = True
            else:
                types += parse_types(legacy[letter], long_size)
        if not parsed.operands:
            raise OdError("no standard input to dump: name a file (od -N 16 /dev/fibo0) or redirect one")
        od = Od(types or parse_types("o2", long_size), radix, skip, verbose)
        inputs = ConcatenatedInput(parsed.operands, opener, err, strerror)
        _skip(inputs, skip)
        _dump(inputs, od, count, out)
    except OdError as exc:
        err.write(f"od: {exc}\n")
        return 1
    finally:
        if inputs is not None:
            inputs.close()
    return inputs.status


class ConcatenatedInput:
    """The operands read one after the other as one stream, as od reads them. A file that
    cannot be opened or read is reported (`od: path: error`, status 1) and skipped."""

    def __init__(self, paths: list[str], opener: Opener, err: TextIO,
                 strerror: Callable[[Exception], str]):
        self.paths = list(paths)
        self.opener, self.err, self.strerror = opener, err, strerror
        self.current: ByteSource | None = None
        self.path = ""
        self.status = 0

    def read(self, n: int) -> bytes:
        """Up to `n` bytes from the current input, moving to the next at its end; b"" when
        every input is exhausted."""
        while True:
            if self.current is None:
                if not self.paths:
                    return b""
                self.path = self.paths.pop(0)
                try:
                    self.current = self.opener(self.path)
                except Exception as exc:
                    self._failed(exc)
                    continue
            try:
                chunk = self.current.read(n)
            except Exception as exc:
                self._failed(exc)
                self.close()
                continue
            if chunk:
                return chunk
            self.close()

    def _failed(self, exc: Exception) -> None:
        self.err.write(f"od: {self.path}: {self.strerror(exc)}\n")
        self.status = 1

    def close(self) -> None:
        if self.current is not None:
            source, self.current = self.current, None
            source.close()


def _skip(inputs: ConcatenatedInput, skip: int) -> None:
    """Read and drop `skip` bytes (never more)."""
    done = 0
    while done < skip:
        chunk = inputs.read(min(READ_CHUNK, skip - done))
        if not chunk:
            raise OdError("cannot skip past end of combined input")
        done += len(chunk)


def _dump(inputs: ConcatenatedInput, od: Od, count: int | None, out: TextIO) -> None:
    """Read (at most `count` bytes) and write the lines as whole ones become available."""
    unbounded = UNBOUNDED_LIMIT          # read at call time, so tests can lower it
    limit = count if count is not None else unbounded
    pending = b""
    total = 0
    while total < limit:
        chunk = inputs.read(min(READ_CHUNK, limit - total))
        if not chunk:
            break
        total += len(chunk)
        pending += chunk
        whole = len(pending) - len(pending) % BYTES_PER_LINE
        if whole:
            text = "".join(line + "\n" for line in od.lines(pending[:whole]))
            pending = pending[whole:]
            out.write(text)
    if count is None and total >= limit:
        raise OdError(f"{inputs.path}: read {unbounded} bytes without reaching end of file; "
                      f"a device may never end: give -N count")
    out.write("".join(line + "\n" for line in od.finish(pending)))
