"""i386 relocation types (SysV i386 psABI; REL tables with in-place addends, RELA accepted too).

Overflow rules are GNU ld's: 32-bit fields cannot overflow on a 32-bit address space; 16, PC16
and 8 are bitfields (accepting [-2**n, 2**n) modulo 2**32), PC8 is signed. For REL, the symbol
part is checked before the in-place addend is added, as ld does (see `reloc_types.fits`).

GOT32 and GOT32X follow ld: the field is the slot's offset from the GOT base, unless the
instruction addresses memory with no base register (`movl foo@GOT, %eax` in -fno-pic code),
where it is the slot's absolute address (operand B). There is no PLT: PLT32 is S + A - P.
"""
from __future__ import annotations

from .reloc_types import Overflow as O
from .reloc_types import RelocType as R
from .reloc_types import make_table

TYPES = [
    R(0, "R_386_NONE", 0, ""),
    R(1, "R_386_32", 4, "S + A"),
    R(2, "R_386_PC32", 4, "S + A - P"),
    R(3, "R_386_GOT32", 4, "G + B + A"),
    R(4, "R_386_PLT32", 4, "S + A - P", note="no PLT: L = S"),
    R(9, "R_386_GOTOFF", 4, "S + A - GOT"),
    R(10, "R_386_GOTPC", 4, "GOT + A - P"),
    R(20, "R_386_16", 2, "S + A", O.BITFIELD),
    R(21, "R_386_PC16", 2, "S + A - P", O.BITFIELD),
    R(22, "R_386_8", 1, "S + A", O.BITFIELD),
    R(23, "R_386_PC8", 1, "S + A - P", O.SIGNED),
    R(38, "R_386_SIZE32", 4, "Z + A"),
    R(43, "R_386_GOT32X", 4, "G + B + A", note="never relaxed: the instruction keeps its GOT load"),
]

KNOWN_NAMES = {
    5: "R_386_COPY", 6: "R_386_GLOB_DAT", 7: "R_386_JMP_SLOT", 8: "R_386_RELATIVE",
    11: "R_386_32PLT", 14: "R_386_TLS_TPOFF", 15: "R_386_TLS_IE", 16: "R_386_TLS_GOTIE",
    17: "R_386_TLS_LE", 18: "R_386_TLS_GD", 19: "R_386_TLS_LDM", 24: "R_386_TLS_GD_32",
    25: "R_386_TLS_GD_PUSH", 26: "R_386_TLS_GD_CALL", 27: "R_386_TLS_GD_POP",
    28: "R_386_TLS_LDM_32", 29: "R_386_TLS_LDM_PUSH", 30: "R_386_TLS_LDM_CALL",
    31: "R_386_TLS_LDM_POP", 32: "R_386_TLS_LDO_32", 33: "R_386_TLS_IE_32",
    34: "R_386_TLS_LE_32", 35: "R_386_TLS_DTPMOD32", 36: "R_386_TLS_DTPOFF32",
    37: "R_386_TLS_TPOFF32", 39: "R_386_TLS_GOTDESC", 40: "R_386_TLS_DESC_CALL",
    41: "R_386_TLS_DESC", 42: "R_386_IRELATIVE", 250: "R_386_GNU_VTINHERIT",
    251: "R_386_GNU_VTENTRY",
}

RELOCS = make_table("i386", 32, TYPES, KNOWN_NAMES)
