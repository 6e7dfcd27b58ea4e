"""Which input sections enter the image and in which segment: the pluggable layout policy.

The linker itself assumes no operating system. What differs between loaders (Linux dropping
`.exit.*` sections when modules cannot unload, keeping `.gnu.linkonce.this_module` writable,
FreeBSD's one-chunk layout, NetBSD loading every PROGBITS section) is a policy an OS
personality hands to `link`. The default places every SHF_ALLOC section, classified the way
kernel loaders do: executable → text, read-only → rodata, writable → data, NOBITS → bss.
Non-allocated sections (debug info, .comment, notes) stay out of the image; their bytes remain
available through `relocate_section_bytes`.
"""
from __future__ import annotations

from typing import Callable

from kemu.elf import Section
from kemu.elf.constants import (SHT_GROUP, SHT_NULL, SHT_REL, SHT_RELA, SHT_STRTAB,
                                SHT_SYMTAB, SHT_SYMTAB_SHNDX)
from kemu.record import Record

KINDS = ("text", "rodata", "data", "bss")
PROTECTIONS = {"text": "r-x", "rodata": "r--", "data": "rw-", "bss": "rw-"}
_METADATA = {SHT_REL, SHT_RELA, SHT_GROUP, SHT_SYMTAB, SHT_STRTAB, SHT_SYMTAB_SHNDX}


def allocated_section(section: Section) -> bool:
    """Default selection: every SHF_ALLOC section that holds code or data (not ELF metadata)."""
    return section.alloc and section.type not in _METADATA


def placeable(section: Section) -> bool:
    """Can the section enter an image at all, whatever a policy says? Not section 0 and not an
    SHT_NULL header: the ELF spec calls such a header inactive, its other fields meaningless
    (the reader does not check their bounds), so it holds no bytes to place."""
    return section.index != 0 and section.type != SHT_NULL


def kernel_loader_kind(section: Section) -> str:
    """Default classification: bss (NOBITS), text (EXECINSTR), rodata (!WRITE), else data."""
    if section.nobits:
        return "bss"
    if section.execinstr:
        return "text"
    if not section.write:
        return "rodata"
    return "data"


class LayoutPolicy(Record, fields=("select", "classify", "apart"), frozen=True):
    """`select(section)` says whether a section is placed; `classify(section)` names its kind
    (one of KINDS); `apart(section)` puts it in the trailing segments of its own. Sections are placed in index order within their kind; empty selected
    sections get an address (symbols may sit in them) but no room and no `Placement`.
    A selected-away SHF_ALLOC section is *discarded*: a relocation in a placed section whose
    symbol lives there is an error."""

    def __init__(self, select: Callable[[Section], bool] = allocated_section,
                 classify: Callable[[Section], str] = kernel_loader_kind,
                 apart: Callable[[Section], bool] = lambda section: False) -> None:
        vars(self).update(
            select=select,
            classify=classify,
            #: sections placed apart: after every other segment, on pages of their own (one segment
            #: per kind, bss with data), so a loader can unmap or protect them alone later (Linux
            #: frees a module's .init.* sections once init has run)
            apart=apart,
        )


DEFAULT_POLICY = LayoutPolicy()
