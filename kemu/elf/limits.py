"""Bounds the reader enforces and the section types no relocation may patch.

Kept apart from the numpy readers so the small-object reader (`rows`) shares them without
importing numpy.
"""
from __future__ import annotations

from .constants import (SHT_DYNSYM, SHT_GROUP, SHT_NOBITS, SHT_NULL, SHT_REL, SHT_RELA,
                        SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX)

MAX_MEMORY_SIZE = 1 << 30      # a NOBITS section or COMMON symbol larger than this is absurd
# The largest alignment a section (or a COMMON symbol) may ask for: one x86 page. Debian's
# 4023 Linux 6.1 amd64 modules use at most 256 (64 is the usual cache line), and a kernel's
# module loader gets its memory from the page allocator, so it cannot promise more than page
# alignment anyway. A larger value only serves to blow up the image (2**30 turned a 2 KB
# object into a 1 GiB image).
MAX_ALIGN = 0x1000

# Sections that hold ELF metadata rather than bytes to patch.
NOT_RELOCATABLE = frozenset({SHT_NULL, SHT_NOBITS, SHT_SYMTAB, SHT_STRTAB, SHT_REL, SHT_RELA,
                             SHT_GROUP, SHT_SYMTAB_SHNDX, SHT_DYNSYM})
