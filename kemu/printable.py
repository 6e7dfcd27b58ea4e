"""Names from object files and guest memory, made safe to print.

A symbol or section name is whatever bytes a file holds: a backspace, an escape sequence or a
bell in a name must never reach the user's terminal raw, where it could hide or rewrite the
rest of a message. Every layer that shows a name from a file or from the guest passes it
through `printable` (this module imports nothing of kemu, so every layer may use it).
"""
from __future__ import annotations

import functools
import re

# C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators and format
# characters a terminal would act on or hide (bidirectional overrides, zero-width joiners).
_UNSAFE = "\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff"
_UNSAFE_BUT_NEWLINE = "\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff"


@functools.cache
def _pattern(chars: str) -> re.Pattern:
    """The character class, compiled when a text first needs escaping (compiling these ranges
    cost every command's startup about a millisecond, and most texts never need it)."""
    return re.compile(f"[{chars}]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control or invisible character shown as an escape (`\\x08`, `\\u202e`)."""
    if text.isprintable():       # none of them (they are all outside Python's printable set)
        return text
    return _pattern(_UNSAFE).sub(_escape, text)


def printable_lines(text: str) -> str:
    """Like `printable`, but keeps newlines: for multi-line messages built by kemu itself."""
    if text.replace("\n", "").isprintable():
        return text
    return _pattern(_UNSAFE_BUT_NEWLINE).sub(_escape, text)
