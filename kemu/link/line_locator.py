"""`source_locator(obj, image)`: the machine's address -> file:line for one loaded module.

Every module a kernel places gets one (for `Machine.source_locators`, so oops reports say
`fibo.c:150`), but only a fault ever asks it anything. It lives apart from the DWARF line
reading (source_lines.py, which brings pyelftools' helpers and the line dataclasses with it) so
that placing a module imports none of that: the line table is read, and its module imported, on
the first address inside the image that someone asks about.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from kemu.elf import ObjectFile

    from .image import LinkedImage

SourceLocator = Callable[[int], "tuple[str, int] | None"]


def source_locator(obj: "ObjectFile", image: "LinkedImage") -> SourceLocator:
    """`fn(addr) -> (file, line) | None` for the module `obj` linked as `image`, for
    `Machine.source_locators`. Reads the line table on the first address inside the image;
    unreadable debug information (or none) makes every answer None."""
    lo, hi = image.base, image.base + image.size
    state: list = []          # [LineTable | None] once read

    def locate(addr: int) -> "tuple[str, int] | None":
        if not lo <= addr < hi:
            return None
        if not state:
            try:
                from .source_lines import line_table
                state.append(line_table(obj, image))
            except Exception:     # any defect in the debug sections: no lines, never a crash
                state.append(None)
        table = state[0]
        return None if table is None else table.locate(addr)

    return locate
