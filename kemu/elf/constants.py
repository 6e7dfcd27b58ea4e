"""ELF numbers the reader and the layers above use, and their printable names.

Names come from pyelftools' tables so a message can say `EM_ARM` or `SHT_DYNSYM` instead of a
bare number, without kemu keeping its own copy of those lists. The tables are read on the first
message that needs a name: pyelftools costs every `kemu` command startup time otherwise.
"""
from __future__ import annotations

from functools import cache
from typing import Literal

Arch = Literal["i386", "x86_64"]

ELFCLASS32, ELFCLASS64 = 1, 2
ELFDATA2LSB, ELFDATA2MSB = 1, 2
EV_CURRENT = 1

ET_NONE, ET_REL, ET_EXEC, ET_DYN, ET_CORE = 0, 1, 2, 3, 4
EM_386, EM_X86_64 = 3, 62

SHT_NULL = 0
SHT_PROGBITS = 1
SHT_SYMTAB = 2
SHT_STRTAB = 3
SHT_RELA = 4
SHT_HASH = 5
SHT_DYNAMIC = 6
SHT_NOTE = 7
SHT_NOBITS = 8
SHT_REL = 9
SHT_DYNSYM = 11
SHT_INIT_ARRAY = 14
SHT_FINI_ARRAY = 15
SHT_PREINIT_ARRAY = 16
SHT_GROUP = 17
SHT_SYMTAB_SHNDX = 18
SHT_X86_64_UNWIND = 0x70000001

SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4
SHF_MERGE = 0x10
SHF_STRINGS = 0x20
SHF_INFO_LINK = 0x40
SHF_GROUP = 0x200
SHF_TLS = 0x400
SHF_COMPRESSED = 0x800

SHN_UNDEF = 0
SHN_LORESERVE = 0xFF00
SHN_ABS = 0xFFF1
SHN_COMMON = 0xFFF2
SHN_XINDEX = 0xFFFF

STB_LOCAL, STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE = 0, 1, 2, 10
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION, STT_FILE, STT_COMMON, STT_TLS = 0, 1, 2, 3, 4, 5, 6
STT_GNU_IFUNC = 10

GRP_COMDAT = 0x1

# Program headers (ET_DYN objects: FreeBSD i386 klds are `ld -shared` output)
PT_NULL, PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_SHLIB, PT_PHDR, PT_TLS = range(8)
PT_GNU_EH_FRAME, PT_GNU_STACK, PT_GNU_RELRO = 0x6474E550, 0x6474E551, 0x6474E552
PF_X, PF_W, PF_R = 1, 2, 4
PN_XNUM = 0xFFFF

# .dynamic tags the loader reads
DT_NULL, DT_NEEDED, DT_PLTRELSZ, DT_PLTGOT, DT_HASH, DT_STRTAB, DT_SYMTAB = 0, 1, 2, 3, 4, 5, 6
DT_RELA, DT_RELASZ, DT_RELAENT, DT_STRSZ, DT_SYMENT = 7, 8, 9, 10, 11
DT_REL, DT_RELSZ, DT_RELENT, DT_PLTREL, DT_TEXTREL, DT_JMPREL = 17, 18, 19, 20, 22, 23
DT_NAMES = {DT_NULL: "DT_NULL", DT_NEEDED: "DT_NEEDED", DT_PLTRELSZ: "DT_PLTRELSZ",
            DT_PLTGOT: "DT_PLTGOT", DT_HASH: "DT_HASH", DT_STRTAB: "DT_STRTAB",
            DT_SYMTAB: "DT_SYMTAB", DT_RELA: "DT_RELA", DT_RELASZ: "DT_RELASZ",
            DT_RELAENT: "DT_RELAENT", DT_STRSZ: "DT_STRSZ", DT_SYMENT: "DT_SYMENT",
            DT_REL: "DT_REL", DT_RELSZ: "DT_RELSZ", DT_RELENT: "DT_RELENT",
            DT_PLTREL: "DT_PLTREL", DT_TEXTREL: "DT_TEXTREL", DT_JMPREL: "DT_JMPREL"}

ARCH_OF_MACHINE: dict[int, Arch] = {EM_386: "i386", EM_X86_64: "x86_64"}
CLASS_OF_MACHINE = {EM_386: 32, EM_X86_64: 64}


def _invert(table: dict) -> dict[int, str]:
    out: dict[int, str] = {}
    for name, value in table.items():
        if isinstance(value, int) and not name.startswith("_"):
            out.setdefault(value, name)
    return out


@cache
def _names(table: str) -> dict[int, str]:
    """pyelftools' table `table` (several joined by `|`) as number → name, loaded on first use."""
    from elftools.elf import enums
    out: dict[int, str] = {}
    for part in table.split("|"):
        out = out | _invert(getattr(enums, part))
    return out


def machine_name(value: int) -> str:
    """`EM_386`, `EM_ARM` … or `EM_<n>` for numbers nobody assigned."""
    return _names("ENUM_E_MACHINE").get(value, f"EM_{value}")


def file_type_name(value: int) -> str:
    """`ET_EXEC`, `ET_DYN` … with a hint of what such a file is."""
    name = _names("ENUM_E_TYPE").get(value, f"ET_{value:#x}")
    hint = {ET_EXEC: "an executable", ET_DYN: "a shared object or PIE", ET_CORE: "a core dump",
            ET_NONE: "no file type"}.get(value)
    return f"{name} ({hint})" if hint else name


_PT_NAMES = {PT_NULL: "PT_NULL", PT_LOAD: "PT_LOAD", PT_DYNAMIC: "PT_DYNAMIC",
             PT_INTERP: "PT_INTERP", PT_NOTE: "PT_NOTE", PT_SHLIB: "PT_SHLIB", PT_PHDR: "PT_PHDR",
             PT_TLS: "PT_TLS", PT_GNU_EH_FRAME: "PT_GNU_EH_FRAME", PT_GNU_STACK: "PT_GNU_STACK",
             PT_GNU_RELRO: "PT_GNU_RELRO"}


def segment_type_name(value: int) -> str:
    """`PT_LOAD`, `PT_DYNAMIC` … or the number in hex."""
    return _PT_NAMES.get(value, f"PT_{value:#x}")


def section_type_name(value: int) -> str:
    """`SHT_PROGBITS`, `SHT_X86_64_UNWIND` … or the number in hex."""
    return _names("ENUM_SH_TYPE_AMD64|ENUM_SH_TYPE_BASE").get(value, f"SHT_{value:#x}")
