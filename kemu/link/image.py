"""The linked module: relocated bytes from `base`, where each section went, its symbol map.

Symbol-level views (`symbols`, `symbol_list`, `symbolize`) are built on first use: a large
module has tens of thousands of symbols and most callers only need the bytes and a few entries.
"""
from __future__ import annotations

import bisect
from functools import cached_property
from typing import TYPE_CHECKING, Sequence

from kemu.elf import ObjectFile
from kemu.elf.constants import (SHN_UNDEF, STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FILE,
                                STT_FUNC, STT_OBJECT, STT_SECTION)
from kemu.record import Record

from .errors import MissingSymbol
from .layout import Placement, Segment

if TYPE_CHECKING:
    import numpy as np

SYMBOL_TYPES = {0: "notype", STT_OBJECT: "object", STT_FUNC: "func", 5: "common", 6: "tls",
                10: "ifunc"}
SYMBOL_BINDS = {STB_LOCAL: "local", STB_GLOBAL: "global", STB_WEAK: "weak", 10: "unique"}


class ImageSymbol(Record, fields=("name", "addr", "size", "type", "bind", "index"), frozen=True):
    """A defined symbol of the module at its final address (type/bind as words: "func",
    "global" …). `index` is its symbol-table index in the input object."""

    def __init__(self, name: str, addr: int, size: int, type: str, bind: str,
                 index: int = 0) -> None:
        vars(self).update(name=name, addr=addr, size=size, type=type, bind=bind, index=index)


