"""The strings a traced service call was given, captured when it was made and shown as strace does.

`printf(fmt=0xdca50008, ...)` says little; `printf(fmt="fibo: FIBONACCI driver loaded su"..., ...)`
says what the module did. Parameters declared `const char *` in a service's prototype are NUL-
terminated strings the service only reads, so their text is captured *at the call* (the module
may reuse the buffer a moment later) — but only while somebody watches the trace (an observer
such as `kemu trace`, or the debugger's panel): the generated trap handler tests one list and
otherwise pays nothing, and services without such parameters have no test at all.

A capture is `((param_index, bytes, truncated), ...)`: at most `limit` bytes of each string
(strace's `-s`, default 32); `truncated` when the string went on. NULL and unreadable pointers
are left out: the trace shows their value.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

#: strace's default -s: at most this many bytes of a string are shown
STRING_LIMIT = 32

StringCapture = tuple[tuple[int, bytes, bool], ...]

_ESCAPES = {0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}


def is_string_param(ctype: Any) -> bool:
    """Whether a parameter's type marks it as a string to show (`const char *`)."""
    return ctype.spelling == "const char *"


def make_capture(slots: Sequence[tuple[int, int]], trace: Any) -> Callable[[Sequence[int]], StringCapture]:
    """capture(raw_words) for a service whose string parameters are `(param_index, word_slot)`;
    reads through `trace.read_cstr(addr, limit)` (the machine's `mem.read_cstr`)."""
    slots = tuple(slots)

    def capture(words: Sequence[int]) -> StringCapture:
        limit = trace.string_limit
        read = trace.read_cstr
        out = []
        for index, slot in slots:
            addr = words[slot]
            if not addr or read is None:
                continue
            try:
                data = read(addr, limit + 1)
            except Exception:     # unmapped or out of range: the pointer alone is shown
                continue
            out.append((index, data[:limit], len(data) > limit))
        return tuple(out)

    return capture


def c_string_literal(data: bytes, truncated: bool = False) -> str:
    """`"fibo: loaded\\n"` as strace prints a string: C escapes for \\t \\n \\v \\f \\r, quote and
    backslash, octal for other non-printable bytes (three digits when a digit follows), and
    `...` after the closing quote when the string went on."""
    out = ['"']
    for i, b in enumerate(data):
        esc = _ESCAPES.get(b)
        if esc is not None:
            out.append(esc)
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            following = data[i + 1] if i + 1 < len(data) else None
            out.append(f"\\{b:03o}" if following is not None and 0x30 <= following <= 0x37 else f"\\{b:o}")
    out.append('"')
    if truncated:
        out.append("...")
    return "".join(out)
