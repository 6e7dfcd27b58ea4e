"""`ObjectFile`: a fully validated ELF relocatable object (ET_REL) or shared object (ET_DYN, as
FreeBSD builds i386 klds), i386 or x86-64.

`parse` checks every header, index, offset and size before anything above trusts them, so the
linker can index the arrays it is handed without re-checking (except relocation field widths,
which only the linker knows). Per-symbol Python objects are built only when asked for.

An ET_DYN object additionally carries its program headers, its dynamic symbol table and the
relocation tables `.dynamic` names; its `symtab` is `.symtab` when present (locals included,
for symbolizing) and the dynamic symbol table otherwise. Section-header relocation tables and
groups are not read for it: a loader of shared objects does not use them.

A small, plain ET_REL object is read without numpy (`rows`); its `symtab` and relocation
`entries` arrays are then built on first access. Everything else goes through the numpy
readers, imported only then.
"""
from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING

from .constants import ET_DYN, ET_REL, SHT_NULL, STB_LOCAL, Arch
from .files import read_object_file
from .header import read_header
from .model import Section, Symbol
from .rows import read_small
from .source import Source

if TYPE_CHECKING:
    import numpy as np

    from .dynamic import DynamicInfo
    from .tables import DynamicRelocations, ProgramHeader, RelocationTable, SectionGroup


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
        self.name = name
        self.data = src.data
        self.arch = header.arch
        self.elfclass = header.elfclass
        self.machine = header.machine
        self.type = header.type
        self.program_headers = []
        self.dynamic = None
        small = read_small(src, header)
        if small is not None:
            self.sections = small.sections
            self._symbols = small.symbols
            self._small_relocations = small.relocations
            self.groups = []
        else:
            self._read_with_numpy(src, header)
        self._by_section_name = {}
        for sec in reversed(self.sections[1:]):
            self._by_section_name[sec.name] = sec
        return self

    def _read_with_numpy(self, src: Source, header) -> None:
        """The full reader: any size, SHN_XINDEX, groups, ET_DYN; names every defect."""
        from .dynamic import read_dynamic
        from .groups import read_groups
        from .program import ProgramTable
        from .relocations import read_relocations
        from .sections import SectionTable
        from .symbols import SymbolTable, find_symtab
        self._small_relocations = None
        table = SectionTable(src, header)
        if header.type == ET_DYN:
            program = ProgramTable(src, header)
            self.program_headers = program.headers
            self.dynamic = read_dynamic(table, program)
            own = find_symtab(table)
            symbols = SymbolTable(table, own) if own is not None else self.dynamic.symbols
        else:
            symbols = SymbolTable(table, find_symtab(table))
        self.sections = table.sections
        self._symbols = symbols
        self.symtab = symbols.array
        if header.type == ET_REL:
            self.relocations = read_relocations(table, symbols)
            self.groups = read_groups(table, symbols)
        else:
            self.relocations = []
            self.groups = []

    # -- the numpy views of a small object, built when first asked for -------------------
    @property
    def small(self) -> bool:
        """True when the object was read into Python rows (`kemu.elf.rows`), without numpy."""
        return self.__dict__.get("_small_relocations") is not None

    @property
    def symbol_rows(self) -> list[tuple[int, int, int, int, int, int]]:
        """The symbol table as rows (name, info, other, shndx, value, size) of a small object."""
        assert self.small, "only a small object keeps its symbols as rows"
        return self._symbols.rows

    @property
    def relocation_rows(self):
        """The relocation tables (`rows.RowRelocations`) of a small object."""
        assert self.small, "only a small object keeps its relocations as rows"
        return self._small_relocations

    def __getattr__(self, name: str):
        # Only reached for attributes not set in parse: the arrays of a small object.
        if name == "symtab" and self.__dict__.get("_small_relocations") is not None:
            self.symtab = self._symbols.array
            return self.symtab
        if name == "relocations" and self.__dict__.get("_small_relocations") is not None:
            import numpy as np

            from .model import RELOC_DTYPE
            from .tables import RelocationTable
            self.relocations = [
                RelocationTable(t.section, t.target, t.is_rela,
                                np.array(t.rows, RELOC_DTYPE) if t.rows else np.zeros(0, RELOC_DTYPE))
                for t in self._small_relocations]
            return self.relocations
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

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
        if self.dynamic:
            return self.dynamic.symbols.array
        import numpy as np
        return np.zeros(0, self.symtab.dtype)

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
                f"{len(self.sections)} sections, {len(self._symbols)} symbols, "
                f"{self._relocation_count() + sum(len(r) for r in self.dynamic_relocations)}"
                f" relocations>")

    def _relocation_count(self) -> int:
        if self.small:
            return sum(len(t.rows) for t in self._small_relocations)
        return sum(len(r) for r in self.relocations)

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
        if self.small:
            return [Symbol(i, name, value, size, info >> 4, info & 0xF, shndx, other & 3)
                    for i, (name, (_n, info, other, shndx, value, size))
                    in enumerate(zip(self._symbols.names, self._symbols.rows))]
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
        if self.small:
            _n, info, other, shndx, value, size = self._symbols.rows[index]
            return Symbol(index, self._symbols.name(index), value, size, info >> 4, info & 0xF,
                          shndx, other & 3)
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
        if self.small:
            nonlocal_ = [i for i, row in enumerate(self._symbols.rows) if row[1] >> 4 != STB_LOCAL]
        else:
            import numpy as np
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
