"""Test helper: edit named fields of an ELF object's bytes, to build corrupted objects.

It keeps its own table of field layouts (from the ELF specification) rather than reusing the
reader's, so the tests check the reader against an independent description of the format.
"""
from __future__ import annotations

import struct
from pathlib import Path

# field -> (offset, struct code) per class
EHDR = {
    32: dict(e_type=(16, "H"), e_machine=(18, "H"), e_version=(20, "I"), e_shoff=(32, "I"),
             e_ehsize=(40, "H"), e_shentsize=(46, "H"), e_shnum=(48, "H"), e_shstrndx=(50, "H")),
    64: dict(e_type=(16, "H"), e_machine=(18, "H"), e_version=(20, "I"), e_shoff=(40, "Q"),
             e_ehsize=(52, "H"), e_shentsize=(58, "H"), e_shnum=(60, "H"), e_shstrndx=(62, "H")),
}
SHDR = {
    32: dict(sh_name=(0, "I"), sh_type=(4, "I"), sh_flags=(8, "I"), sh_addr=(12, "I"),
             sh_offset=(16, "I"), sh_size=(20, "I"), sh_link=(24, "I"), sh_info=(28, "I"),
             sh_addralign=(32, "I"), sh_entsize=(36, "I")),
    64: dict(sh_name=(0, "I"), sh_type=(4, "I"), sh_flags=(8, "Q"), sh_addr=(16, "Q"),
             sh_offset=(24, "Q"), sh_size=(32, "Q"), sh_link=(40, "I"), sh_info=(44, "I"),
             sh_addralign=(48, "Q"), sh_entsize=(56, "Q")),
}
SHDR_SIZE = {32: 40, 64: 64}
SYM = {
    32: dict(st_name=(0, "I"), st_value=(4, "I"), st_size=(8, "I"), st_info=(12, "B"),
             st_other=(13, "B"), st_shndx=(14, "H")),
    64: dict(st_name=(0, "I"), st_info=(4, "B"), st_other=(5, "B"), st_shndx=(6, "H"),
             st_value=(8, "Q"), st_size=(16, "Q")),
}
SYM_SIZE = {32: 16, 64: 24}
REL = {
    32: dict(r_offset=(0, "I"), r_info=(4, "I"), r_addend=(8, "i")),
    64: dict(r_offset=(0, "Q"), r_info=(8, "Q"), r_addend=(16, "q")),
}
SHT_NAMES = {2: "SYMTAB", 4: "RELA", 9: "REL", 17: "GROUP"}


class ElfEdit:
    """A mutable copy of an object file with field-level accessors."""

    def __init__(self, data: bytes | Path) -> None:
        self.data = bytearray(data.read_bytes() if isinstance(data, Path) else data)
        self.cls = 64 if self.data[4] == 2 else 32

    # -- raw access ------------------------------------------------------------------
    def get(self, offset: int, code: str) -> int:
        return struct.unpack_from("<" + code, self.data, offset)[0]

    def put(self, offset: int, code: str, value: int) -> int:
        struct.pack_into("<" + code, self.data, offset, value)
        return offset

    def bytes(self) -> bytes:
        return bytes(self.data)

    # -- ELF header --------------------------------------------------------------------
    def header_offset(self, field: str) -> int:
        return EHDR[self.cls][field][0]

    def header(self, field: str) -> int:
        return self.get(*EHDR[self.cls][field])

    def set_header(self, field: str, value: int) -> int:
        """Overwrite one header field; returns its file offset."""
        off, code = EHDR[self.cls][field]
        return self.put(off, code, value)

    # -- section headers -------------------------------------------------------------------
    def section_count(self) -> int:
        return self.header("e_shnum")

    def shdr_offset(self, index: int, field: str) -> int:
        return self.header("e_shoff") + index * SHDR_SIZE[self.cls] + SHDR[self.cls][field][0]

    def section(self, index: int, field: str) -> int:
        return self.get(self.shdr_offset(index, field), SHDR[self.cls][field][1])

    def set_section(self, index: int, field: str, value: int) -> int:
        """Overwrite one section header field; returns its file offset."""
        return self.put(self.shdr_offset(index, field), SHDR[self.cls][field][1], value)

    def section_name(self, index: int) -> str:
        strndx = self.header("e_shstrndx")
        base = self.section(strndx, "sh_offset") + self.section(index, "sh_name")
        return self.data[base:self.data.index(b"\0", base)].decode()

    def find_section(self, name: str) -> int:
        for i in range(self.section_count()):
            if self.section_name(i) == name:
                return i
        raise KeyError(name)

    def sections_of_type(self, sh_type: int) -> list[int]:
        return [i for i in range(self.section_count()) if self.section(i, "sh_type") == sh_type]

    # -- symbols -----------------------------------------------------------------------------
    def symtab(self) -> int:
        return self.sections_of_type(2)[0]

    def sym_offset(self, index: int, field: str) -> int:
        return (self.section(self.symtab(), "sh_offset") + index * SYM_SIZE[self.cls]
                + SYM[self.cls][field][0])

    def symbol(self, index: int, field: str) -> int:
        return self.get(self.sym_offset(index, field), SYM[self.cls][field][1])

    def set_symbol(self, index: int, field: str, value: int) -> int:
        return self.put(self.sym_offset(index, field), SYM[self.cls][field][1], value)

    def symbol_count(self) -> int:
        return self.section(self.symtab(), "sh_size") // SYM_SIZE[self.cls]

    def find_symbol(self, name: str) -> int:
        strtab = self.section(self.symtab(), "sh_link")
        base = self.section(strtab, "sh_offset")
        for i in range(self.symbol_count()):
            at = base + self.symbol(i, "st_name")
            if self.data[at:self.data.index(b"\0", at)].decode() == name:
                return i
        raise KeyError(name)

    # -- relocations -------------------------------------------------------------------------
    def rel_entsize(self, section: int) -> int:
        return self.section(section, "sh_entsize")

    def rel_offset(self, section: int, entry: int, field: str = "r_offset") -> int:
        return (self.section(section, "sh_offset") + entry * self.rel_entsize(section)
                + REL[self.cls][field][0])

    def set_rel(self, section: int, entry: int, field: str, value: int) -> int:
        return self.put(self.rel_offset(section, entry, field), REL[self.cls][field][1], value)

    def rel(self, section: int, entry: int, field: str) -> int:
        return self.get(self.rel_offset(section, entry, field), REL[self.cls][field][1])

    def r_info(self, sym: int, rtype: int) -> int:
        return (sym << 32 | rtype) if self.cls == 64 else (sym << 8 | rtype)


def rejected(data: bytes, *expected: str, name: str = "bad.o"):
    """Parse `data`, require BadObject, and require its message to contain every string in
    `expected` (field names, section names, offsets). Returns the error for further checks."""
    import pytest

    from kemu.elf import BadObject, ObjectFile

    with pytest.raises(BadObject) as info:
        ObjectFile.parse(data, name)
    err = info.value
    text = str(err)
    assert text.startswith(f"{name}: "), text
    for part in expected:
        assert part in text, f"{part!r} not in {text!r}"
    return err
