"""The per-architecture facts the machine-independent linker needs: relocation table, word size."""
from __future__ import annotations

from kemu.arch import WORD_SIZE

from .reloc_i386 import RELOCS as I386_RELOCS
from .reloc_types import ArchRelocs
from .reloc_x86_64 import RELOCS as X86_64_RELOCS

RELOC_TABLES: dict[str, ArchRelocs] = {"i386": I386_RELOCS, "x86_64": X86_64_RELOCS}


def relocs_for(arch: str) -> ArchRelocs:
    """The relocation table of `arch` ("i386" or "x86_64")."""
    try:
        return RELOC_TABLES[arch]
    except KeyError:
        raise ValueError(f"no relocation table for architecture {arch!r}") from None
