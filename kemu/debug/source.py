"""Source-level view of a linked module: address ↔ file:line, functions, and the source text.

Built from the object's DWARF (`.debug_line` rows and `DW_TAG_subprogram` ranges) as
`dwarf_load` reads it at the linked addresses. `step`/`next` ask `location(pc)` and
`is_statement_start(pc)`; `break fibo.c:57` asks `addresses_for_line`; `break fibo_read`
asks `after_prologue`; `list` asks `source_lines`. A module built without `-g` simply has
no SourceMap and the debugger stays at instruction level.
"""
from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from elftools.dwarf.dwarfinfo import DWARFInfo

from kemu.debug.dwarf_load import load_dwarf
from kemu.debug.dwarf_types import dwarf_text
from kemu.elf import ObjectFile
from kemu.link import LinkedImage
from kemu.link.source_lines import LineRow, LineTable, cu_line_tables


@dataclass(frozen=True)
class SourceLocation:
    file: str        # the path as the compiler recorded it (directory joined)
    line: int

    @property
    def basename(self) -> str:
        return os.path.basename(self.file)

    def __str__(self) -> str:
        return f"{self.basename}:{self.line}"


@dataclass(frozen=True)
class Function:
    name: str
    low: int
    high: int              # one past the last byte
    file: str | None
    line: int | None


