"""BSD getopt(3), as NetBSD's libc parses command lines, for kemu's copies of the real tools.

Python's `getopt` module differs in the details users see: NetBSD stops at the first non-option
(no GNU permutation), accepts `--`, and reports `prog: unknown option -- x` and
`prog: option requires an argument -- x` on stderr. Those texts are NetBSD's (lib/libc/stdlib/getopt.c).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kemu.intbits import to_signed


@dataclass
class Parsed:
    options: list[tuple[str, str | None]] = field(default_factory=list)
    operands: list[str] = field(default_factory=list)
    error: str | None = None       # the message getopt printed, if it returned '?'


def getopt(prog: str, argv: list[str], optstring: str) -> Parsed:
    """Parse `argv` (without argv[0]) against a getopt option string such as "dnvsA:Se:p:o:"."""
    result = Parsed()
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        j = 1
        while j < len(arg):
            letter = arg[j]
            spec = optstring.find(letter) if letter != ":" else -1
            if spec < 0:
                result.error = f"{prog}: unknown option -- {letter}"
                return result
            takes_arg = spec + 1 < len(optstring) and optstring[spec + 1] == ":"
            if not takes_arg:
                result.options.append((letter, None))
                j += 1
                continue
            if j + 1 < len(arg):
                value = arg[j + 1:]
            elif i + 1 < len(argv):
                i += 1
                value = argv[i]
            else:
                result.error = f"{prog}: option requires an argument -- {letter}"
                return result
            result.options.append((letter, value))
            break
        i += 1
    result.operands = argv[i:]
    return result


def atoi(text: str) -> int:
    """C atoi: optional blanks and sign, then leading digits; anything else stops it (and "" is 0)."""
    s = text.lstrip(" \t\n\v\f\r")
    sign = 1
    if s[:1] in "+-" and s:
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    digits = ""
    for ch in s:
        if not ch.isdigit() or not ch.isascii():
            break
        digits += ch
    value = sign * int(digits) if digits else 0
    # C int wraps at 32 bits; keep the same result for absurd inputs.
    return to_signed(value, 32)
