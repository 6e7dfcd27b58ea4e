"""kemu.elf — read and validate ELF objects (ET_REL, and ET_DYN shared objects; i386 and x86-64).

The bottom layer: no Unicorn, no OS. Every defect raises `BadObject` naming the file, the
section and the byte offset. See docs/interfaces.md §1.
"""
from .constants import Arch
from .errors import BadObject, ElfError
from .files import MAX_OBJECT_FILE_SIZE, read_object_file
from .model import DynamicRelocations, ProgramHeader, RelocationTable, Section, SectionGroup, Symbol
from .objectfile import ObjectFile

__all__ = ["Arch", "BadObject", "DynamicRelocations", "ProgramHeader", "ElfError", "MAX_OBJECT_FILE_SIZE", "ObjectFile", "RelocationTable", "RELOC_DTYPE",
           "Section", "SectionGroup", "Symbol", "SYMTAB_DTYPE", "read_object_file"]


def __getattr__(name: str):
    # The numpy dtypes are made on first use (kemu.elf.model): small objects need no numpy.
    if name in ("RELOC_DTYPE", "SYMTAB_DTYPE"):
        from . import model
        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
