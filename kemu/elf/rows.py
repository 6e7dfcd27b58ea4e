"""The small-object reader: a valid ET_REL object of modest size read into Python rows.

Importing numpy costs a `kemu` command about a quarter of its run, and a module like fibo has
a few dozen symbols and relocations, for which Python lists are as fast as arrays. This reader
accepts an object only when every check the full (numpy) reader makes passes, and when the
object is small (SMALL_LIMIT entries) and plain (no SHN_XINDEX, no section groups, no
extended section count). Anything else — including every defect — makes it answer None, and
`ObjectFile.parse` hands the bytes to the full reader, which accepts the same objects and names
each defect. So this module never phrases an error: the reader's messages live in one place.

Its tables keep the canonical field order of the numpy dtypes (`model._DTYPE_FIELDS`):
symbols (name, info, other, shndx, value, size), relocations (offset, type, sym, addend).
The numpy arrays the interface promises (`obj.symtab`, `RelocationTable.entries`) are built
from them when someone asks.
"""
from __future__ import annotations

import struct
from typing import Any

from kemu.record import Record

from .constants import (ET_REL, SHN_ABS, SHN_COMMON, SHN_LORESERVE, SHN_UNDEF, SHN_XINDEX,
                        SHT_GROUP, SHT_NOBITS, SHT_NULL, SHT_REL, SHT_RELA, SHT_STRTAB,
                        SHT_SYMTAB, SHT_SYMTAB_SHNDX, STB_GLOBAL, STB_GNU_UNIQUE, STB_LOCAL,
                        STB_WEAK, STT_FILE, STT_SECTION)
from .header import Header
from .limits import MAX_ALIGN, MAX_MEMORY_SIZE, NOT_RELOCATABLE
from .model import Section
from .source import Source

# Above this many symbols or relocations (of all tables together) the numpy reader and linker
# are the faster path; the biggest fixtures have a few hundred, real drivers tens of thousands.
SMALL_LIMIT = 4096

_SHDR = {32: struct.Struct("<10I"), 64: struct.Struct("<IIQQQQIIQQ")}
_SYM = {32: "<IIIBBH", 64: "<IBBHQQ"}
_SYM_SIZE = {32: 16, 64: 24}
_RELOC = {(32, False): "<II", (32, True): "<IIi", (64, False): "<QQ", (64, True): "<QQq"}
_KNOWN_BINDS = frozenset({STB_LOCAL, STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE})


class Reject(Exception):
    """Not for this reader (a defect, or too big or unusual): the full reader takes over."""


class RowRelocations(Record, fields=("section", "target", "is_rela", "rows"), eq=False, frozen=True):
    """One SHT_REL/SHT_RELA table as rows (offset, type, sym, addend); addend 0 for REL."""

    def __init__(self, section: Section, target: Section, is_rela: bool,
                 rows: list[tuple[int, int, int, int]]) -> None:
        vars(self).update(section=section, target=target, is_rela=is_rela, rows=rows)


class RowSymbols(Record, fields=("section", "rows", "names", "_array"), eq=False):
    """The symbol table as rows plus every name, with the methods `ObjectFile` asks of the
    numpy `SymbolTable` (name, all_names, len, array)."""

    def __init__(self, section: Section | None, rows: list[tuple[int, int, int, int, int, int]],
                 names: list[str], _array: Any = None) -> None:
        self.section = section
        self.rows = rows
        self.names = names
        self._array = _array

    def __len__(self) -> int:
        return len(self.rows)

    def name(self, i: int) -> str:
        return self.names[i]

    def all_names(self) -> list[str]:
        return list(self.names)

    @property
    def array(self):
        """The rows as a SYMTAB_DTYPE array (numpy imported here, on first use)."""
        if self._array is None:
            import numpy as np

            from .model import SYMTAB_DTYPE
            self._array = (np.array(self.rows, SYMTAB_DTYPE) if self.rows
                           else np.zeros(0, SYMTAB_DTYPE))
        return self._array


class SmallObject(Record, fields=("sections", "symbols", "relocations"), eq=False, frozen=True):
    def __init__(self, sections: list[Section], symbols: RowSymbols,
                 relocations: list[RowRelocations]) -> None:
        vars(self).update(sections=sections, symbols=symbols, relocations=relocations)


def read_small(src: Source, header: Header) -> SmallObject | None:
    """The object as rows, or None when the full reader must read it (see the module doc)."""
    if header.type != ET_REL:
        return None
    try:
        sections = _sections(src, header)
        _require(_entries(sections, (SHT_SYMTAB,)) <= SMALL_LIMIT)
        _require(_entries(sections, (SHT_REL, SHT_RELA)) <= SMALL_LIMIT)
        symbols = _symbols(src, header.elfclass, sections)
        relocations = _relocations(src, header.elfclass, sections, symbols)
    except (Reject, struct.error, UnicodeError, IndexError, ValueError):
        return None
    return SmallObject(sections, symbols, relocations)


