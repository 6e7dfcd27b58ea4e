"""x86-64 relocation types (SysV psABI, RELA): formula, field width and GNU ld's overflow rule.

Overflow rules are GNU ld's (bfd's howto table, checked against ld 2.40 at the boundaries by
the differential tests): 32 is unsigned, 32S/PC32/PLT32/GOT*32 are signed, 16/PC16/8 are
bitfields (accepting [-2**n, 2**n)), PC8 is signed, SIZE32 unsigned; 64-bit fields cannot overflow.

There is no PLT: a kernel module's calls go straight to their target, so PLT32 is S + A - P and
PLTOFF64 is S + A - GOT, as ld computes them for symbols it does not route through a PLT.
The GOT family uses the linker's own small GOT (one slot per symbol, holding S).
"""
from __future__ import annotations

from .reloc_types import Overflow as O
from .reloc_types import RelocType as R
from .reloc_types import make_table

TYPES = [
    R(0, "R_X86_64_NONE", 0, "", note="no operation (objtool turns patched calls into these)"),
    R(1, "R_X86_64_64", 8, "S + A"),
    R(2, "R_X86_64_PC32", 4, "S + A - P", O.SIGNED),
    R(3, "R_X86_64_GOT32", 4, "G + A", O.SIGNED),
    R(4, "R_X86_64_PLT32", 4, "S + A - P", O.SIGNED, note="no PLT: L = S"),
    R(9, "R_X86_64_GOTPCREL", 4, "G + GOT + A - P", O.SIGNED),
    R(10, "R_X86_64_32", 4, "S + A", O.UNSIGNED),
    R(11, "R_X86_64_32S", 4, "S + A", O.SIGNED),
    R(12, "R_X86_64_16", 2, "S + A", O.BITFIELD),
    R(13, "R_X86_64_PC16", 2, "S + A - P", O.BITFIELD),
    R(14, "R_X86_64_8", 1, "S + A", O.BITFIELD),
    R(15, "R_X86_64_PC8", 1, "S + A - P", O.SIGNED),
    R(24, "R_X86_64_PC64", 8, "S + A - P"),
    R(25, "R_X86_64_GOTOFF64", 8, "S + A - GOT"),
    R(26, "R_X86_64_GOTPC32", 4, "GOT + A - P", O.SIGNED),
    R(27, "R_X86_64_GOT64", 8, "G + A"),
    R(28, "R_X86_64_GOTPCREL64", 8, "G + GOT - P + A"),
    R(29, "R_X86_64_GOTPC64", 8, "GOT - P + A"),
    R(30, "R_X86_64_GOTPLT64", 8, "G + A", note="no PLT: a plain GOT slot"),
    R(31, "R_X86_64_PLTOFF64", 8, "S + A - GOT", note="no PLT: L = S"),
    R(32, "R_X86_64_SIZE32", 4, "Z + A", O.UNSIGNED),
    R(33, "R_X86_64_SIZE64", 8, "Z + A"),
    R(41, "R_X86_64_GOTPCRELX", 4, "G + GOT + A - P", O.SIGNED,
      note="never relaxed: the instruction keeps loading its GOT slot"),
    R(42, "R_X86_64_REX_GOTPCRELX", 4, "G + GOT + A - P", O.SIGNED,
      note="never relaxed: the instruction keeps loading its GOT slot"),
]

# psABI names of the types kemu does not implement (dynamic linking, TLS, C++ vtables), so an
# error can say `R_X86_64_TPOFF32` rather than a number.
KNOWN_NAMES = {
    5: "R_X86_64_COPY", 6: "R_X86_64_GLOB_DAT", 7: "R_X86_64_JUMP_SLOT", 8: "R_X86_64_RELATIVE",
    16: "R_X86_64_DTPMOD64", 17: "R_X86_64_DTPOFF64", 18: "R_X86_64_TPOFF64",
    19: "R_X86_64_TLSGD", 20: "R_X86_64_TLSLD", 21: "R_X86_64_DTPOFF32",
    22: "R_X86_64_GOTTPOFF", 23: "R_X86_64_TPOFF32", 34: "R_X86_64_GOTPC32_TLSDESC",
    35: "R_X86_64_TLSDESC_CALL", 36: "R_X86_64_TLSDESC", 37: "R_X86_64_IRELATIVE",
    38: "R_X86_64_RELATIVE64", 43: "R_X86_64_CODE_4_GOTPCRELX", 44: "R_X86_64_CODE_4_GOTTPOFF",
    45: "R_X86_64_CODE_4_GOTPC32_TLSDESC", 250: "R_X86_64_GNU_VTINHERIT",
    251: "R_X86_64_GNU_VTENTRY",
}

RELOCS = make_table("x86_64", 64, TYPES, KNOWN_NAMES)
