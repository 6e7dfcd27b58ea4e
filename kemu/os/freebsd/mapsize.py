"""The size a FreeBSD kld's linker file records (`lf->size`, kldstat's Size column).

link_elf_obj.c (amd64's relocatable klds) sums the allocated sections it loads, in section
header order, each first aligned to its sh_addralign: PROGBITS, NOBITS, X86_64_UNWIND (amd64),
INIT_ARRAY and FINI_ARRAY with SHF_ALLOC and a non-zero size. That sum, `mapsize`, is what it
records; only the VM object behind it is page-rounded. link_elf.c (i386's shared-object klds)
records the page-rounded span of the PT_LOAD segments instead, which kemu's image already is.
"""
from __future__ import annotations

from kemu.elf import ObjectFile
from kemu.elf.constants import (SHT_FINI_ARRAY, SHT_INIT_ARRAY, SHT_NOBITS, SHT_PROGBITS,
                                SHT_X86_64_UNWIND)

LOADED_TYPES = {SHT_PROGBITS, SHT_NOBITS, SHT_INIT_ARRAY, SHT_FINI_ARRAY}


def link_elf_obj_mapsize(obj: ObjectFile) -> int:
    """`mapsize` of an ET_REL kld, with the kernel's unsigned long arithmetic."""
    mask = (1 << (8 * (obj.elfclass // 8))) - 1
    types = LOADED_TYPES | ({SHT_X86_64_UNWIND} if obj.elfclass == 64 else set())
    mapsize = 0
    for sec in obj.sections[1:]:
        if sec.size == 0 or sec.type not in types or not sec.alloc:
            continue
        alignmask = (sec.addralign - 1) & mask
        mapsize = ((mapsize + alignmask) & ~alignmask & mask) + sec.size
    return mapsize & mask


def kld_size(obj: ObjectFile, image_size: int) -> int:
    """What kldstat shows for `obj` loaded as an image of `image_size` bytes."""
    return image_size if obj.shared else link_elf_obj_mapsize(obj)