@dataclass
class SourceMap:
    """Line table and functions of one module, at its linked addresses."""
    rows: list[LineRow]
    functions: list[Function]
    search_dirs: list[Path] = field(default_factory=list)
    _addrs: list[int] = field(init=False, repr=False)
    _table: LineTable = field(init=False, repr=False)
    _text_cache: dict[str, list[str] | None] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._table = LineTable(self.rows)     # sorts the rows (kemu.link.source_lines)
        self._addrs = self._table.addrs
        self.functions.sort(key=lambda f: f.low)

    # ---- construction ---------------------------------------------------------------
    @classmethod
    def from_object(cls, obj: ObjectFile, image: LinkedImage,
                    search_dirs: Iterable[Path] = ()) -> "SourceMap | None":
        """The SourceMap of `obj` linked as `image`; None without line info. Raises
        DwarfLoadError when its debug sections cannot be relocated."""
        dwarf = load_dwarf(obj, image)
        return None if dwarf is None else cls.from_dwarf(dwarf, search_dirs)

    @classmethod
    def from_dwarf(cls, dwarf: DWARFInfo, search_dirs: Iterable[Path] = ()) -> "SourceMap | None":
        """The SourceMap of DWARF already at linked addresses; None without line rows."""
        rows: list[LineRow] = []
        functions: list[Function] = []
        for unit in cu_line_tables(dwarf):      # the one line-table reader (kemu.link)
            rows += unit.rows
            for die in unit.cu.iter_DIEs():
                if die.tag != "DW_TAG_subprogram":
                    continue
                fn = _function(die, unit.files, unit.version)
                if fn is not None:
                    functions.append(fn)
        if not rows:
            return None
        return cls(rows, functions, list(search_dirs))

    # ---- address → source -----------------------------------------------------------
    def _row_index(self, addr: int) -> int | None:
        """Index of the row whose range holds addr: the last row at or below it, unless that ends a sequence."""
        return self._table.index(addr)

    def location(self, addr: int) -> SourceLocation | None:
        """The file:line whose code contains addr (None outside any line's range)."""
        i = self._row_index(addr)
        if i is None:
            return None
        row = self.rows[i]  # of several rows at one address, the last is the compiler's final word
        return SourceLocation(row.file, row.line)

    def is_statement_start(self, addr: int) -> bool:
        """True when addr is where a line's code begins (a row with is_stmt)."""
        i = bisect.bisect_left(self._addrs, addr)
        while i < len(self.rows) and self.rows[i].address == addr:
            r = self.rows[i]
            if r.is_stmt and not r.end_sequence:
                return True
            i += 1
        return False

    def function_at(self, addr: int) -> Function | None:
        for f in self.functions:
            if f.low <= addr < f.high:
                return f
        return None

    def function_named(self, name: str) -> Function | None:
        for f in self.functions:
            if f.name == name:
                return f
        return None

    def after_prologue(self, func: Function) -> int:
        """Where gdb puts `break FUNC`: the first line after the one that opens the function."""
        inside = [r for r in self.rows if func.low <= r.address < func.high and not r.end_sequence and r.is_stmt]
        if not inside:
            return func.low
        first_line = inside[0].line
        for r in inside[1:]:
            if r.address > func.low and r.line != first_line:
                return r.address
        return func.low

    # ---- source → address -----------------------------------------------------------
    def files(self) -> list[str]:
        return sorted({r.file for r in self.rows})

    def match_file(self, name: str) -> list[str]:
        """Files whose path ends with `name` at a path-component boundary."""
        out = []
        for f in self.files():
            if f == name or f.endswith("/" + name) or os.path.basename(f) == name:
                out.append(f)
        return out

    def addresses_for_line(self, file: str, line: int) -> tuple[int, list[int]]:
        """(the line actually used, addresses) for `break FILE:LINE`.

        Like gdb, a line without code moves to the next line that has some; one address per
        distinct block of that line (the lowest is_stmt address of each sequence run)."""
        candidates = [r for r in self.rows if r.file == file and r.is_stmt and not r.end_sequence]
        later = sorted({r.line for r in candidates if r.line >= line})
        if not later:
            return line, []
        use = later[0]
        addrs = sorted({r.address for r in candidates if r.line == use})
        # keep the first address of each function that holds the line
        picked: list[int] = []
        seen_funcs: set[int] = set()
        for a in addrs:
            f = self.function_at(a)
            key = f.low if f else a
            if key in seen_funcs:
                continue
            seen_funcs.add(key)
            picked.append(a)
        return use, picked

    def line_ranges(self, file: str, line: int) -> list[tuple[int, int]]:
        """Address ranges [lo, hi) whose code belongs to file:line."""
        out = []
        for i, r in enumerate(self.rows):
            if r.end_sequence or r.file != file or r.line != line:
                continue
            j = i + 1
            while j < len(self.rows) and self.rows[j].address == r.address:
                j += 1
            hi = self.rows[j].address if j < len(self.rows) else r.address + 1
            if hi > r.address:
                out.append((r.address, hi))
        return out

    # ---- source text ----------------------------------------------------------------
    def find_source(self, file: str) -> Path | None:
        """The source file on disk: as recorded, else found by trailing path in the search dirs."""
        p = Path(file)
        if p.is_file():
            return p
        parts = p.parts
        for d in self.search_dirs:
            for k in range(len(parts)):
                cand = d.joinpath(*parts[k:])
                if cand.is_file():
                    return cand
        for d in self.search_dirs:
            if d.is_dir():
                for cand in d.rglob(p.name):
                    if cand.is_file():
                        return cand
        return None

    def source_text(self, file: str) -> list[str] | None:
        if file not in self._text_cache:
            path = self.find_source(file)
            if path is None:
                self._text_cache[file] = None
            else:
                self._text_cache[file] = path.read_text(errors="replace").splitlines()
        return self._text_cache[file]


def _attr_str(die, name: str) -> str | None:
    a = die.attributes.get(name)
    return None if a is None else dwarf_text(a.value)


def _function(die, files: list[str], version: int) -> Function | None:
    low = die.attributes.get("DW_AT_low_pc")
    high = die.attributes.get("DW_AT_high_pc")
    if low is None or high is None:
        return None
    lo = low.value
    hi = high.value
    if high.form not in ("DW_FORM_addr",):
        hi = lo + hi
    name = _attr_str(die, "DW_AT_name")
    if name is None:
        origin = die.attributes.get("DW_AT_abstract_origin") or die.attributes.get("DW_AT_specification")
        if origin is not None:
            try:
                name = _attr_str(die.get_DIE_from_attribute(origin.name), "DW_AT_name")
            except Exception:
                name = None
    file = line = None
    fa = die.attributes.get("DW_AT_decl_file")
    if fa is not None:
        idx = fa.value if version >= 5 else fa.value - 1
        file = files[idx] if 0 <= idx < len(files) else None
    la = die.attributes.get("DW_AT_decl_line")
    if la is not None:
        line = la.value
    return Function(name or "??", lo, hi, file, line)
