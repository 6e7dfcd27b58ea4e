"""Writing a linked image as an ELF executable (ET_EXEC) that objdump, readelf and gdb read.

Every placed input section stays its own section, under its own name, at its final address (as
kernel loaders place them and as `gdb add-symbol-file -s` describes them); the linker's ".got"
and "COMMON" appear as sections too. One PT_LOAD per segment carries the protections. The
symbol table lists the module's symbols at their final addresses, and the resolved imports as
absolute symbols so disassembly names the kernel functions a module calls. Non-allocated
sections (DWARF, .comment) are kept, relocated against the image, so gdb shows source lines.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from kemu.elf import ObjectFile
from kemu.elf.constants import (EM_386, EM_X86_64, ET_EXEC, SHF_COMPRESSED,
                                SHF_GROUP, SHF_INFO_LINK, SHN_ABS, SHN_COMMON, SHN_UNDEF,
                                SHT_GROUP, SHT_NOBITS, SHT_NULL, SHT_PROGBITS, SHT_REL,
                                SHT_RELA,
                                SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, STB_GLOBAL,
                                STB_LOCAL, STB_WEAK, STT_FILE, STT_NOTYPE, STT_SECTION)
from kemu.intbits import align_up

from .image import LinkedImage
from .section_bytes import relocate_section_bytes

PT_LOAD = 1
PF_X, PF_W, PF_R = 1, 2, 4
PAGE = 0x1000
_SKIP_TYPES = {SHT_NULL, SHT_SYMTAB, SHT_STRTAB, SHT_REL, SHT_RELA, SHT_GROUP, SHT_SYMTAB_SHNDX}
# A shared object's dynamic-linking tables (.dynsym, .hash, .rel.dyn, .dynamic, versions) are
# allocated, so they are in its image; in the executable their sh_link would dangle and their
# contents describe the object, not the image: they are written as plain bytes.
_LINKED_TABLE_TYPES = {SHT_RELA, 5, 6, SHT_REL, 11, 0x6FFFFFF6, 0x6FFFFFFD, 0x6FFFFFFE,
                       0x6FFFFFFF}


@dataclass
class _OutSection:
    name: str
    type: int
    flags: int
    addr: int
    size: int
    align: int
    entsize: int = 0
    data: bytes | None = None     # for sections outside the image
    offset: int = 0
    link: int = 0
    info: int = 0


class _Strings:
    def __init__(self) -> None:
        self.data = bytearray(b"\0")
        self.seen: dict[str, int] = {"": 0}

    def add(self, s: str) -> int:
        if s not in self.seen:
            self.seen[s] = len(self.data)
            self.data += s.encode("utf-8", "surrogateescape") + b"\0"
        return self.seen[s]


def write_executable(image: LinkedImage, obj: ObjectFile, path: str | os.PathLike,
                     *, debug_sections: bool = True) -> None:
    """Write `image` (linked from `obj`) to `path` as an ET_EXEC."""
    is64 = image.arch == "x86_64"
    sections: list[_OutSection] = [_OutSection("", SHT_NULL, 0, 0, 0, 0)]
    out_index_of_input: dict[int, int] = {}
    common_index = None
    for p in image.placements:
        entsize = obj.sections[p.index].entsize if p.index >= 0 else 0
        flags = p.flags & ~(SHF_GROUP | SHF_INFO_LINK)
        kind = SHT_PROGBITS if p.type in _LINKED_TABLE_TYPES else p.type
        sections.append(_OutSection(p.name, kind, flags, p.addr, p.size, p.align, entsize))
        if p.index >= 0:
            out_index_of_input.setdefault(p.index, len(sections) - 1)
        elif p.name == "COMMON":
            common_index = len(sections) - 1
    if debug_sections:
        for sec in obj.sections[1:]:
            if sec.alloc or sec.type in _SKIP_TYPES or sec.nobits:
                continue
            has_relocs = any(t.target.index == sec.index for t in obj.relocations)
            if sec.flags & SHF_COMPRESSED and has_relocs:
                continue  # relocations cannot be applied to compressed bytes
            data = relocate_section_bytes(obj, image, sec) if has_relocs else obj.section_data(sec)
            sections.append(_OutSection(sec.name, sec.type, sec.flags & ~(SHF_GROUP | SHF_INFO_LINK),
                                        0, sec.size, max(sec.addralign, 1), sec.entsize, data))
            out_index_of_input[sec.index] = len(sections) - 1

    symtab, strtab, first_global = _symbols(image, obj, out_index_of_input, common_index, is64)
    shstr = _Strings()
    sym_index = len(sections)
    sections.append(_OutSection(".symtab", SHT_SYMTAB, 0, 0, len(symtab), 8 if is64 else 4,
                                24 if is64 else 16, bytes(symtab), link=sym_index + 1,
                                info=first_global))
    sections.append(_OutSection(".strtab", SHT_STRTAB, 0, 0, len(strtab), 1, 0, bytes(strtab)))
    sections.append(_OutSection(".shstrtab", SHT_STRTAB, 0, 0, 0, 1))
    names = [shstr.add(s.name) for s in sections]
    sections[-1].data = bytes(shstr.data)
    sections[-1].size = len(shstr.data)

    ehsize, phentsize, shentsize = (64, 56, 64) if is64 else (52, 32, 40)
    phnum = len(image.segments)
    image_offset = align_up(ehsize + phnum * phentsize, PAGE)
    # Only the image up to its last file-backed section goes into the file: a .bss (or
    # COMMON) at the end takes no file space, as in GNU ld's output, however large it is.
    file_end = _file_bytes(image, image.base, image.base + image.size)
    cursor = image_offset + file_end
    for s in sections[1:]:
        if s.data is None:
            s.offset = image_offset + min(s.addr - image.base, file_end)
        else:
            cursor = align_up(cursor, s.align)
            s.offset = cursor
            cursor += len(s.data)
    shoff = align_up(cursor, 8)

    out = bytearray(shoff + shentsize * len(sections))
    out[0:16] = b"\x7fELF" + bytes([2 if is64 else 1, 1, 1, 0]) + bytes(8)
    machine = EM_X86_64 if is64 else EM_386
    hdr_fmt = "<HHIQQQIHHHHHH" if is64 else "<HHIIIIIHHHHHH"
    struct.pack_into(hdr_fmt, out, 16, ET_EXEC, machine, 1, 0, ehsize if phnum else 0, shoff, 0,
                     ehsize, phentsize, phnum, shentsize, len(sections), len(sections) - 1)
    for k, seg in enumerate(image.segments):
        flags = (PF_R if "r" in seg.prot else 0) | (PF_W if "w" in seg.prot else 0) | \
                (PF_X if "x" in seg.prot else 0)
        filesz = _file_bytes(image, seg.addr, seg.addr + seg.size)
        off = image_offset + seg.addr - image.base
        if is64:
            struct.pack_into("<IIQQQQQQ", out, ehsize + k * phentsize, PT_LOAD, flags, off,
                             seg.addr, seg.addr, filesz, seg.size, PAGE)
        else:
            struct.pack_into("<IIIIIIII", out, ehsize + k * phentsize, PT_LOAD, off, seg.addr,
                             seg.addr, filesz, seg.size, flags, PAGE)
    out[image_offset:image_offset + file_end] = memoryview(image.bytes)[:file_end]
    for s in sections[1:]:
        if s.data is not None:
            out[s.offset:s.offset + len(s.data)] = s.data
    sh_fmt = "<IIQQQQIIQQ" if is64 else "<IIIIIIIIII"
    for k, s in enumerate(sections):
        if k == 0:
            continue
        struct.pack_into(sh_fmt, out, shoff + k * shentsize, names[k], s.type, s.flags, s.addr,
                         s.offset, s.size, s.link, s.info, s.align, s.entsize)
    with open(path, "wb") as f:
        f.write(out)
    try:
        os.chmod(path, 0o755)
    except OSError:
        pass


def _file_bytes(image: LinkedImage, start: int, end: int) -> int:
    """Bytes of the segment [start, end) backed by the file: up to the last non-NOBITS section."""
    last = start
    for p in image.placements:
        if start <= p.addr < end and p.type != SHT_NOBITS:
            last = max(last, p.end)
    return last - start


def _symbols(image: LinkedImage, obj: ObjectFile, out_index: dict[int, int],
             common_index: int | None, is64: bool) -> tuple[bytearray, bytearray, int]:
    strings = _Strings()
    fmt = "<IBBHQQ" if is64 else "<IIIBBH"
    entries: list[bytes] = []

    def pack(name: int, value: int, size: int, info: int, shndx: int) -> bytes:
        if is64:
            return struct.pack(fmt, name, info, 0, shndx, value, size)
        return struct.pack(fmt, name, value & 0xFFFFFFFF, size & 0xFFFFFFFF, info, 0, shndx)

    entries.append(pack(0, 0, 0, 0, 0))
    # one section symbol per output section, valued at the section's address
    for in_idx, idx in sorted(out_index.items(), key=lambda kv: kv[1]):
        entries.append(pack(0, image.section_address(in_idx), 0, STT_SECTION, idx))

    st = obj.symtab
    addr = image._sym_addr
    local_rows, global_rows = [], []
    for i in range(1, len(st)):
        info = int(st["info"][i])
        kind, bind = info & 0xF, info >> 4
        if kind == STT_SECTION:
            continue
        shndx = int(st["shndx"][i])
        if shndx == SHN_UNDEF:
            continue
        if shndx == SHN_ABS:
            out_shndx = SHN_ABS
        elif shndx == SHN_COMMON:
            if common_index is None:
                continue
            out_shndx = common_index
            info = (bind << 4) | 1  # STT_OBJECT: a COMMON symbol is allocated data now
        elif shndx in out_index:
            out_shndx = out_index[shndx]
        else:
            continue
        if kind == STT_FILE:
            out_shndx = SHN_ABS
        name = strings.add(obj.symbol_name(i))
        row = pack(name, int(addr[i]) if kind != STT_FILE else 0, int(st["size"][i]), info,
                   out_shndx)
        (local_rows if bind == STB_LOCAL else global_rows).append(row)
    for name, where in image.imports.items():
        global_rows.append(pack(strings.add(name), where, 0, (STB_GLOBAL << 4) | STT_NOTYPE,
                                SHN_ABS))
    for name in image.weak_unresolved:
        global_rows.append(pack(strings.add(name), 0, 0, (STB_WEAK << 4) | STT_NOTYPE, SHN_UNDEF))
    first_global = len(entries) + len(local_rows)
    table = bytearray(b"".join(entries + local_rows + global_rows))
    return table, strings.data, first_global
