"""The symbol table: one numpy structured array over SHT_SYMTAB, validated a column at a time.

ELF32 and ELF64 entries are copied into one canonical layout (`SYMTAB_DTYPE`) so the linker
needs one code path; SHN_XINDEX section indices are resolved through SHT_SYMTAB_SHNDX.
"""
from __future__ import annotations

import numpy as np

from .constants import (SHN_ABS, SHN_COMMON, SHN_LORESERVE, SHN_UNDEF, SHN_XINDEX,
                        SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, STB_GLOBAL, STB_GNU_UNIQUE,
                        STB_LOCAL, STB_WEAK, STT_FILE, STT_SECTION, section_type_name)
from .model import SYMTAB_DTYPE, Section
from .sections import MAX_ALIGN, MAX_MEMORY_SIZE, SectionTable
from .strings import StringTable

RAW_SYM_DTYPE = {
    32: np.dtype([("name", "<u4"), ("value", "<u4"), ("size", "<u4"), ("info", "u1"),
                  ("other", "u1"), ("shndx", "<u2")]),
    64: np.dtype([("name", "<u4"), ("info", "u1"), ("other", "u1"), ("shndx", "<u2"),
                  ("value", "<u8"), ("size", "<u8")]),
}
_KNOWN_BINDS = np.array([STB_LOCAL, STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE])


