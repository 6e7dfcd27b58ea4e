"""The reader's value types: sections, symbols, relocation tables, section groups.

They are plain frozen dataclasses so the linker and the debugger can keep them around, compare
them and print them. Relocation entries stay one numpy structured array per table: a module can
carry hundreds of thousands of them and the linker processes them a table at a time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .constants import (SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_ABS, SHN_COMMON,
                        SHN_UNDEF, SHT_NOBITS, STB_GLOBAL, STB_GNU_UNIQUE, STB_LOCAL, STB_WEAK)


@dataclass(frozen=True, slots=True)
class Section:
    """One section header, with its name resolved from the section name table."""

    index: int
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int
    info: int
    addralign: int
    entsize: int

    @property
    def alloc(self) -> bool:
        return bool(self.flags & SHF_ALLOC)

    @property
    def write(self) -> bool:
        return bool(self.flags & SHF_WRITE)

    @property
    def execinstr(self) -> bool:
        return bool(self.flags & SHF_EXECINSTR)

    @property
    def nobits(self) -> bool:
        return self.type == SHT_NOBITS

    @property
    def where(self) -> tuple[int, str]:
        """(index, name), the form `BadObject` and the linker's errors take."""
        return (self.index, self.name)


@dataclass(frozen=True, slots=True)
class Symbol:
    """One symbol table entry. `shndx` is the real section index (SHN_XINDEX already resolved)
    or one of the special values SHN_UNDEF, SHN_ABS, SHN_COMMON."""

    index: int
    name: str
    value: int
    size: int
    bind: int
    type: int
    shndx: int
    visibility: int = 0

    @property
    def undefined(self) -> bool:
        return self.shndx == SHN_UNDEF

    @property
    def common(self) -> bool:
        return self.shndx == SHN_COMMON

    @property
    def absolute(self) -> bool:
        return self.shndx == SHN_ABS

    @property
    def weak(self) -> bool:
        return self.bind == STB_WEAK

    @property
    def local(self) -> bool:
        return self.bind == STB_LOCAL

    @property
    def global_(self) -> bool:
        return self.bind in (STB_GLOBAL, STB_GNU_UNIQUE)

    @property
    def section(self) -> int | None:
        """Index of the defining section, or None for undefined, absolute and common symbols."""
        if self.shndx in (SHN_UNDEF, SHN_ABS, SHN_COMMON):
            return None
        return self.shndx


if TYPE_CHECKING:
    import numpy as np

# Canonical in-memory layouts, the same for ELF32 and ELF64 input (numpy dtypes, made on first
# use: a small object is read without numpy, see `rows`).
_DTYPE_FIELDS = {
    "SYMTAB_DTYPE": [("name", "<u4"), ("info", "u1"), ("other", "u1"), ("shndx", "<u4"),
                     ("value", "<u8"), ("size", "<u8")],
    "RELOC_DTYPE": [("offset", "<u8"), ("type", "<u4"), ("sym", "<u4"), ("addend", "<i8")],
}


def __getattr__(name: str):
    """SYMTAB_DTYPE and RELOC_DTYPE, built (and numpy imported) when first asked for."""
    if name in _DTYPE_FIELDS:
        import numpy as np
        globals()[name] = value = np.dtype(_DTYPE_FIELDS[name])
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, eq=False)
class RelocationTable:
    """One SHT_REL or SHT_RELA section: `entries` has fields offset, type, sym, addend.

    For SHT_REL (i386) `addend` is 0 and the implicit addend sits in the target's bytes."""

    section: Section
    target: Section
    is_rela: bool
    entries: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.entries)

    def entry_offset(self, i: int) -> int:
        """File offset of entry `i`, for error messages."""
        return self.section.offset + i * self.section.entsize


@dataclass(frozen=True)
class SectionGroup:
    """An SHT_GROUP section: its flag word (GRP_COMDAT) and the indices of its members.
    `signature` is the name of the symbol `sh_info` names (the COMDAT key)."""

    section: Section
    flags: int
    signature: str
    signature_index: int
    members: tuple[int, ...]

    @property
    def comdat(self) -> bool:
        return bool(self.flags & 1)


@dataclass(frozen=True, slots=True)
class ProgramHeader:
    """One program header of an ET_DYN object (p_type, p_flags, p_offset, p_vaddr, p_filesz,
    p_memsz, p_align as written; `index` is its place in the table)."""

    index: int
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int
    memsz: int
    align: int

    @property
    def end(self) -> int:
        """First virtual address past the segment's memory image."""
        return self.vaddr + self.memsz

    @property
    def prot(self) -> str:
        """"r-x" / "r--" / "rw-" … from p_flags (PF_R 4, PF_W 2, PF_X 1)."""
        return (("r" if self.flags & 4 else "-") + ("w" if self.flags & 2 else "-")
                + ("x" if self.flags & 1 else "-"))

    @property
    def where(self) -> tuple[int, str]:
        """(index, type name), the form `BadObject(segment=...)` takes."""
        from .constants import segment_type_name
        return (self.index, segment_type_name(self.type))


@dataclass(frozen=True, eq=False)
class DynamicRelocations:
    """One dynamic relocation table of an ET_DYN object, as `.dynamic` describes it: `tag` is
    "DT_REL", "DT_RELA" or "DT_JMPREL"; `offset` its file offset. `entries` has the fields of
    RELOC_DTYPE where `offset` is the *virtual address* of the field (relative to the object's
    vaddr 0) and `sym` an index into the dynamic symbol table. REL addends sit in the field."""

    tag: str
    is_rela: bool
    vaddr: int
    offset: int
    entsize: int
    entries: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.entries)

    def entry_offset(self, i: int) -> int:
        """File offset of entry `i`, for error messages."""
        return self.offset + i * self.entsize
