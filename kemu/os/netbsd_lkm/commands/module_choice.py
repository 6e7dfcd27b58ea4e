"""`-i <module id>` / `-n <module name>`: how modstat and modunload name a module."""
from __future__ import annotations

from ..getopt import Parsed, atoi


def module_choice(parsed: Parsed) -> tuple[int, str | None]:
    """(id, name) from the parsed options: -1 without -i (atoi's value with it, as the BSD
    tools), None without -n; a later option of the same letter wins."""
    modnum, modname = -1, None
    for letter, value in parsed.options:
        if letter == "i":
            modnum = atoi(value)
        else:
            modname = value
    return modnum, modname