class LinkedImage(Record, fields=("arch", "base", "size", "bytes", "placements", "segments", "imports",
                                  "weak_unresolved", "got_addr", "name"), eq=False):
    """See docs/interfaces.md §2. `bytes` covers [base, base+size)."""

    def __init__(self, arch: str, base: int, size: int, bytes: bytearray,
                 placements: list[Placement], segments: list[Segment], imports: dict[str, int],
                 weak_unresolved: list[str], got_addr: int | None, name: str = "",
                 _obj: ObjectFile | None = None,
                 _sym_addr: np.ndarray | Sequence[int] | None = None,
                 _sym_size: np.ndarray | Sequence[int] | None = None,
                 _section_addr: np.ndarray | Sequence[int] | None = None,
                 _got_offset: np.ndarray | Sequence[int] | None = None) -> None:
        self.arch = arch
        self.base = base
        self.size = size
        self.bytes = bytes
        self.placements = placements
        self.segments = segments
        self.imports = imports
        self.weak_unresolved = weak_unresolved
        self.got_addr = got_addr
        self.name = name
        # Per-symbol-index state of the link, for relocate_section_bytes and the symbol views
        # (not shown): numpy arrays, or lists for an object linked without numpy (kemu.link.small)
        self._obj = _obj
        self._sym_addr = _sym_addr
        self._sym_size = _sym_size
        self._section_addr = _section_addr
        self._got_offset = _got_offset

    # -- sections ------------------------------------------------------------------------
    @cached_property
    def section_addresses(self) -> dict[str, int]:
        """Section name → address for every placement (first of any duplicate name), the
        form `gdb add-symbol-file -s NAME ADDR` takes."""
        out: dict[str, int] = {}
        for p in self.placements:
            out.setdefault(p.name, p.addr)
        return out

    def placement_of(self, addr: int) -> Placement | None:
        """The placement containing `addr`, or None."""
        for p in self.placements:
            if p.addr <= addr < p.end:
                return p
        return None

    def section_address(self, index: int) -> int:
        """Final address of input section `index` (0 for sections outside the image)."""
        assert self._section_addr is not None
        return int(self._section_addr[index])

    def read(self, addr: int, size: int) -> bytes:
        """Bytes of the image at an absolute address."""
        off = addr - self.base
        if off < 0 or off + size > self.size:
            raise ValueError(f"[{addr:#x}, {addr + size:#x}) lies outside the image "
                             f"[{self.base:#x}, {self.base + self.size:#x})")
        return bytes(self.bytes[off:off + size])

    # -- symbols -------------------------------------------------------------------------
    @cached_property
    def symbol_list(self) -> list[ImageSymbol]:
        """Every named defined symbol (not section or file symbols), in symbol-table order."""
        obj = self._obj
        if obj is None:
            return []
        if obj.small:
            return self._symbol_list_from_rows(obj)
        import numpy as np
        st = obj.symtab
        kinds = (st["info"] & 0xF)
        wanted = np.flatnonzero((st["shndx"] != SHN_UNDEF) & (kinds != STT_SECTION)
                                & (kinds != STT_FILE) & (st["name"] != 0))
        out = []
        addr, size = self._sym_addr, self._sym_size
        for i in wanted.tolist():
            info = int(st["info"][i])
            out.append(ImageSymbol(obj.symbol_name(i), int(addr[i]), int(size[i]),
                                   SYMBOL_TYPES.get(info & 0xF, str(info & 0xF)),
                                   SYMBOL_BINDS.get(info >> 4, str(info >> 4)), i))
        return out

    def _symbol_list_from_rows(self, obj: ObjectFile) -> list[ImageSymbol]:
        """`symbol_list` of a small object (Python rows, the same selection and order)."""
        out = []
        addr, size = self._sym_addr, self._sym_size
        for i, (name, info, _other, shndx, _value, _size) in enumerate(obj.symbol_rows):
            kind = info & 0xF
            if shndx == SHN_UNDEF or kind in (STT_SECTION, STT_FILE) or name == 0:
                continue
            out.append(ImageSymbol(obj.symbol_name(i), int(addr[i]), int(size[i]),
                                   SYMBOL_TYPES.get(kind, str(kind)),
                                   SYMBOL_BINDS.get(info >> 4, str(info >> 4)), i))
        return out

    @cached_property
    def symbols(self) -> dict[str, int]:
        """Name → address of every defined symbol. Global and weak definitions win over
        locals of the same name; among locals the first wins."""
        out: dict[str, int] = {}
        for s in self.symbol_list:
            if s.bind != "local":
                out[s.name] = s.addr
        for s in self.symbol_list:
            out.setdefault(s.name, s.addr)
        return out

    def entry(self, name: str) -> int:
        """Address of a defined symbol (function, object or untyped; never a section or file
        marker); MissingSymbol (a LinkError and a KeyError) saying why there is none."""
        addr = self.symbols.get(name)
        if addr is None:
            raise MissingSymbol(self.name or "module", name, self._why_undefined(name))
        return addr

    def _why_undefined(self, name: str) -> str:
        obj = self._obj
        if obj is None or not name:
            return "the module defines no such symbol"
        kinds = set()
        names = obj._symbols.all_names()
        for i in (i for i, n in enumerate(names) if n == name):
            symbol = obj.symbol(i)
            if symbol.type in (STT_SECTION, STT_FILE):
                kinds.add("a section symbol (STT_SECTION)" if symbol.type == STT_SECTION
                          else "a file symbol (STT_FILE)")
            elif symbol.undefined:
                kinds.add("an undefined reference")
        if kinds:
            return f"the only symbols of that name are {' and '.join(sorted(kinds))}"
        return "the module defines no such symbol"

    @cached_property
    def _sorted(self) -> tuple[list[int], list[ImageSymbol]]:
        rank = {"func": 0, "object": 1}
        inside = [s for s in self.symbol_list if self.base <= s.addr < self.base + self.size]
        inside.sort(key=lambda s: (s.addr, s.bind == "local", rank.get(s.type, 2)))
        starts, syms = [], []
        for s in inside:
            if starts and starts[-1] == s.addr:
                continue
            starts.append(s.addr)
            syms.append(s)
        return starts, syms

    def symbolize(self, addr: int) -> tuple[str, int] | None:
        """(symbol, offset) for an address in the image (the nearest symbol at or below it in
        the same placement), or (import, 0) for an address the resolver supplied."""
        if self.base <= addr < self.base + self.size:
            starts, syms = self._sorted
            k = bisect.bisect_right(starts, addr) - 1
            if k >= 0:
                sym = syms[k]
                home = self.placement_of(sym.addr)
                if home is not None and home.addr <= addr < max(home.end, sym.addr + 1):
                    return sym.name, addr - sym.addr
            return None
        for name, where in self.imports.items():
            if where == addr:
                return name, 0
        return None
