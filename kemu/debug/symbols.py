"""What the debugger knows about loaded modules: symbols, sections, DWARF lines and unwind tables.

One `ModuleInfo` per module the debugger was told about (built from the linker's
`LinkedImage` and the object's bytes), gathered in a `SymbolIndex` that answers the questions
every command asks: which symbol holds this address, where is `fibo_read`, which module code
range is this pc in, what file:line is it.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from kemu.debug.dwarf_load import DwarfLoadError, load_dwarf
from kemu.debug.dwarf_scopes import FunctionScope, ScopeIndex, Variable
from kemu.debug.frames import UnwindTables
from kemu.debug.source import SourceLocation, SourceMap
from kemu.elf import ObjectFile
from kemu.link import LinkedImage


@dataclass(frozen=True)
class SymbolEntry:
    name: str
    addr: int
    size: int
    kind: str          # "func" | "object" | "other"
    module: str


@dataclass
class ModuleInfo:
    name: str
    path: str | None
    base: int
    size: int
    text_ranges: list[tuple[int, int]]
    section_addresses: dict[str, int]
    symbols: list[SymbolEntry]
    source: SourceMap | None = None
    scopes: ScopeIndex | None = None        # functions' parameters and locals, from DWARF


def _kind(t) -> str:
    s = str(t).lower()
    if "func" in s:
        return "func"
    if "object" in s or s in ("common", "tls"):
        return "object"
    return "other"


def module_info_from_image(name: str, image: LinkedImage, obj: ObjectFile | None, path: str | None,
                           unwind: UnwindTables, source_dirs: Iterable[Path] = (),
                           warn: Callable[[str], None] | None = None) -> ModuleInfo:
    """Build the debugger's view of a linked module (symbols, code ranges, DWARF, CFI).

    `obj` is the object the image was linked from (None: symbols only). When its debug
    information cannot be read at the linked addresses the module is still debugged at
    instruction level and `warn` is told why."""
    symbols = []
    for s in getattr(image, "symbol_list", []) or []:
        if not s.name:
            continue
        symbols.append(SymbolEntry(s.name, s.addr, int(getattr(s, "size", 0) or 0), _kind(getattr(s, "type", "")), name))
    if not symbols:
        for sname, addr in getattr(image, "symbols", {}).items():
            symbols.append(SymbolEntry(sname, addr, 0, "other", name))
    text_ranges = []
    for p in getattr(image, "placements", []) or []:
        if getattr(p, "kind", "") == "text" and p.size:
            text_ranges.append((p.addr, p.addr + p.size))
    section_addresses = dict(getattr(image, "section_addresses", {}) or {})
    if not section_addresses:
        section_addresses = {p.name: p.addr for p in getattr(image, "placements", []) or []}
    info = ModuleInfo(name, path, image.base, image.size, sorted(text_ranges), section_addresses, symbols)
    if obj is not None:
        dirs = list(source_dirs)
        if path:
            dirs.insert(0, Path(path).resolve().parent)
        try:
            info.source, info.scopes = _read_debug_info(obj, image, unwind, dirs)
        except DwarfLoadError as exc:
            if warn is not None:
                warn(f"kemu: {exc}; debugging {name} without source lines")
    return info


def _read_debug_info(obj: ObjectFile, image: LinkedImage, unwind: UnwindTables,
                     dirs: list[Path]) -> tuple[SourceMap | None, ScopeIndex | None]:
    """The module's line table and variable scopes, after adding its CFI to `unwind`;
    (None, None) without DWARF."""
    dwarf = load_dwarf(obj, image)
    if dwarf is None:
        return None, None
    unwind.add_from_dwarf(dwarf)
    try:
        return SourceMap.from_dwarf(dwarf, dirs), ScopeIndex(dwarf, 8 if obj.elfclass == 64 else 4)
    except Exception as exc:  # pyelftools reports damaged DWARF with many exception types
        raise DwarfLoadError(f"{obj.name}: unreadable debug information: "
                             f"{type(exc).__name__}: {exc}") from None


@dataclass
class SymbolIndex:
    """All symbols the debugger can name, module symbols first, then kernel ones."""
    modules: list[ModuleInfo] = field(default_factory=list)
    kernel_lookup: Callable[[str], int | None] | None = None
    kernel_symbolize: Callable[[int], tuple[str, int] | None] | None = None
    _by_addr: list[SymbolEntry] = field(default_factory=list)
    _addrs: list[int] = field(default_factory=list)

    def add(self, info: ModuleInfo) -> None:
        self.modules = [m for m in self.modules if m.name != info.name] + [info]
        self._reindex()

    def remove(self, name: str) -> None:
        self.modules = [m for m in self.modules if m.name != name]
        self._reindex()

    def _reindex(self) -> None:
        entries = [s for m in self.modules for s in m.symbols if s.kind in ("func", "object")]
        entries.sort(key=lambda s: (s.addr, s.kind != "func", -s.size))
        self._by_addr = entries
        self._addrs = [s.addr for s in entries]

    # ---- name → address -------------------------------------------------------------
    def lookup(self, name: str) -> SymbolEntry | None:
        for m in reversed(self.modules):
            glob = None
            for s in m.symbols:
                if s.name == name and s.kind in ("func", "object"):
                    return s
                if s.name == name and glob is None:
                    glob = s
            if glob is not None:
                return glob
        if self.kernel_lookup is not None:
            addr = self.kernel_lookup(name)
            if addr is not None:
                return SymbolEntry(name, addr, 0, "func", "kernel")
        return None

    # ---- address → name -------------------------------------------------------------
    def symbolize(self, addr: int) -> tuple[str, int] | None:
        """(name, offset) of the module symbol containing addr, or of a kernel symbol."""
        i = bisect.bisect_right(self._addrs, addr) - 1
        while i >= 0:
            s = self._by_addr[i]
            if s.addr <= addr and (addr < s.addr + s.size or (s.size == 0 and addr == s.addr)):
                return s.name, addr - s.addr
            if s.addr < addr and s.size == 0:
                break
            if addr - s.addr > 0x100000:
                break
            i -= 1
        # a function without size: nearest preceding function in the same module code range
        m = self.module_at(addr) if self.in_module_code(addr) else None
        if m is not None:
            j = bisect.bisect_right(self._addrs, addr) - 1
            while j >= 0:
                s = self._by_addr[j]
                if s.module == m.name and s.kind == "func":
                    return s.name, addr - s.addr
                j -= 1
        if self.kernel_symbolize is not None:
            return self.kernel_symbolize(addr)
        return None

    def label(self, addr: int) -> str | None:
        hit = self.symbolize(addr)
        if hit is None:
            return None
        name, off = hit
        return name if off == 0 else f"{name}+{off}"

    def function_name(self, addr: int) -> str | None:
        """The name of the symbol containing addr (module or kernel), without offset."""
        hit = self.symbolize(addr)
        return hit[0] if hit else None

    def function_start(self, addr: int) -> int | None:
        hit = self.symbolize(addr)
        return None if hit is None else addr - hit[1]

    def module_at(self, addr: int) -> ModuleInfo | None:
        for m in self.modules:
            if m.base <= addr < m.base + m.size:
                return m
        return None

    def in_module_code(self, addr: int) -> bool:
        m = self.module_at(addr)
        if m is None:
            return False
        if not m.text_ranges:
            return True
        return any(lo <= addr < hi for lo, hi in m.text_ranges)

    # ---- source ---------------------------------------------------------------------
    def source_for(self, addr: int) -> SourceMap | None:
        m = self.module_at(addr)
        return m.source if m is not None else None

    def location(self, addr: int) -> SourceLocation | None:
        sm = self.source_for(addr)
        return sm.location(addr) if sm is not None else None

    def function_scope(self, pc: int) -> FunctionScope | None:
        """The DWARF scope (parameters, locals) of the function holding pc; None without one."""
        m = self.module_at(pc)
        return m.scopes.function_at(pc) if m is not None and m.scopes is not None else None

    def global_variable(self, name: str) -> Variable | None:
        """A global or static variable some module's DWARF describes, newest module first."""
        for m in reversed(self.modules):
            if m.scopes is not None:
                v = m.scopes.global_named(name)
                if v is not None:
                    return v
        return None

    def module_label(self, addr: int) -> str | None:
        """`sym+off` only for an address inside a module: how a data pointer is annotated, as
        gdb knows only the module's symbols (a kernel heap address stays a bare number)."""
        return self.label(addr) if self.module_at(addr) is not None else None

    def source_maps(self) -> list[SourceMap]:
        return [m.source for m in self.modules if m.source is not None]

    def source_lines(self, file: str) -> list[str] | None:
        """The text of a source file some module's line table names, as lines; None if unknown
        or not found on disk."""
        for sm in self.source_maps():
            if file in sm.files():
                return sm.source_text(file)
        return None

    def source_line(self, file: str, line: int) -> str | None:
        lines = self.source_lines(file)
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1]
