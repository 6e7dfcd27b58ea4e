"""Test helper: edit the program headers and `.dynamic` of a shared object (ET_DYN) by field
name, with its own table of layouts from the ELF specification (independent of the reader)."""
from __future__ import annotations

import struct
from pathlib import Path

PHDR = {
    32: dict(p_type=(0, "I"), p_offset=(4, "I"), p_vaddr=(8, "I"), p_filesz=(16, "I"),
             p_memsz=(20, "I"), p_flags=(24, "I"), p_align=(28, "I")),
    64: dict(p_type=(0, "I"), p_flags=(4, "I"), p_offset=(8, "Q"), p_vaddr=(16, "Q"),
             p_filesz=(32, "Q"), p_memsz=(40, "Q"), p_align=(48, "Q")),
}
EHDR = {32: dict(e_phoff=(28, "I"), e_phentsize=(42, "H"), e_phnum=(44, "H")),
        64: dict(e_phoff=(32, "Q"), e_phentsize=(54, "H"), e_phnum=(56, "H"))}
PT_LOAD, PT_DYNAMIC = 1, 2
DT = dict(DT_NULL=0, DT_PLTRELSZ=2, DT_HASH=4, DT_STRTAB=5, DT_SYMTAB=6, DT_RELA=7,
          DT_RELASZ=8, DT_RELAENT=9, DT_STRSZ=10, DT_SYMENT=11, DT_REL=17, DT_RELSZ=18,
          DT_RELENT=19, DT_PLTREL=20, DT_JMPREL=23)


class DynEdit:
    def __init__(self, data: bytes | Path) -> None:
        self.data = bytearray(data.read_bytes() if isinstance(data, Path) else data)
        self.cls = 64 if self.data[4] == 2 else 32

    def bytes(self) -> bytes:
        return bytes(self.data)

    def get(self, at: int, code: str) -> int:
        return struct.unpack_from("<" + code, self.data, at)[0]

    def put(self, at: int, code: str, value: int) -> int:
        struct.pack_into("<" + code, self.data, at, value)
        return at

    # -- ELF header and program headers -----------------------------------------------------
    def set_header(self, field: str, value: int) -> int:
        at, code = EHDR[self.cls][field]
        return self.put(at, code, value)

    def header(self, field: str) -> int:
        at, code = EHDR[self.cls][field]
        return self.get(at, code)

    def phdr_offset(self, index: int, field: str) -> int:
        return self.header("e_phoff") + index * (56 if self.cls == 64 else 32) + PHDR[self.cls][field][0]

    def phdr(self, index: int, field: str) -> int:
        return self.get(self.phdr_offset(index, field), PHDR[self.cls][field][1])

    def set_phdr(self, index: int, field: str, value: int) -> int:
        return self.put(self.phdr_offset(index, field), PHDR[self.cls][field][1], value)

    def phdrs_of_type(self, p_type: int) -> list[int]:
        return [i for i in range(self.header("e_phnum")) if self.phdr(i, "p_type") == p_type]

    # -- .dynamic ---------------------------------------------------------------------------
    @property
    def dyn_entsize(self) -> int:
        return 16 if self.cls == 64 else 8

    def dynamic_entries(self) -> list[tuple[int, int, int]]:
        """(index, tag, value) of every entry up to the first DT_NULL."""
        dyn = self.phdrs_of_type(PT_DYNAMIC)[0]
        start = self.phdr(dyn, "p_offset")
        code = "qQ" if self.cls == 64 else "iI"
        out = []
        for k in range(self.phdr(dyn, "p_filesz") // self.dyn_entsize):
            tag, val = struct.unpack_from("<" + code, self.data, start + k * self.dyn_entsize)
            out.append((k, tag, val))
            if tag == 0:
                break
        return out

    def dyn_offset(self, k: int) -> int:
        dyn = self.phdrs_of_type(PT_DYNAMIC)[0]
        return self.phdr(dyn, "p_offset") + k * self.dyn_entsize

    def find_tag(self, name: str) -> int:
        return next(k for k, tag, _ in self.dynamic_entries() if tag == DT[name])

    def tag_value(self, name: str) -> int:
        return next(v for _, tag, v in self.dynamic_entries() if tag == DT[name])

    def set_entry(self, k: int, tag: int | None = None, value: int | None = None) -> int:
        at = self.dyn_offset(k)
        tcode, vcode = ("q", "Q") if self.cls == 64 else ("i", "I")
        if tag is not None:
            self.put(at, tcode, tag)
        if value is not None:
            self.put(at + self.dyn_entsize // 2, vcode, value)
        return at

    def file_offset(self, vaddr: int) -> int:
        for i in self.phdrs_of_type(PT_LOAD):
            v, off, size = self.phdr(i, "p_vaddr"), self.phdr(i, "p_offset"), self.phdr(i, "p_filesz")
            if v <= vaddr < v + size:
                return off + vaddr - v
        raise KeyError(hex(vaddr))

    def reloc_offset(self, table_tag: str, entry: int) -> int:
        """File offset of one entry of the table DT_REL / DT_RELA / DT_JMPREL names."""
        size = {(32, False): 8, (32, True): 12, (64, False): 16, (64, True): 24}
        rela = table_tag == "DT_RELA" or (table_tag == "DT_JMPREL" and self.tag_value("DT_PLTREL") == 7)
        return self.file_offset(self.tag_value(table_tag)) + entry * size[(self.cls, rela)]

    def set_reloc(self, table_tag: str, entry: int, r_offset: int | None = None,
                  sym: int | None = None, rtype: int | None = None) -> int:
        at = self.reloc_offset(table_tag, entry)
        word = "Q" if self.cls == 64 else "I"
        width = 8 if self.cls == 64 else 4
        if r_offset is not None:
            self.put(at, word, r_offset)
        info = self.get(at + width, word)
        old_sym, old_type = (info >> 32, info & 0xFFFFFFFF) if self.cls == 64 else (info >> 8, info & 0xFF)
        s, t = (old_sym if sym is None else sym), (old_type if rtype is None else rtype)
        self.put(at + width, word, (s << 32 | t) if self.cls == 64 else (s << 8 | t))
        return at