class SymbolTable:
    """The validated symbol table (`array`), its section and its string table."""

    def __init__(self, table: SectionTable, section: Section | None,
                 strings: Section | None = None) -> None:
        """`strings`: the string table when it is not `section.sh_link` (the dynamic symbol
        table, whose string table `.dynamic` names)."""
        self.table = table
        self.section = section
        self.strings: StringTable | None = None
        self.array = np.zeros(0, SYMTAB_DTYPE)
        if section is not None:
            self._read(section, strings)

    def __len__(self) -> int:
        return len(self.array)

    def entry_offset(self, i: int) -> int:
        assert self.section is not None
        return self.section.offset + i * self.section.entsize

    def name(self, i: int) -> str:
        """Name of symbol i (already validated, so this cannot fail)."""
        if self.strings is None:
            return ""
        return self.strings.get(int(self.array["name"][i]), f"symbol {i}: st_name",
                                self.entry_offset(i))

    def all_names(self) -> list[str]:
        """Every symbol's name at once (table-at-a-time: one searchsorted for the NULs)."""
        if self.strings is None or len(self.array) == 0:
            return [""] * len(self.array)
        return self.strings.names_at(self.array["name"])

    # -- reading and checking -------------------------------------------------------------
    def _read(self, sec: Section, strtab: Section | None) -> None:
        t, src = self.table, self.table.src
        entsize = RAW_SYM_DTYPE[t.elfclass].itemsize
        if sec.entsize != entsize:
            t.fail(sec, f"symbol table sh_entsize is {sec.entsize}, expected {entsize}", "entsize")
        if sec.size % entsize:
            t.fail(sec, f"symbol table size {sec.size} is not a multiple of its entry size "
                        f"{entsize}", "size")
        count = sec.size // entsize
        if strtab is None:
            strtab = t.sections[sec.link]
            if sec.link == 0 or strtab.type != SHT_STRTAB:
                t.fail(sec, f"sh_link {sec.link} should name the symbol string table but names "
                            f"a {section_type_name(strtab.type)} section", "link")
        if sec.info > count:
            t.fail(sec, f"sh_info {sec.info} (first global symbol) is beyond the {count} symbols",
                   "info")
        raw = np.frombuffer(src.data, RAW_SYM_DTYPE[t.elfclass], count, sec.offset)
        arr = np.empty(count, SYMTAB_DTYPE)
        for f in ("name", "info", "other", "shndx", "value", "size"):
            arr[f] = raw[f]
        self.array = arr
        self.strings = StringTable(src, strtab)
        self.strings.check_all(arr["name"], "symbol {i}: st_name", self.entry_offset, sec.where)
        self._check_binds()
        self._check_local_only_types()
        self._resolve_xindex()
        self._check_shndx(raw["shndx"])
        self._check_common()

    def _fail_entry(self, i: int, message: str, field: str = "") -> None:
        sec = self.section
        assert sec is not None
        off = self.entry_offset(i) + (RAW_SYM_DTYPE[self.table.elfclass].fields[field][1]
                                      if field else 0)
        self.table.src.fail(f"symbol {i} ({self._safe_name(i)}): {message}", sec.where, off)

    def _safe_name(self, i: int) -> str:
        try:
            return repr(self.name(i))
        except Exception:  # only used while reporting another defect
            return "<bad name>"

    def _check_binds(self) -> None:
        binds = self.array["info"] >> 4
        bad = np.flatnonzero(~np.isin(binds, _KNOWN_BINDS))
        if len(bad):
            i = int(bad[0])
            self._fail_entry(i, f"unknown binding {int(binds[i])} in st_info", "info")

    def _check_local_only_types(self) -> None:
        """STT_SECTION and STT_FILE symbols are local by definition (gABI): a global one would
        let a lookup by name take a section or file marker for a definition."""
        info = self.array["info"]
        kind = info & 0xF
        bad = np.flatnonzero(((kind == STT_SECTION) | (kind == STT_FILE)) & ((info >> 4) != STB_LOCAL))
        if len(bad):
            i = int(bad[0])
            what = "STT_SECTION" if int(kind[i]) == STT_SECTION else "STT_FILE"
            self._fail_entry(i, f"a {what} symbol must be STB_LOCAL (st_info {int(info[i]):#04x})",
                             "info")

    def _resolve_xindex(self) -> None:
        shndx = self.array["shndx"]
        uses = np.flatnonzero(shndx == SHN_XINDEX)
        if len(uses) == 0:
            return
        t = self.table
        ext = [s for s in t.sections if s.type == SHT_SYMTAB_SHNDX and s.link == self.section.index]
        if not ext:
            self._fail_entry(int(uses[0]), "st_shndx is SHN_XINDEX but no SHT_SYMTAB_SHNDX "
                                           "section belongs to the symbol table", "shndx")
        xsec = ext[0]
        if xsec.size != 4 * len(self.array):
            t.fail(xsec, f"SHT_SYMTAB_SHNDX has {xsec.size} bytes, expected 4 per symbol "
                         f"({4 * len(self.array)})", "size")
        words = np.frombuffer(t.src.data, "<u4", len(self.array), xsec.offset)
        shndx[uses] = words[uses]
        special = uses[np.isin(shndx[uses], (SHN_UNDEF, SHN_ABS, SHN_COMMON, SHN_XINDEX))]
        if len(special):
            self._fail_entry(int(special[0]), f"extended section index "
                             f"{int(shndx[special[0]])} collides with a special index", "shndx")

    def _check_shndx(self, raw_shndx: np.ndarray) -> None:
        shndx = self.array["shndx"]
        nsec = len(self.table.sections)
        special = (raw_shndx >= SHN_LORESERVE) & (raw_shndx != SHN_XINDEX)
        bad = np.flatnonzero(special & (raw_shndx != SHN_ABS) & (raw_shndx != SHN_COMMON))
        if len(bad):
            i = int(bad[0])
            self._fail_entry(i, f"st_shndx {int(raw_shndx[i]):#x} is a special section index "
                                "kemu does not support", "shndx")
        bad = np.flatnonzero(~special & (shndx >= nsec))
        if len(bad):
            i = int(bad[0])
            self._fail_entry(i, f"st_shndx {int(shndx[i])} names a section that does not exist "
                                f"({nsec} sections)", "shndx")

    def _check_common(self) -> None:
        arr = self.array
        common = np.flatnonzero(arr["shndx"] == SHN_COMMON)
        if len(common) == 0:
            return
        align = arr["value"][common]
        bad = np.flatnonzero((align & (align - 1)) != 0)
        if len(bad):
            i = int(common[bad[0]])
            self._fail_entry(i, f"COMMON alignment {int(arr['value'][i]):#x} is not a power of "
                                "two", "value")
        bad = np.flatnonzero(arr["size"][common] > MAX_MEMORY_SIZE)
        if len(bad):
            i = int(common[bad[0]])
            self._fail_entry(i, f"COMMON size {int(arr['size'][i]):#x} is absurd (more than "
                                f"{MAX_MEMORY_SIZE:#x})", "size")
        bad = np.flatnonzero(align > MAX_ALIGN)
        if len(bad):
            i = int(common[bad[0]])
            self._fail_entry(i, f"COMMON alignment {int(arr['value'][i]):#x} is larger than any "
                                f"kernel module asks for (at most {MAX_ALIGN:#x}, one page)",
                             "value")


def find_symtab(table: SectionTable) -> Section | None:
    """The one SHT_SYMTAB section (None if the object has none); two are a defect."""
    found = [s for s in table.sections if s.type == SHT_SYMTAB]
    if len(found) > 1:
        table.fail(found[1], f"second SHT_SYMTAB section (the first is [{found[0].index}] "
                             f"{found[0].name}); an object has at most one", "type")
    return found[0] if found else None
