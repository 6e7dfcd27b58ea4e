"""`ObjectFile`: a fully validated ELF relocatable object (ET_REL) or shared object (ET_DYN, as
FreeBSD builds i386 klds), i386 or x86-64.

`parse` checks every header, index, offset and size before anything above trusts them, so the
linker can index the arrays it is handed without re-checking (except relocation field widths,
which only the linker knows). Per-symbol Python objects are built only when asked for.

An ET_DYN object additionally carries its program headers, its dynamic symbol table and the
relocation tables `.dynamic` names; its `symtab` is `.symtab` when present (locals included,
for symbolizing) and the dynamic symbol table otherwise. Section-header relocation tables and
groups are not read for it: a loader of shared objects does not use them.
"""
from __future__ import annotations

import os
from functools import cached_property

import numpy as np

from .constants import ET_DYN, ET_REL, SHT_NULL, STB_LOCAL, Arch
from .dynamic import DynamicInfo, read_dynamic
from .files import read_object_file
from .groups import read_groups
from .header import read_header
from .model import DynamicRelocations, ProgramHeader, RelocationTable, Section, SectionGroup, Symbol
from .program import ProgramTable
from .relocations import read_relocations
from .sections import SectionTable
from .source import Source
from .symbols import SymbolTable, find_symtab


class ObjectFile:
    """The reader's result; see docs/interfaces.md §1 for the contract."""

    name: str
    arch: Arch
    elfclass: int
    machine: int
    data: bytes
    sections: list[Section]
    symtab: np.ndarray
    relocations: list[RelocationTable]
    groups: list[SectionGroup]
    type: int                                   # ET_REL or ET_DYN
    program_headers: list[ProgramHeader]        # [] for ET_REL
    dynamic: DynamicInfo | None                 # None for ET_REL

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ObjectFile":
        """Read and validate the object at `path`: BadObject for anything that is not a regular
        file of sane size or not a valid object, OSError if it cannot be read."""
        return cls.parse(read_object_file(path), str(path))

    @classmethod
    def parse(cls, data: bytes | bytearray | memoryview, name: str = "<bytes>") -> "ObjectFile":
        """Validate `data` as an ET_REL or ET_DYN object; raises BadObject naming any defect."""
        self = cls.__new__(cls)
        src = Source(name, bytes(data))
        header = read_header(src)
        table = SectionTable(src, header)
        self.type = header.type
        self.program_headers = []
        self.dynamic = None
        if header.type == ET_DYN:
            program = ProgramTable(src, header)
            self.program_headers = program.headers
            self.dynamic = read_dynamic(table, program)
            own = find_symtab(table)
            symbols = SymbolTable(table, own) if own is not None else self.dynamic.symbols
        else:
            symbols = SymbolTable(table, find_symtab(table))
        self.name = name
        self.data = src.data
        self.arch = header.arch
        self.elfclass = header.elfclass
        self.machine = header.machine
        self.sections = table.sections
        self._symbols = symbols
        self.symtab = symbols.array
        if header.type == ET_REL:
            self.relocations = read_relocations(table, symbols)
            self.groups = read_groups(table, symbols)
        else:
            self.relocations = []
            self.groups = []
        self._by_section_name = {}
        for sec in reversed(self.sections[1:]):
            self._by_section_name[sec.name] = sec
        return self

    # -- shared objects (ET_DYN) --------------------------------------------------------
    @property
    def shared(self) -> bool:
        """True for an ET_DYN object (placed as a whole from its PT_LOAD segments)."""
        return self.type == ET_DYN

    @property
    def loads(self) -> list[ProgramHeader]:
        """The PT_LOAD segments in address order ([] for ET_REL)."""
        from .constants import PT_LOAD
        return [ph for ph in self.program_headers if ph.type == PT_LOAD]

    @property
    def dynsym(self) -> np.ndarray:
        """The dynamic symbol table (SYMTAB_DTYPE; empty for ET_REL)."""
        return self.dynamic.symbols.array if self.dynamic else np.zeros(0, self.symtab.dtype)

    def dynsym_name(self, index: int) -> str:
        """Name of dynamic symbol `index`."""
        assert self.dynamic is not None, "an ET_REL object has no dynamic symbols"
        return self.dynamic.symbols.name(index)

    @property
    def dynamic_relocations(self) -> list[DynamicRelocations]:
        """DT_REL, DT_RELA and DT_JMPREL tables ([] for ET_REL)."""
        return self.dynamic.relocations if self.dynamic else []

    def __repr__(self) -> str:
        kind = " ET_DYN" if self.shared else ""
        return (f"<ObjectFile {self.name} {self.arch} ELF{self.elfclass}{kind}: "
                f"{len(self.sections)} sections, {len(self.symtab)} symbols, "
                f"{sum(len(r) for r in self.relocations) + sum(len(r) for r in self.dynamic_relocations)}"
                f" relocations>")

    # -- sections --------------------------------------------------------------------
    def section_data(self, sec: Section | int) -> bytes:
        """The section's bytes from the file (b"" for NOBITS)."""
        return bytes(self.section_view(sec))

    def section_view(self, sec: Section | int) -> memoryview:
        """Zero-copy view of the section's bytes (empty for NOBITS)."""
        if isinstance(sec, int):
            sec = self.sections[sec]
        if sec.nobits or sec.index == 0 or sec.type == SHT_NULL:
            return memoryview(b"")
        return memoryview(self.data)[sec.offset:sec.offset + sec.size]

    def section_by_name(self, name: str) -> Section | None:
        """The first section with that name, or None."""
        return self._by_section_name.get(name)

    # -- symbols ---------------------------------------------------------------------
    @cached_property
    def symbols(self) -> list[Symbol]:
        """One `Symbol` per symbol table entry (built on first use)."""
        arr = self.symtab
        info = arr["info"]
        return list(map(Symbol, range(len(arr)), self._symbols.all_names(),
                        arr["value"].tolist(), arr["size"].tolist(), (info >> 4).tolist(),
                        (info & 0xF).tolist(), arr["shndx"].tolist(),
                        (arr["other"] & 3).tolist()))

    def symbol(self, index: int) -> Symbol:
        """One symbol, without building the whole `symbols` list."""
        if "symbols" in self.__dict__:
            return self.symbols[index]
        row = self.symtab[index]
        info = int(row["info"])
        return Symbol(index, self._symbols.name(index), int(row["value"]), int(row["size"]),
                      info >> 4, info & 0xF, int(row["shndx"]), int(row["other"]) & 3)

    def symbol_name(self, index: int) -> str:
        """Name of one symbol without building the whole `symbols` list."""
        return self._symbols.name(index)

    @cached_property
    def _global_by_name(self) -> dict[str, int]:
        names = self._symbols.all_names()
        nonlocal_ = np.flatnonzero((self.symtab["info"] >> 4) != STB_LOCAL).tolist()
        out: dict[str, int] = {}
        for i in nonlocal_:
            if names[i]:
                out.setdefault(names[i], i)
        return out

    def symbol_by_name(self, name: str) -> Symbol | None:
        """The first global or weak symbol (definition or reference) with that name."""
        i = self._global_by_name.get(name)
        return None if i is None else self.symbol(i)
