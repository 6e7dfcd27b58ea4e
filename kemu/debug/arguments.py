"""Argument forms several commands share: number lists (`delete 1 3-5`) and repeat counts.

`delete`, `disable`, `enable` and `undisplay` all take gdb's number lists, with gdb's wording
when one is not a number; `stepi`/`next`/… take a count that may be any expression.
"""
from __future__ import annotations

import re

from kemu.debug.commands import CommandError
from kemu.debug.expr import Evaluator


def parse_numbers(args: str) -> list[int]:
    """`1 2`, `1,2`, `3-5` → [1, 2] / [1, 2] / [3, 4, 5]; CommandError for anything else."""
    out = []
    for tok in args.replace(",", " ").split():
        m = re.fullmatch(r"(\d+)-(\d+)", tok)
        if m:
            out.extend(range(int(m.group(1)), int(m.group(2)) + 1))
        elif tok.isdigit():
            out.append(int(tok))
        else:
            raise CommandError("Convenience variable must have integer value.\n"
                               "Args must be numbers or '$' variables.")
    return out


def parse_count(args: str, evaluator: Evaluator) -> int:
    """The repeat count of a stepping command: 1 when absent, at least 1 otherwise."""
    if not args:
        return 1
    v = evaluator.evaluate(args).value
    if v < 1:
        raise CommandError(f"Invalid count {v}.")
    return v