def _entries(sections: list[Section], types: tuple[int, ...]) -> int:
    """Entries the headers of sections of these types announce: a big object is refused
    before any entry is unpacked."""
    return sum(s.size // s.entsize for s in sections if s.type in types and s.entsize)


def _require(ok: bool) -> None:
    if not ok:
        raise Reject


def _names(data: bytes, sec: Section, indices: list[int]) -> list[str]:
    """Names at `indices` in string table `sec`; Reject unless each ends inside the table."""
    table = data[sec.offset:sec.offset + sec.size]
    limit = table.rfind(b"\0") + 1
    out = []
    for i in indices:
        _require(i < limit)
        end = table.index(b"\0", i)
        out.append(table[i:end].decode("utf-8", "backslashreplace") if end > i else "")
    return out


def _sections(src: Source, header: Header) -> list[Section]:
    data, size_of_file = src.data, len(src.data)
    count, shstrndx = header.shnum, header.shstrndx
    _require(0 < count <= SMALL_LIMIT and shstrndx != SHN_XINDEX)
    _require(header.shoff + header.shentsize <= size_of_file)
    _require(header.shoff + count * header.shentsize <= size_of_file)
    _require(shstrndx == SHN_UNDEF or shstrndx < count)
    shdr = _SHDR[header.elfclass]
    raw = [shdr.unpack_from(data, header.shoff + i * header.shentsize) for i in range(count)]
    _name0, *zero = raw[0]
    (kind, flags, addr, offset, _size, _link, _info, align, entsize) = zero
    _require(not (kind or flags or addr or offset or align or entsize))
    names = [""] * count
    if shstrndx != SHN_UNDEF:
        table = Section(shstrndx, "", *raw[shstrndx][1:])
        _require(table.type == SHT_STRTAB and table.offset + table.size <= size_of_file)
        _names(data, table, [raw[shstrndx][0]])
        names[1:] = _names(data, table, [row[0] for row in raw[1:]])
    sections = [Section(i, names[i], *raw[i][1:]) for i in range(count)]
    for sec in sections[1:]:
        if sec.type == SHT_NULL:
            continue
        if sec.type != SHT_NOBITS:
            _require(sec.size <= size_of_file and sec.offset <= size_of_file - sec.size)
        else:
            _require(sec.size <= MAX_MEMORY_SIZE)
        _require(sec.addralign & (sec.addralign - 1) == 0 and sec.addralign <= MAX_ALIGN)
        _require(sec.link < count)
        _require(sec.type not in (SHT_GROUP, SHT_SYMTAB_SHNDX))
    return sections


def _symbols(src: Source, elfclass: int, sections: list[Section]) -> RowSymbols:
    found = [s for s in sections if s.type == SHT_SYMTAB]
    _require(len(found) <= 1)
    if not found:
        return RowSymbols(None, [], [])
    sec = found[0]
    entsize = _SYM_SIZE[elfclass]
    _require(sec.entsize == entsize and sec.size % entsize == 0)
    count = sec.size // entsize
    _require(count <= SMALL_LIMIT and 0 < sec.link and sec.info <= count)
    strtab = sections[sec.link]
    _require(strtab.type == SHT_STRTAB)
    raw = list(struct.iter_unpack(_SYM[elfclass], src.data[sec.offset:sec.offset + sec.size]))
    if elfclass == 32:
        rows = [(name, info, other, shndx, value, size)
                for name, value, size, info, other, shndx in raw]
    else:
        rows = raw
    nsec = len(sections)
    for _name, info, _other, shndx, value, size in rows:
        _require(info >> 4 in _KNOWN_BINDS)
        _require(info & 0xF not in (STT_SECTION, STT_FILE) or info >> 4 == STB_LOCAL)
        if shndx >= SHN_LORESERVE:
            _require(shndx in (SHN_ABS, SHN_COMMON))
            if shndx == SHN_COMMON:
                _require(value & (value - 1) == 0 and size <= MAX_MEMORY_SIZE
                         and value <= MAX_ALIGN)
        else:
            _require(shndx < nsec)
    names = _names(src.data, strtab, [row[0] for row in rows])
    return RowSymbols(sec, rows, names)


def _relocations(src: Source, elfclass: int, sections: list[Section],
                 symbols: RowSymbols) -> list[RowRelocations]:
    out = []
    total = 0
    nsyms = len(symbols)
    for sec in sections:
        if sec.type not in (SHT_REL, SHT_RELA):
            continue
        is_rela = sec.type == SHT_RELA
        fmt = _RELOC[(elfclass, is_rela)]
        entsize = struct.calcsize(fmt)
        _require(sec.entsize == entsize and sec.size % entsize == 0)
        _require(symbols.section is not None and sec.link == symbols.section.index)
        _require(0 < sec.info < len(sections))
        target = sections[sec.info]
        _require(target.type not in NOT_RELOCATABLE)
        total += sec.size // entsize
        _require(total <= SMALL_LIMIT)
        shift, mask = (32, 0xFFFFFFFF) if elfclass == 64 else (8, 0xFF)
        rows = []
        for entry in struct.iter_unpack(fmt, src.data[sec.offset:sec.offset + sec.size]):
            offset, info = entry[0], entry[1]
            sym = info >> shift
            _require(sym < nsyms and offset < target.size)
            rows.append((offset, info & mask, sym, entry[2] if is_rela else 0))
        out.append(RowRelocations(sec, target, is_rela, rows))
    return out
