"""The dynamic section of an ET_DYN object: its symbol table, string table and relocation
tables, found the way a kernel loader finds them (FreeBSD's link_elf.c): through the `.dynamic`
entries and the PT_LOAD segments, not through section headers.

Every table `.dynamic` points at must lie in the file bytes of one PT_LOAD segment; every size
must be a whole number of entries of the size the ABI fixes; every relocation's symbol index
must name a dynamic symbol and its r_offset lie in a PT_LOAD segment's memory. The number of
dynamic symbols comes from DT_HASH (nchain), else DT_GNU_HASH (walked to its last chain), else
the SHT_DYNSYM section header at DT_SYMTAB.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import (DT_HASH, DT_JMPREL, DT_NAMES, DT_NEEDED, DT_NULL, DT_PLTREL,
                        DT_PLTRELSZ, DT_REL, DT_RELA, DT_RELAENT, DT_RELASZ, DT_RELENT, DT_RELSZ,
                        DT_STRSZ, DT_STRTAB, DT_SYMENT, DT_SYMTAB, SHT_DYNSYM, SHT_STRTAB)
from .model import Section
from .tables import DynamicRelocations, ProgramHeader
from .program import ProgramTable
from .relocations import RAW_RELOC_DTYPE, decode_entries
from .sections import SectionTable
from .symbols import RAW_SYM_DTYPE, SymbolTable

DT_GNU_HASH = 0x6FFFFEF5
_DYN_DTYPE = {32: np.dtype([("tag", "<i4"), ("val", "<u4")]),
              64: np.dtype([("tag", "<i8"), ("val", "<u8")])}
# Tags that may appear once only: a second one would make "which table?" ambiguous.
_SINGLE = {DT_HASH, DT_STRTAB, DT_SYMTAB, DT_RELA, DT_RELASZ, DT_RELAENT, DT_STRSZ, DT_SYMENT,
           DT_REL, DT_RELSZ, DT_RELENT, DT_PLTREL, DT_JMPREL, DT_PLTRELSZ, DT_GNU_HASH}
MAX_DYNAMIC_SYMBOLS = 1 << 22


def tag_name(tag: int) -> str:
    return DT_NAMES.get(tag, "DT_GNU_HASH" if tag == DT_GNU_HASH else f"tag {tag:#x}")


@dataclass
class DynamicInfo:
    """What `.dynamic` describes: tag → value (first of each), the DT_NEEDED names, the dynamic
    symbol table (a SymbolTable over the DT_SYMTAB bytes) and the relocation tables."""

    tags: dict[int, int]
    needed: list[str]
    symbols: SymbolTable
    relocations: list[DynamicRelocations]


class _Reader:
    def __init__(self, table: SectionTable, program: ProgramTable) -> None:
        self.t = table
        self.p = program
        self.src = table.src
        self.cls = table.elfclass
        self.dyn: ProgramHeader = program.dynamic
        self.where = self.dyn.where

    def fail_entry(self, k: int, message: str) -> None:
        size = _DYN_DTYPE[self.cls].itemsize
        self.src.fail(f".dynamic entry {k}: {message}", offset=self.dyn.offset + k * size,
                      segment=self.where)

    def read_tags(self) -> tuple[dict[int, int], dict[int, int], list[int]]:
        dtype = _DYN_DTYPE[self.cls]
        count = self.dyn.filesz // dtype.itemsize
        raw = np.frombuffer(self.src.data, dtype, count, self.dyn.offset)
        tags: dict[int, int] = {}
        index: dict[int, int] = {}
        needed: list[int] = []
        for k, (tag, val) in enumerate(zip(raw["tag"].tolist(), raw["val"].tolist())):
            if tag == DT_NULL:
                return tags, index, needed
            if tag == DT_NEEDED:
                needed.append(k)
            elif tag in _SINGLE and tag in tags:
                self.fail_entry(k, f"{tag_name(tag)} appears twice (first in entry {index[tag]})")
            tags.setdefault(tag, val)
            index.setdefault(tag, k)
        self.src.fail(f"the {count} entries of .dynamic end without DT_NULL",
                      offset=self.dyn.offset, segment=self.where)

    def locate(self, tags: dict[int, int], index: dict[int, int], tag: int, size: int,
               what: str) -> int:
        """File offset of the `size` bytes at the address `tag` gives."""
        vaddr = tags[tag]
        at = self.p.file_offset(vaddr, size)
        if at is None:
            self.fail_entry(index[tag], f"{tag_name(tag)} {vaddr:#x}: the {what} "
                                        f"({size:#x} bytes) does not lie in the file bytes of a "
                                        "PT_LOAD segment")
        return at

    def require(self, tags: dict[int, int], tag: int, why: str) -> int:
        if tag not in tags:
            self.src.fail(f".dynamic has no {tag_name(tag)}: {why}", offset=self.dyn.offset,
                          segment=self.where)
        return tags[tag]


def read_dynamic(table: SectionTable, program: ProgramTable) -> DynamicInfo:
    r = _Reader(table, program)
    if r.dyn.filesz % _DYN_DTYPE[r.cls].itemsize:
        r.src.fail(f"PT_DYNAMIC p_filesz {r.dyn.filesz:#x} is not a multiple of the "
                   f"{_DYN_DTYPE[r.cls].itemsize}-byte entry size", offset=r.dyn.offset,
                   segment=r.where)
    tags, index, needed_at = r.read_tags()

    strsz = r.require(tags, DT_STRSZ, "the size of the dynamic string table")
    r.require(tags, DT_STRTAB, "the dynamic string table")
    str_at = r.locate(tags, index, DT_STRTAB, strsz, "dynamic string table")
    strtab = Section(-1, "dynamic string table (DT_STRTAB)", SHT_STRTAB, 0, tags[DT_STRTAB],
                     str_at, strsz, 0, 0, 1, 0)

    entsize = RAW_SYM_DTYPE[r.cls].itemsize
    if DT_SYMENT in tags and tags[DT_SYMENT] != entsize:
        r.fail_entry(index[DT_SYMENT], f"DT_SYMENT is {tags[DT_SYMENT]}, expected {entsize} "
                                       f"for ELF{r.cls}")
    r.require(tags, DT_SYMTAB, "the dynamic symbol table")
    count = _symbol_count(r, tags, index)
    sym_at = r.locate(tags, index, DT_SYMTAB, count * entsize, f"dynamic symbol table of "
                      f"{count} symbols")
    dynsym = Section(-1, "dynamic symbol table (DT_SYMTAB)", SHT_DYNSYM, 0, tags[DT_SYMTAB],
                     sym_at, count * entsize, 0, 0, 1, entsize)
    symbols = SymbolTable(table, dynsym, strings=strtab)

    needed = []
    for k in needed_at:
        val = int(np.frombuffer(r.src.data, _DYN_DTYPE[r.cls], 1,
                                r.dyn.offset + k * _DYN_DTYPE[r.cls].itemsize)["val"][0])
        assert symbols.strings is not None
        needed.append(symbols.strings.get(val, f".dynamic entry {k}: DT_NEEDED",
                                          r.dyn.offset + k * _DYN_DTYPE[r.cls].itemsize))

    relocations = []
    for tag, size_tag, ent_tag, rela in ((DT_REL, DT_RELSZ, DT_RELENT, False),
                                         (DT_RELA, DT_RELASZ, DT_RELAENT, True)):
        if tag in tags:
            relocations.append(_table(r, tags, index, tag, size_tag, ent_tag, rela, len(symbols)))
    if DT_JMPREL in tags:
        kind = r.require(tags, DT_PLTREL, "whether DT_JMPREL holds REL or RELA entries")
        if kind not in (DT_REL, DT_RELA):
            r.fail_entry(index[DT_PLTREL], f"DT_PLTREL is {kind}, neither DT_REL (17) nor "
                                           "DT_RELA (7)")
        relocations.append(_table(r, tags, index, DT_JMPREL, DT_PLTRELSZ, None, kind == DT_RELA,
                                  len(symbols)))
    return DynamicInfo(tags, needed, symbols, relocations)


def _symbol_count(r: _Reader, tags: dict[int, int], index: dict[int, int]) -> int:
    if DT_HASH in tags:
        at = r.locate(tags, index, DT_HASH, 8, "hash table header")
        nbucket, nchain = np.frombuffer(r.src.data, "<u4", 2, at).tolist()
        count, source = nchain, "DT_HASH nchain"
        r.locate(tags, index, DT_HASH, 8 + 4 * (nbucket + nchain), "hash table")
    elif DT_GNU_HASH in tags:
        count, source = _gnu_hash_count(r, tags, index), "DT_GNU_HASH"
    else:
        secs = [s for s in r.t.sections if s.type == SHT_DYNSYM and s.addr == tags[DT_SYMTAB]]
        if not secs:
            r.src.fail(".dynamic has neither DT_HASH nor DT_GNU_HASH and no SHT_DYNSYM section "
                       "lies at DT_SYMTAB: the number of dynamic symbols is unknown",
                       offset=r.dyn.offset, segment=r.where)
        count, source = secs[0].size // RAW_SYM_DTYPE[r.cls].itemsize, "the .dynsym section"
    if count > MAX_DYNAMIC_SYMBOLS:
        r.fail_entry(index.get(DT_HASH, index.get(DT_GNU_HASH, 0)),
                     f"{source} gives {count} dynamic symbols, more than "
                     f"{MAX_DYNAMIC_SYMBOLS} (no kernel module has that many)")
    return count


def _gnu_hash_count(r: _Reader, tags: dict[int, int], index: dict[int, int]) -> int:
    """One past the highest symbol any GNU hash chain reaches (the table has no count)."""
    at = r.locate(tags, index, DT_GNU_HASH, 16, "GNU hash table header")
    nbuckets, symoffset, bloom_size, _shift = np.frombuffer(r.src.data, "<u4", 4, at).tolist()
    word = r.cls // 8
    if nbuckets > MAX_DYNAMIC_SYMBOLS or bloom_size > MAX_DYNAMIC_SYMBOLS:
        r.fail_entry(index[DT_GNU_HASH], f"DT_GNU_HASH header claims {nbuckets} buckets and "
                                         f"{bloom_size} bloom words")
    buckets_vaddr = tags[DT_GNU_HASH] + 16 + bloom_size * word
    b_at = r.p.file_offset(buckets_vaddr, 4 * nbuckets)
    if b_at is None:
        r.fail_entry(index[DT_GNU_HASH], "DT_GNU_HASH buckets lie outside the file bytes of "
                                         "the PT_LOAD segments")
    buckets = np.frombuffer(r.src.data, "<u4", nbuckets, b_at)
    last = int(buckets.max(initial=0))
    if last < symoffset:
        return symoffset
    chain_vaddr = buckets_vaddr + 4 * nbuckets
    for _ in range(MAX_DYNAMIC_SYMBOLS):
        c_at = r.p.file_offset(chain_vaddr + 4 * (last - symoffset), 4)
        if c_at is None:
            r.fail_entry(index[DT_GNU_HASH], f"DT_GNU_HASH chain entry for symbol {last} lies "
                                             "outside the file bytes of the PT_LOAD segments")
        if int.from_bytes(r.src.data[c_at:c_at + 4], "little") & 1:
            return last + 1
        last += 1
    r.fail_entry(index[DT_GNU_HASH], "DT_GNU_HASH chain never ends")
    raise AssertionError("unreachable")


def _table(r: _Reader, tags: dict[int, int], index: dict[int, int], tag: int, size_tag: int,
           ent_tag: int | None, rela: bool, nsyms: int) -> DynamicRelocations:
    itemsize = RAW_RELOC_DTYPE[(r.cls, rela)].itemsize
    name = tag_name(tag)
    size = r.require(tags, size_tag, f"the size of the {name} table")
    if ent_tag is not None:
        ent = r.require(tags, ent_tag, f"the entry size of the {name} table")
        if ent != itemsize:
            r.fail_entry(index[ent_tag], f"{tag_name(ent_tag)} is {ent}, expected {itemsize} "
                                         f"for ELF{r.cls}")
    if size % itemsize:
        r.fail_entry(index[size_tag], f"{tag_name(size_tag)} {size} is not a multiple of the "
                                      f"{itemsize}-byte entry size")
    at = r.locate(tags, index, tag, size, f"{name} relocation table")
    entries = decode_entries(r.src.data, r.cls, rela, size // itemsize, at)
    table = DynamicRelocations(name, rela, tags[tag], at, itemsize, entries)
    bad = np.flatnonzero(entries["sym"] >= nsyms)
    if len(bad):
        i = int(bad[0])
        r.src.fail(f"{name} entry {i}: r_info symbol index {int(entries['sym'][i])} is out of "
                   f"range (the dynamic symbol table has {nsyms} symbols)",
                   offset=table.entry_offset(i), segment=r.where)
    loads = r.p.loads
    starts = np.array([ph.vaddr for ph in loads], np.uint64)
    ends = np.array([ph.end for ph in loads], np.uint64)
    k = np.searchsorted(starts, entries["offset"], side="right") - 1
    outside = (k < 0) | (entries["offset"] >= ends[np.maximum(k, 0)])
    bad = np.flatnonzero(outside)
    if len(bad):
        i = int(bad[0])
        r.src.fail(f"{name} entry {i}: r_offset {int(entries['offset'][i]):#x} lies in no "
                   "PT_LOAD segment", offset=table.entry_offset(i), segment=r.where)
    return table
