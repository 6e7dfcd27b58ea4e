"""getopt(3) as the C libraries of kemu's systems parse command lines, for kemu's copies of
the real tools.

Python's `getopt` module differs in the details users see. BSD libc (NetBSD, FreeBSD) stops
at the first non-option, accepts `--`, and reports `prog: unknown option -- x` and
`prog: option requires an argument -- x` (lib/libc/stdlib/getopt.c). glibc (Linux) also takes
options after operands (it permutes argv, unless the option string starts with `+`) and says
`prog: invalid option -- 'x'` and `prog: option requires an argument -- 'x'`. `style` picks one.
"""
from __future__ import annotations

from kemu.intbits import to_signed
from kemu.record import Record

STYLES = ("bsd", "gnu")


class Parsed(Record, fields=("options", "operands", "error")):
    def __init__(self, options: list[tuple[str, str | None]] | None = None,
                 operands: list[str] | None = None, error: str | None = None) -> None:
        self.options = [] if options is None else options
        self.operands = [] if operands is None else operands
        self.error = error      # the message getopt printed, if it returned '?'


def getopt(prog: str, argv: list[str], optstring: str, style: str = "bsd") -> Parsed:
    """Parse `argv` (without argv[0]) against a getopt option string such as "dnvsA:Se:p:o:"."""
    if style not in STYLES:
        raise ValueError(f"unknown getopt style {style!r}: expected one of {', '.join(STYLES)}")
    permute = style == "gnu" and not optstring.startswith("+")
    optstring = optstring.lstrip("+")
    result = Parsed()
    operands: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            if not permute:
                break
            operands.append(arg)
            i += 1
            continue
        j = 1
        while j < len(arg):
            letter = arg[j]
            spec = optstring.find(letter) if letter != ":" else -1
            if spec < 0:
                result.error = (f"{prog}: invalid option -- '{letter}'" if style == "gnu"
                                else f"{prog}: unknown option -- {letter}")
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
                result.error = (f"{prog}: option requires an argument -- '{letter}'" if style == "gnu"
                                else f"{prog}: option requires an argument -- {letter}")
                return result
            result.options.append((letter, value))
            break
        i += 1
    result.operands = operands + argv[i:]
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
