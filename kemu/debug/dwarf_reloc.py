"""Relocate an object's DWARF sections to where the linker placed its code and data.

In an ELF relocatable object, every address in `.debug_info`, `.debug_line`, `.debug_frame`,
`.debug_aranges` … is a relocation against a section symbol (`.text + 0x1a`), not an address.
pyelftools can apply those relocations, but only with symbol values from the object itself,
which are section offsets: every function would appear to start near 0 and two code sections
would overlap. So we apply the relocations ourselves with the addresses the linker chose
(section index → address, plus the image's symbol map for COMMON symbols), write the results
into a copy of the object, give each placed section its address, and let pyelftools read the
copy without relocating again.
"""
from __future__ import annotations

import io
import struct
from typing import Mapping

from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

# (width, pc_relative) for the relocation types compilers put into debug and unwind sections
_I386_TYPES = {1: (4, False), 2: (4, True)}                       # R_386_32, R_386_PC32
_X86_64_TYPES = {1: (8, False), 2: (4, True), 10: (4, False),      # R_X86_64_64, PC32, 32
                 11: (4, False), 24: (8, True)}                    # 32S, PC64

_SHN_UNDEF, _SHN_ABS, _SHN_COMMON = 0, 0xFFF1, 0xFFF2


class DwarfRelocationError(Exception):
    """A debug-section relocation kemu cannot apply; the message names section, offset and type."""


def _patch_targets(elf: ELFFile) -> list[tuple[int, RelocationSection]]:
    """Relocation sections whose target is a debug section or .eh_frame."""
    out = []
    for sec in elf.iter_sections():
        if not isinstance(sec, RelocationSection):
            continue
        target_index = sec["sh_info"]
        if target_index <= 0 or target_index >= elf.num_sections():
            continue
        target = elf.get_section(target_index)
        if target.name.startswith(".debug_") or target.name == ".eh_frame":
            out.append((target_index, sec))
    return out


def relocated_debug_object(data: bytes, section_addresses: Mapping[int, int],
                           symbol_addresses: Mapping[str, int] | None = None,
                           name: str = "object") -> bytes:
    """A copy of the object whose debug sections hold final addresses.

    `section_addresses` maps section index → the address the linker placed that section at;
    `symbol_addresses` (optional) gives addresses of global symbols (COMMON ones have no
    section). Placed sections get their address as `sh_addr` in the copy, so pc-relative
    encodings in `.eh_frame` decode to the right place.
    """
    symbol_addresses = symbol_addresses or {}
    elf = ELFFile(io.BytesIO(data))
    out = bytearray(data)
    is64 = elf.elfclass == 64
    types = _X86_64_TYPES if is64 else _I386_TYPES
    shoff, shentsize = elf["e_shoff"], elf["e_shentsize"]
    addr_field = 16 if is64 else 12        # offset of sh_addr in a section header
    for index, addr in section_addresses.items():
        if 0 < index < elf.num_sections():
            pos = shoff + index * shentsize + addr_field
            struct.pack_into("<Q" if is64 else "<I", out, pos, addr & ((1 << (64 if is64 else 32)) - 1))

    for target_index, rel in _patch_targets(elf):
        target = elf.get_section(target_index)
        if target["sh_type"] == "SHT_NOBITS":
            continue
        base = target["sh_offset"]
        size = target["sh_size"]
        place = section_addresses.get(target_index, 0)
        symtab = elf.get_section(rel["sh_link"])
        if not isinstance(symtab, SymbolTableSection):
            raise DwarfRelocationError(f"{name}: {rel.name} does not link to a symbol table")
        for r in rel.iter_relocations():
            rtype = r["r_info_type"]
            if rtype == 0:
                continue
            if rtype not in types:
                raise DwarfRelocationError(
                    f"{name}: {rel.name} offset {r['r_offset']:#x}: relocation type {rtype} "
                    f"is not one kemu applies to debug sections")
            width, pcrel = types[rtype]
            off = r["r_offset"]
            if off + width > size:
                raise DwarfRelocationError(f"{name}: {rel.name} offset {off:#x} runs past {target.name}")
            sym_index = r["r_info_sym"]
            if sym_index >= symtab.num_symbols():
                raise DwarfRelocationError(f"{name}: {rel.name} offset {off:#x}: symbol index {sym_index} out of range")
            sym = symtab.get_symbol(sym_index)
            shndx = sym["st_shndx"]
            if isinstance(shndx, str):
                shndx = {"SHN_UNDEF": _SHN_UNDEF, "SHN_ABS": _SHN_ABS, "SHN_COMMON": _SHN_COMMON}.get(shndx, _SHN_UNDEF)
            if sym.name and sym.name in symbol_addresses and sym["st_info"]["bind"] != "STB_LOCAL":
                s = symbol_addresses[sym.name]
            elif shndx in (_SHN_UNDEF, _SHN_COMMON):
                s = symbol_addresses.get(sym.name, 0)
            elif shndx == _SHN_ABS:
                s = sym["st_value"]
            else:
                s = section_addresses.get(shndx, 0) + sym["st_value"]
            fmt = "<Q" if width == 8 else "<I"
            if r.is_RELA():
                addend = r["r_addend"]
            else:
                addend = struct.unpack_from("<i", data, base + off)[0]
            value = s + addend
            if pcrel:
                value -= place + off
            struct.pack_into(fmt, out, base + off, value & ((1 << (8 * width)) - 1))
    return bytes(out)


def load_dwarf(data: bytes, section_addresses: Mapping[int, int],
               symbol_addresses: Mapping[str, int] | None = None, name: str = "object"):
    """(ELFFile, DWARFInfo | None) of the relocated copy; None when the object has no DWARF."""
    patched = relocated_debug_object(data, section_addresses, symbol_addresses, name)
    elf = ELFFile(io.BytesIO(patched))
    if not elf.has_dwarf_info() or elf.get_section_by_name(".debug_info") is None:
        return elf, None
    return elf, elf.get_dwarf_info(relocate_dwarf_sections=False)
