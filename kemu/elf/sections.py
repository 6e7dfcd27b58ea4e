"""The section header table: where it is, how many entries, each entry's bounds and name.

The table is read with one numpy `frombuffer`; its claimed size is checked against the file
before anything is read, so a header claiming 2**40 sections fails at once.
"""
from __future__ import annotations

import numpy as np

from .constants import SHN_UNDEF, SHN_XINDEX, SHT_NOBITS, SHT_NULL, SHT_STRTAB, section_type_name
from .header import Header
from .limits import MAX_ALIGN, MAX_MEMORY_SIZE
from .model import Section
from .source import Source
from .strings import StringTable

SHDR_DTYPE = {
    32: np.dtype([("name", "<u4"), ("type", "<u4"), ("flags", "<u4"), ("addr", "<u4"),
                  ("offset", "<u4"), ("size", "<u4"), ("link", "<u4"), ("info", "<u4"),
                  ("addralign", "<u4"), ("entsize", "<u4")]),
    64: np.dtype([("name", "<u4"), ("type", "<u4"), ("flags", "<u8"), ("addr", "<u8"),
                  ("offset", "<u8"), ("size", "<u8"), ("link", "<u4"), ("info", "<u4"),
                  ("addralign", "<u8"), ("entsize", "<u8")]),
}
_FIELD_OFFSET = {c: {n: SHDR_DTYPE[c].fields[n][1] for n in SHDR_DTYPE[c].names} for c in (32, 64)}


