"""Address → source line of a linked module, from its `.debug_line`.

One reading of DWARF line tables for all of kemu: the debugger's `SourceMap` (kemu.debug)
builds on `cu_line_tables` and `LineTable`, and `source_locator(obj, image)` gives the
machine's oops reports `fibo.c:150` for a faulting pc. The locator is lazy: nothing is read
until the first address inside the module is asked about (an oops), and a module whose
debug information cannot be read simply has no lines.
"""
from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from kemu.elf import ObjectFile

from .dwarf_image import dwarf_text, load_dwarf
from .image import LinkedImage

if TYPE_CHECKING:
    from elftools.dwarf.dwarfinfo import DWARFInfo

SourceLocator = Callable[[int], "tuple[str, int] | None"]


@dataclass(frozen=True)
class LineRow:
    """One row of a line program: code from `address` on belongs to file:line."""

    address: int
    file: str
    line: int
    is_stmt: bool
    end_sequence: bool


@dataclass
class CuLines:
    """The line rows of one compilation unit, with its file table (for DW_AT_decl_file)."""

    cu: object               # pyelftools CompileUnit
    files: list[str]
    version: int             # of the line program (file indexes are 0-based from 5 on)
    rows: list[LineRow]


def file_names(prog, comp_dir: str) -> list[str]:
    """The line program's file table as paths (directory joined, relative to comp_dir)."""
    dirs = [dwarf_text(d) for d in prog["include_directory"]]
    out = []
    v5 = prog["version"] >= 5
    for fe in prog["file_entry"]:
        name = dwarf_text(fe.name)
        d = fe.dir_index
        if v5:
            base = dirs[d] if 0 <= d < len(dirs) else comp_dir
        else:
            base = comp_dir if d == 0 else (dirs[d - 1] if 0 < d <= len(dirs) else comp_dir)
        if not os.path.isabs(base) and comp_dir:
            base = os.path.join(comp_dir, base)
        out.append(os.path.normpath(os.path.join(base, name)) if not os.path.isabs(name) else name)
    return out


def cu_line_tables(dwarf: "DWARFInfo") -> list[CuLines]:
    """Every compilation unit's line rows, at the addresses the DWARF holds."""
    out = []
    for cu in dwarf.iter_CUs():
        top = cu.get_top_DIE()
        a = top.attributes.get("DW_AT_comp_dir")
        comp_dir = "" if a is None else dwarf_text(a.value)
        prog = dwarf.line_program_for_CU(cu)
        if prog is None:
            out.append(CuLines(cu, [], 4, []))
            continue
        files = file_names(prog, comp_dir)
        version = prog["version"]
        rows = []
        for entry in prog.get_entries():
            st = entry.state
            if st is None:
                continue
            idx = st.file if version >= 5 else st.file - 1
            fname = files[idx] if 0 <= idx < len(files) else "??"
            rows.append(LineRow(st.address, fname, st.line, bool(st.is_stmt), bool(st.end_sequence)))
        out.append(CuLines(cu, files, version, rows))
    return out


class LineTable:
    """Rows sorted by address (a sequence's end before what starts at the same address) and
    the lookup of the row whose range holds an address."""

    def __init__(self, rows: list[LineRow]) -> None:
        rows.sort(key=lambda r: (r.address, r.end_sequence is False))
        self.rows = rows
        self.addrs = [r.address for r in rows]

    def index(self, addr: int) -> int | None:
        """Index of the last row at or below `addr`, unless that row ends a sequence."""
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0 or self.rows[i].end_sequence:
            return None
        return i

    def locate(self, addr: int) -> "tuple[str, int] | None":
        """(file, line) of the code at `addr` (of several rows at one address, the last)."""
        i = self.index(addr)
        if i is None:
            return None
        row = self.rows[i]
        return (row.file, row.line)


def line_table(obj: ObjectFile, image: LinkedImage) -> LineTable | None:
    """The object's line table at its linked addresses; None without line information.
    Raises DwarfLoadError when the debug sections cannot be relocated or decoded."""
    dwarf = load_dwarf(obj, image)
    if dwarf is None:
        return None
    rows = [row for cu in cu_line_tables(dwarf) for row in cu.rows]
    bias = shared_object_bias(obj, image)
    if bias:
        rows = [replace(row, address=row.address + bias) for row in rows]
    return LineTable(rows) if rows else None


def shared_object_bias(obj: ObjectFile, image: LinkedImage) -> int:
    """What to add to a shared object's (ET_DYN: FreeBSD's i386 klds) DWARF addresses — its
    virtual addresses, which no relocation moves — to get where the image put them; 0 for a
    relocatable object, whose debug sections the linker relocated to the final addresses."""
    if not getattr(obj, "shared", False):
        return 0
    for p in image.placements:
        if 0 < p.index < len(obj.sections):
            return p.addr - obj.sections[p.index].addr
    return 0


def source_locator(obj: ObjectFile, image: LinkedImage) -> SourceLocator:
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
                state.append(line_table(obj, image))
            except Exception:     # any defect in the debug sections: no lines, never a crash
                state.append(None)
        table = state[0]
        return None if table is None else table.locate(addr)

    return locate
