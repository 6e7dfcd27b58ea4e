"""The relocation types of shared objects (ET_DYN): what `.dynamic`'s DT_REL, DT_RELA and
DT_JMPREL tables may hold, per architecture.

These are the types FreeBSD's kernel linker applies to shared-object klds
(sys/i386/i386/elf_machdep.c, sys/amd64/amd64/elf_machdep.c) and the psABIs define for a
loader: RELATIVE adds the load bias to the addend, GLOB_DAT and JMP_SLOT store the symbol's
address (the field's old contents, in REL tables the lazy-binding address, are replaced), and
the absolute and PC-relative types a text relocation leaves (`ld -shared` of non-PIC code) keep
their static formulas. COPY relocations have no meaning in a kernel and are refused.
"""
from __future__ import annotations

from .reloc_i386 import KNOWN_NAMES as I386_NAMES
from .reloc_i386 import TYPES as I386_STATIC
from .reloc_types import ArchRelocs
from .reloc_types import Overflow as O
from .reloc_types import RelocType as R
from .reloc_types import make_table
from .reloc_x86_64 import KNOWN_NAMES as X86_64_NAMES
from .reloc_x86_64 import TYPES as X86_64_STATIC

I386_TYPES = [
    R(0, "R_386_NONE", 0, ""),
    R(1, "R_386_32", 4, "S + A"),
    R(2, "R_386_PC32", 4, "S + A - P"),
    R(6, "R_386_GLOB_DAT", 4, "S", overwrite=True),
    R(7, "R_386_JMP_SLOT", 4, "S", overwrite=True, note="bound now: no lazy binding"),
    R(8, "R_386_RELATIVE", 4, "BASE + A"),
]

X86_64_TYPES = [
    R(0, "R_X86_64_NONE", 0, ""),
    R(1, "R_X86_64_64", 8, "S + A"),
    R(2, "R_X86_64_PC32", 4, "S + A - P", O.SIGNED),
    R(6, "R_X86_64_GLOB_DAT", 8, "S", overwrite=True),
    R(7, "R_X86_64_JUMP_SLOT", 8, "S", overwrite=True, note="bound now: no lazy binding"),
    R(8, "R_X86_64_RELATIVE", 8, "BASE + A"),
    R(10, "R_X86_64_32", 4, "S + A", O.UNSIGNED),
    R(11, "R_X86_64_32S", 4, "S + A", O.SIGNED),
    R(24, "R_X86_64_PC64", 8, "S + A - P"),
]


def _names(static: list[R], known: dict[int, str]) -> dict[int, str]:
    names = dict(known)
    names.update({t.code: t.name for t in static})
    return names


DYNAMIC_RELOC_TABLES: dict[str, ArchRelocs] = {
    "i386": make_table("i386", 32, I386_TYPES, _names(I386_STATIC, I386_NAMES)),
    "x86_64": make_table("x86_64", 64, X86_64_TYPES, _names(X86_64_STATIC, X86_64_NAMES)),
}