class SectionTable:
    """Validated section headers plus helpers to name fields in error messages."""

    def __init__(self, src: Source, header: Header) -> None:
        self.src = src
        self.elfclass = header.elfclass
        self.shoff = header.shoff
        self.shentsize = header.shentsize
        count, shstrndx = self._real_count_and_names(header)
        raw = np.frombuffer(src.data, dtype=SHDR_DTYPE[header.elfclass], count=count,
                            offset=header.shoff)
        self.count = count
        self._check_null_section(raw[0])
        names = self._name_table(shstrndx, raw, header)
        name_list = [""] * count
        if names is not None and count > 1:
            indices = raw["name"][1:]
            bad = np.flatnonzero(indices >= names.limit)
            if len(bad):
                i = int(bad[0]) + 1
                names.get(int(indices[i - 1]), "sh_name", self.field_at(i, "name"), (i, ""))
            name_list[1:] = names.names_at(indices)
        columns = [raw[f].tolist() for f in SHDR_DTYPE[header.elfclass].names[1:]]
        self.sections = list(map(Section, range(count), name_list, *columns))
        self._check_all(raw)

    # -- error helpers ----------------------------------------------------------------
    def field_at(self, index: int, field: str) -> int:
        """File offset of one field of one section header."""
        return self.shoff + index * self.shentsize + _FIELD_OFFSET[self.elfclass][field]

    def fail(self, sec: Section, message: str, field: str | None = None,
             offset: int | None = None) -> None:
        at = offset if offset is not None else (self.field_at(sec.index, field) if field else None)
        self.src.fail(message, sec.where, at)

    # -- the checks ---------------------------------------------------------------------
    def _real_count_and_names(self, header: Header) -> tuple[int, int]:
        src, offs = self.src, header.field_offsets
        src.require_range(header.shoff, header.shentsize, "e_shoff: section header table",
                          at=offs["e_shoff"])
        count, shstrndx = header.shnum, header.shstrndx
        if count == 0 or shstrndx == SHN_XINDEX:
            # More than 0xff00 sections: the real values live in section 0.
            zero = np.frombuffer(src.data, dtype=SHDR_DTYPE[header.elfclass], count=1,
                                 offset=header.shoff)[0]
            if count == 0:
                count = int(zero["size"])
                if count == 0:
                    src.fail("e_shnum is 0 and section 0 gives no section count",
                             offset=offs["e_shnum"])
            if shstrndx == SHN_XINDEX:
                shstrndx = int(zero["link"])
        table_size = count * header.shentsize
        if header.shoff + table_size > len(src.data):
            src.fail(f"e_shoff {header.shoff:#x}, e_shnum {count}: section header table of {count} entries at {header.shoff:#x}..."
                     f"{header.shoff + table_size:#x} lies outside the file "
                     f"({len(src.data):#x} bytes)", offset=offs["e_shoff"])
        if shstrndx != SHN_UNDEF and shstrndx >= count:
            src.fail(f"e_shstrndx {shstrndx} is out of range ({count} sections)",
                     offset=offs["e_shstrndx"])
        return count, shstrndx

    def _check_null_section(self, zero: np.void) -> None:
        """Section 0 is the null section: only sh_size, sh_link and sh_info may be set (the
        extended section count and name-table index). Anything else would make it look like a
        table (SHT_RELA, SHT_GROUP …) that every later check skips, as index 0 means "none"."""
        for field in ("type", "flags", "addr", "offset", "addralign", "entsize"):
            if int(zero[field]):
                what = (section_type_name(int(zero[field])) if field == "type"
                        else f"{int(zero[field]):#x}")
                self.src.fail(f"section header 0 (the null section) has sh_{field} {what}; "
                              "it must be 0", (0, ""), self.field_at(0, field))

    def _check_all(self, raw: np.ndarray) -> None:
        """Bounds, alignment and sh_link of every section, a column at a time (an object
        may have 65k sections); the first offender in each check is reported."""
        size_of_file = len(self.src.data)
        kind, offset, size = raw["type"], raw["offset"], raw["size"]
        align, link = raw["addralign"], raw["link"]
        real = kind != SHT_NULL
        real[0] = False
        has_data = real & (kind != SHT_NOBITS)
        outside = has_data & ((size > size_of_file) | (offset > size_of_file - size))
        self._first(outside, lambda sec: (
            f"sh_offset {sec.offset:#x} + sh_size {sec.size:#x}: data at {sec.offset:#x}.."
            f"{sec.offset + sec.size:#x} lies outside the file ({size_of_file:#x} bytes)",
            "offset"))
        self._first(real & (kind == SHT_NOBITS) & (size > MAX_MEMORY_SIZE), lambda sec: (
            f"NOBITS size {sec.size:#x} is absurd (more than {MAX_MEMORY_SIZE:#x})", "size"))
        self._first(real & ((align & (align - 1)) != 0), lambda sec: (
            f"sh_addralign {sec.addralign:#x} is not a power of two", "addralign"))
        self._first(real & (align > MAX_ALIGN), lambda sec: (
            f"sh_addralign {sec.addralign:#x} is larger than any kernel module asks for "
            f"(at most {MAX_ALIGN:#x}, one page)", "addralign"))
        self._first(real & (link >= self.count), lambda sec: (
            f"sh_link {sec.link} is out of range ({self.count} sections)", "link"))

    def _first(self, mask: np.ndarray, message) -> None:
        bad = np.flatnonzero(mask)
        if len(bad):
            sec = self.sections[int(bad[0])]
            text, field = message(sec)
            self.fail(sec, text, field)

    def _name_table(self, shstrndx: int, raw: np.ndarray, header: Header) -> StringTable | None:
        if shstrndx == SHN_UNDEF:
            return None
        row = raw[shstrndx].tolist()
        sec = Section(shstrndx, "", *row[1:])
        if sec.type != SHT_STRTAB:
            self.src.fail(f"e_shstrndx {shstrndx} names a {section_type_name(sec.type)} section, "
                          "not a string table", sec.where, header.field_offsets["e_shstrndx"])
        if sec.offset + sec.size > len(self.src.data):
            self.fail(sec, f"sh_offset {sec.offset:#x} + sh_size {sec.size:#x}: the section "
                           f"name table lies outside the file ({len(self.src.data):#x} bytes)",
                      "offset")
        names = StringTable(self.src, sec)
        own = names.get(row[0], "sh_name", self.field_at(shstrndx, "name"), sec.where)
        names.section = sec._replace(name=own)
        return names
