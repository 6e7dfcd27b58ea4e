"""Read a .kmod's module(9) record the way kern_module.c reaches it, with pyelftools only.

kern_module.c asks kobj for the section named "link_set_modules", requires it to hold exactly
one pointer, and follows that pointer to the modinfo_t, whose mi_name and mi_required point at
strings. In an unlinked object every one of those pointers is a relocation, so this reader
resolves them (symbol's section and value plus the addend; on i386 the implicit addend is in
the bytes) without kemu's own ELF reader or linker: the fixtures are checked independently of
the code that will load them.
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

MODINFO = {32: "<IiIII", 64: "<IiQQQ"}   # version, class, modcmd, name, required


@dataclass
class ModuleRecord:
    """What kern_module.c learns from a module's link_set_modules entry."""

    linkset_size: int
    version: int
    modclass: int
    name: str
    required: str | None
    modcmd_symbol: str


class Kmod:
    """One .kmod opened for reading relocated pointers out of its sections."""

    def __init__(self, path: Path):
        self.data = path.read_bytes()
        self.elf = ELFFile(io.BytesIO(self.data))
        self.word = self.elf.elfclass // 8
        self.symtab = self.elf.get_section_by_name(".symtab")

    def section(self, name: str):
        return self.elf.get_section_by_name(name)

    def _relocation_at(self, section_index: int, offset: int):
        for sec in self.elf.iter_sections():
            if isinstance(sec, RelocationSection) and sec["sh_info"] == section_index:
                for rel in sec.iter_relocations():
                    if rel["r_offset"] == offset:
                        return rel, sec.is_RELA()
        return None, False

    def pointer(self, section_index: int, offset: int) -> tuple[int, int, str] | None:
        """(target section index, offset in it, symbol name) of the pointer stored at
        section+offset, or None when no relocation sits there (a NULL pointer)."""
        rel, is_rela = self._relocation_at(section_index, offset)
        if rel is None:
            return None
        sym = self.symtab.get_symbol(rel["r_info_sym"])
        if is_rela:
            addend = rel["r_addend"]
        else:
            raw = self.elf.get_section(section_index).data()[offset:offset + self.word]
            addend = int.from_bytes(raw, "little", signed=True)
        return sym["st_shndx"], sym["st_value"] + addend, sym.name

    def cstring(self, section_index: int, offset: int) -> str:
        data = self.elf.get_section(section_index).data()
        return data[offset:data.index(b"\0", offset)].decode()

    def module_record(self) -> ModuleRecord:
        linkset = self.section("link_set_modules")
        if linkset is None:
            raise LookupError("no link_set_modules section")
        index = self.elf.get_section_index("link_set_modules")
        target = self.pointer(index, 0)
        fmt = MODINFO[self.elf.elfclass]
        shndx, off, _ = target
        version, modclass, _, _, _ = struct.unpack_from(fmt, self.elf.get_section(shndx).data(), off)
        name_ptr = self.pointer(shndx, off + (12 if self.word == 4 else 16))
        req_ptr = self.pointer(shndx, off + (16 if self.word == 4 else 24))
        modcmd = self.pointer(shndx, off + 8)
        modcmd_name = modcmd[2] or self._symbol_at(modcmd[0], modcmd[1])
        return ModuleRecord(
            linkset_size=linkset["sh_size"],
            version=version,
            modclass=modclass,
            name=self.cstring(*name_ptr[:2]),
            required=self.cstring(*req_ptr[:2]) if req_ptr else None,
            modcmd_symbol=modcmd_name,
        )

    def _symbol_at(self, shndx: int, value: int) -> str:
        for sym in self.symtab.iter_symbols():
            if sym["st_shndx"] == shndx and sym["st_value"] == value and sym["st_info"]["type"] == "STT_FUNC":
                return sym.name
        return ""
