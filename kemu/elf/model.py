"""The reader's value types: sections and symbols (relocation tables, section groups, program
headers and dynamic relocations are in tables.py, imported only by the readers that make them:
a small ET_REL object needs none).

They are frozen records (kemu.record) so the linker and the debugger can keep them around, compare
them and print them. Relocation entries stay one numpy structured array per table: a module can
carry hundreds of thousands of them and the linker processes them a table at a time.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from kemu.record import Record

from .constants import (SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_ABS, SHN_COMMON,
                        SHN_UNDEF, SHT_NOBITS, STB_GLOBAL, STB_GNU_UNIQUE, STB_LOCAL, STB_WEAK)


class Section(Record, fields=("index", "name", "type", "flags", "addr", "offset", "size", "link",
                              "info", "addralign", "entsize"), frozen=True):
    """One section header, with its name resolved from the section name table."""

    def __init__(self, index: int, name: str, type: int, flags: int, addr: int, offset: int,
                 size: int, link: int, info: int, addralign: int, entsize: int) -> None:
        vars(self).update(index=index, name=name, type=type, flags=flags, addr=addr, offset=offset,
                          size=size, link=link, info=info, addralign=addralign, entsize=entsize)

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


class Symbol(Record, fields=("index", "name", "value", "size", "bind", "type", "shndx",
                             "visibility"), frozen=True):
    """One symbol table entry. `shndx` is the real section index (SHN_XINDEX already resolved)
    or one of the special values SHN_UNDEF, SHN_ABS, SHN_COMMON."""

    def __init__(self, index: int, name: str, value: int, size: int, bind: int, type: int,
                 shndx: int, visibility: int = 0) -> None:
        vars(self).update(index=index, name=name, value=value, size=size, bind=bind, type=type,
                          shndx=shndx, visibility=visibility)

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
    """SYMTAB_DTYPE and RELOC_DTYPE, built (and numpy imported) when first asked for; the
    records only the numpy reader and ET_DYN objects use, from tables.py (their home now)."""
    if name in _DTYPE_FIELDS:
        import numpy as np
        globals()[name] = value = np.dtype(_DTYPE_FIELDS[name])
        return value
    if name in ("RelocationTable", "SectionGroup", "ProgramHeader", "DynamicRelocations"):
        from . import tables
        return getattr(tables, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
