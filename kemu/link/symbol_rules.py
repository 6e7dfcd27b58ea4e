"""What both linkers (the small one, kemu.link.small, and the numpy one) hold true of symbols:
the GOT base's name and what a resolver may answer for a name.

Kept apart from got.py and resolve.py, the numpy linker's GOT planning and symbol tables, so
that a small object's link imports neither.
"""
from __future__ import annotations

from .errors import LinkError
from .layout import is_integer

GOT_SYMBOL = "_GLOBAL_OFFSET_TABLE_"


def checked_address(file: str, name: str, got: object, address_bits: int) -> int | None:
    """What a resolver returned for `name`, as an int address or None; LinkError for anything
    else (a bool, a float, a negative number, an address past the arch's address space)."""
    if got is None:
        return None
    if not is_integer(got) or not 0 <= int(got) < (1 << address_bits):
        raise LinkError(file, f"the resolver returned {got!r} for symbol '{name}', not an "
                              f"address in the {address_bits}-bit address space")
    return int(got)
