"""The ELF file header: identification, class, type, machine and where the section and program
header tables are.

Checked field by field so the message can name the field that is wrong and its offset.
"""
from __future__ import annotations

import struct

from kemu.record import Record

from .constants import (ARCH_OF_MACHINE, CLASS_OF_MACHINE, ELFCLASS32, ELFCLASS64, ELFDATA2LSB,
                        ELFDATA2MSB, EM_X86_64, ET_DYN, ET_REL, EV_CURRENT, Arch, file_type_name, machine_name)
from .source import Source

ELF_MAGIC = b"\x7fELF"
_EI_CLASS, _EI_DATA, _EI_VERSION = 4, 5, 6

# (struct format, {field: offset}, section header entry size) per class
_LAYOUT = {
    32: ("<HHIIIIIHHHHHH", dict(e_type=16, e_machine=18, e_version=20, e_entry=24, e_phoff=28,
                                e_shoff=32, e_flags=36, e_ehsize=40, e_phentsize=42, e_phnum=44,
                                e_shentsize=46, e_shnum=48, e_shstrndx=50), 52, 40),
    64: ("<HHIQQQIHHHHHH", dict(e_type=16, e_machine=18, e_version=20, e_entry=24, e_phoff=32,
                                e_shoff=40, e_flags=48, e_ehsize=52, e_phentsize=54, e_phnum=56,
                                e_shentsize=58, e_shnum=60, e_shstrndx=62), 64, 64),
}


class Header(Record, fields=("elfclass", "machine", "arch", "shoff", "shnum", "shentsize",
                             "shstrndx", "field_offsets", "type", "phoff", "phentsize", "phnum"),
             frozen=True):
    def __init__(self, elfclass: int, machine: int, arch: Arch, shoff: int, shnum: int,
                 shentsize: int, shstrndx: int, field_offsets: dict[str, int], type: int = ET_REL,
                 phoff: int = 0, phentsize: int = 0, phnum: int = 0) -> None:
        vars(self).update(
            elfclass=elfclass,            # 32 or 64
            machine=machine,
            arch=arch,
            shoff=shoff,
            shnum=shnum,                  # as written: 0 means "read the count from section 0"
            shentsize=shentsize,
            shstrndx=shstrndx,            # as written: SHN_XINDEX means "read it from section 0"
            field_offsets=field_offsets,
            type=type,                    # ET_REL or ET_DYN
            phoff=phoff,
            phentsize=phentsize,
            phnum=phnum,
        )


def read_header(src: Source) -> Header:
    data = src.data
    if len(data) < 16:
        src.fail(f"not an ELF file: only {len(data)} bytes, shorter than the 16-byte ELF "
                 "identification", offset=0)
    if data[:4] != ELF_MAGIC:
        src.fail(f"not an ELF file: bad magic {data[:4].hex(' ')} (expected 7f 45 4c 46)",
                 offset=0)
    ei_class = data[_EI_CLASS]
    if ei_class not in (ELFCLASS32, ELFCLASS64):
        src.fail(f"bad e_ident[EI_CLASS] {ei_class} (expected 1 for ELF32 or 2 for ELF64)",
                 offset=_EI_CLASS)
    ei_data = data[_EI_DATA]
    if ei_data == ELFDATA2MSB:
        src.fail("e_ident[EI_DATA] is 2 (big-endian); only little-endian objects are supported",
                 offset=_EI_DATA)
    if ei_data != ELFDATA2LSB:
        src.fail(f"bad e_ident[EI_DATA] {ei_data} (expected 1, little-endian)", offset=_EI_DATA)
    if data[_EI_VERSION] != EV_CURRENT:
        src.fail(f"bad e_ident[EI_VERSION] {data[_EI_VERSION]} (expected 1)", offset=_EI_VERSION)

    elfclass = 32 if ei_class == ELFCLASS32 else 64
    fmt, offsets, ehsize, shentsize = _LAYOUT[elfclass]
    if len(data) < ehsize:
        src.fail(f"ELF{elfclass} header needs {ehsize} bytes but the file has only {len(data)}",
                 offset=0)
    (e_type, e_machine, e_version, _entry, e_phoff, e_shoff, _flags, _ehsize, e_phentsize,
     e_phnum, e_shentsize, e_shnum, e_shstrndx) = struct.unpack_from(fmt, data, 16)

    if e_type not in (ET_REL, ET_DYN):
        src.fail(f"e_type is {file_type_name(e_type)}; only relocatable objects (ET_REL) and "
                 "shared objects (ET_DYN, as FreeBSD builds i386 klds) can be loaded",
                 offset=offsets["e_type"])
    if e_machine not in ARCH_OF_MACHINE:
        src.fail(f"e_machine is {machine_name(e_machine)}; only EM_386 and EM_X86_64 are "
                 "supported", offset=offsets["e_machine"])
    if CLASS_OF_MACHINE[e_machine] != elfclass:
        x32 = "; the x32 ABI is not supported" if e_machine == EM_X86_64 else ""
        src.fail(f"e_machine {machine_name(e_machine)} in an ELF{elfclass} file (expected "
                 f"ELF{CLASS_OF_MACHINE[e_machine]}{x32})", offset=offsets["e_machine"])
    if e_version != EV_CURRENT:
        src.fail(f"bad e_version {e_version} (expected 1)", offset=offsets["e_version"])
    if e_shoff == 0:
        src.fail("e_shoff is 0: the object has no section header table",
                 offset=offsets["e_shoff"])
    if e_shentsize != shentsize:
        src.fail(f"e_shentsize is {e_shentsize}, expected {shentsize} for ELF{elfclass}",
                 offset=offsets["e_shentsize"])
    return Header(elfclass, e_machine, ARCH_OF_MACHINE[e_machine], e_shoff, e_shnum,
                  e_shentsize, e_shstrndx, offsets, e_type, e_phoff, e_phentsize, e_phnum)
