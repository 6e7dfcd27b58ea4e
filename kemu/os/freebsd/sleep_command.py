"""sleep(1) on kemu's FreeBSD console: virtual time passes (callouts fire, `ticks` moves).

As FreeBSD 14's bin/sleep: each operand is a number with an optional unit (s, m, h, d), the
operands add up; anything else is refused with its usage line."""
from __future__ import annotations

import re

UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
USAGE = "usage: sleep number[unit] [...]\n"


def sleep(system, argv: list[str], out, err) -> int:
    if not argv:
        err.write(USAGE)
        return 1
    total = 0.0
    for word in argv:
        m = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)", word)
        if m is None:
            err.write(USAGE)
            return 1
        total += float(m.group(1)) * UNITS[m.group(2)]
    system.advance(total)
    return 0


SLEEP_COMMANDS = {"sleep": sleep}
