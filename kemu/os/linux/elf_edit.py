"""Section headers and symbols of a relocatable ELF as byte positions, for the edits a Linux
loader or kmod makes to a module image before linking it (kmod_force.py, module_percpu.py).

kemu.elf reads objects for linking and is immutable; these edits change a few fields of a
copy of the file (a section's flags, a symbol's section and value) and the result is read
again with kemu.elf, so the linker sees what the kernel would."""
from __future__ import annotations

import struct
from dataclasses import dataclass

SHF_ALLOC = 0x2
SHT_SYMTAB = 2
SHN_ABS = 0xFFF1


class ElfEditError(Exception):
    """The file is not an ELF object these edits understand."""


@dataclass(frozen=True)
class SectionHeader:
    index: int
    name: str
    type: int
    flags: int
    flags_at: int         # file offset of sh_flags (its low 32 bits are enough for SHF_*)
    offset: int
    size: int
    align: int
    entsize: int


def is64(data: bytes) -> bool:
    if len(data) < 52 or data[:4] != b"\x7fELF" or data[4] not in (1, 2):
        raise ElfEditError("not an ELF file")
    return data[4] == 2


def section_headers(data: bytes) -> list[SectionHeader]:
    """Every section header of `data`, with its name."""
    wide = is64(data)
    if wide:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    else:
        shoff, = struct.unpack_from("<I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
    if not shnum or shoff + shnum * shentsize > len(data) or shstrndx >= shnum:
        raise ElfEditError("section header table out of bounds")
    raw = []
    for i in range(shnum):
        at = shoff + i * shentsize
        if wide:
            name, typ, flags, _addr, offset, size, _link, _info, align, entsize = \
                struct.unpack_from("<IIQQQQIIQQ", data, at)
        else:
            name, typ, flags, _addr, offset, size, _link, _info, align, entsize = \
                struct.unpack_from("<IIIIIIIIII", data, at)
        raw.append((name, typ, flags, at + 8, offset, size, align, entsize))
    str_off, str_size = raw[shstrndx][4], raw[shstrndx][5]
    out = []
    for i, (name_off, typ, flags, flags_at, offset, size, align, entsize) in enumerate(raw):
        end = data.find(b"\0", str_off + name_off, str_off + str_size)
        name = data[str_off + name_off:end].decode("latin-1") if end >= 0 else ""
        out.append(SectionHeader(i, name, typ, flags, flags_at, offset, size, align, entsize))
    return out


def clear_alloc(out: bytearray, section: SectionHeader) -> None:
    """Drop SHF_ALLOC from `section` in `out` (a loader then leaves it out of the image)."""
    flags = int.from_bytes(out[section.flags_at:section.flags_at + 4], "little")
    out[section.flags_at:section.flags_at + 4] = (flags & ~SHF_ALLOC & 0xFFFFFFFF).to_bytes(4, "little")


def make_absolute(out: bytearray, sections: list[SectionHeader], shndx: int, base: int) -> int:
    """Every symbol defined in section `shndx` (its section symbol too) becomes absolute at
    `base` + its offset, as the kernel's simplify_symbols does for per-CPU symbols; returns
    how many were changed."""
    wide = is64(bytes(out[:64]))
    mask = (1 << 64) - 1 if wide else 0xFFFFFFFF
    changed = 0
    for sec in sections:
        if sec.type != SHT_SYMTAB:
            continue
        size = 24 if wide else 16
        for at in range(sec.offset, sec.offset + sec.size - size + 1, size):
            if wide:
                sh_at, value_at, fmt = at + 6, at + 8, "<Q"
            else:
                sh_at, value_at, fmt = at + 14, at + 4, "<I"
            if struct.unpack_from("<H", out, sh_at)[0] != shndx:
                continue
            value, = struct.unpack_from(fmt, out, value_at)
            struct.pack_into("<H", out, sh_at, SHN_ABS)
            struct.pack_into(fmt, out, value_at, (value + base) & mask)
            changed += 1
    return changed
