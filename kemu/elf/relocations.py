"""Relocation tables (SHT_REL, SHT_RELA) as numpy structured arrays, checked column-wise.

No Python object per entry: a module can carry 320k relocations and the linker applies them
table at a time. Entries land in `RELOC_DTYPE` (offset, type, sym, addend) for both classes.
"""
from __future__ import annotations

import numpy as np

from .constants import SHT_REL, SHT_RELA, section_type_name
from .limits import NOT_RELOCATABLE
from .model import RELOC_DTYPE, Section
from .tables import RelocationTable
from .sections import SectionTable
from .symbols import SymbolTable

RAW_RELOC_DTYPE = {
    (32, False): np.dtype([("offset", "<u4"), ("info", "<u4")]),
    (32, True): np.dtype([("offset", "<u4"), ("info", "<u4"), ("addend", "<i4")]),
    (64, False): np.dtype([("offset", "<u8"), ("info", "<u8")]),
    (64, True): np.dtype([("offset", "<u8"), ("info", "<u8"), ("addend", "<i8")]),
}


def decode_entries(data: bytes, elfclass: int, is_rela: bool, count: int,
                   offset: int) -> np.ndarray:
    """`count` raw Elf32/64_Rel(a) entries at `offset` as RELOC_DTYPE (addend 0 for REL)."""
    raw = np.frombuffer(data, RAW_RELOC_DTYPE[(elfclass, is_rela)], count, offset)
    entries = np.empty(count, RELOC_DTYPE)
    entries["offset"] = raw["offset"]
    if elfclass == 64:
        entries["sym"] = raw["info"] >> np.uint64(32)
        entries["type"] = raw["info"] & np.uint64(0xFFFFFFFF)
    else:
        entries["sym"] = raw["info"] >> np.uint32(8)
        entries["type"] = raw["info"] & np.uint32(0xFF)
    entries["addend"] = raw["addend"] if is_rela else 0
    return entries


def read_relocations(table: SectionTable, symbols: SymbolTable) -> list[RelocationTable]:
    return [_read_one(table, symbols, s) for s in table.sections
            if s.type in (SHT_REL, SHT_RELA)]


def _read_one(t: SectionTable, symbols: SymbolTable, sec: Section) -> RelocationTable:
    is_rela = sec.type == SHT_RELA
    raw_dtype = RAW_RELOC_DTYPE[(t.elfclass, is_rela)]
    kind = "SHT_RELA" if is_rela else "SHT_REL"
    if sec.entsize != raw_dtype.itemsize:
        t.fail(sec, f"{kind} sh_entsize is {sec.entsize}, expected {raw_dtype.itemsize} for "
                    f"ELF{t.elfclass}", "entsize")
    if sec.size % raw_dtype.itemsize:
        t.fail(sec, f"{kind} size {sec.size} is not a multiple of its entry size "
                    f"{raw_dtype.itemsize}", "size")
    if symbols.section is None or sec.link != symbols.section.index:
        linked = t.sections[sec.link]
        t.fail(sec, f"sh_link {sec.link} should name the symbol table but names a "
                    f"{section_type_name(linked.type)} section", "link")
    if sec.info == 0 or sec.info >= len(t.sections):
        t.fail(sec, f"sh_info {sec.info} (the section to relocate) is out of range "
                    f"({len(t.sections)} sections)", "info")
    target = t.sections[sec.info]
    if target.type in NOT_RELOCATABLE:
        t.fail(sec, f"sh_info {sec.info} names [{target.index}] {target.name}, a "
                    f"{section_type_name(target.type)} section, which cannot be relocated",
               "info")

    entries = decode_entries(t.src.data, t.elfclass, is_rela, sec.size // raw_dtype.itemsize,
                             sec.offset)

    rt = RelocationTable(sec, target, is_rela, entries)
    bad = np.flatnonzero(entries["sym"] >= len(symbols))
    if len(bad):
        i = int(bad[0])
        t.src.fail(f"relocation entry {i}: r_info symbol index {int(entries['sym'][i])} is out of range "
                   f"(the symbol table has {len(symbols)} symbols)", sec.where,
                   rt.entry_offset(i))
    bad = np.flatnonzero(entries["offset"] >= target.size)
    if len(bad):
        i = int(bad[0])
        t.src.fail(f"relocation entry {i}: r_offset {int(entries['offset'][i]):#x} lies past the "
                   f"end of [{target.index}] {target.name} ({target.size:#x} bytes)", sec.where,
                   rt.entry_offset(i))
    return rt
