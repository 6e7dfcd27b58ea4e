"""The reader's records of the numpy reader and of ET_DYN objects: relocation tables, section
groups, program headers, dynamic relocations.

They live apart from model.py's sections and symbols because a small ET_REL object (read
without numpy, kemu.elf.rows) needs none of them until someone asks for its relocations as
arrays: importing them cost every modload their dataclasses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .model import Section

if TYPE_CHECKING:
    import numpy as np


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
