"""kemu.elf — read and validate ELF objects (ET_REL, and ET_DYN shared objects; i386 and x86-64).

The bottom layer: no Unicorn, no OS. Every defect raises `BadObject` naming the file, the
section and the byte offset. See docs/interfaces.md §1.

Each name is imported from its module when first used (kemu.lazy); the numpy dtypes
RELOC_DTYPE and SYMTAB_DTYPE are made on first use too (kemu.elf.model): small objects need no
numpy.
"""
from kemu.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    ".constants": ["Arch"],
    ".errors": ["BadObject", "ElfError"],
    ".files": ["MAX_OBJECT_FILE_SIZE", "read_object_file"],
    ".model": ["Section", "Symbol", "RELOC_DTYPE", "SYMTAB_DTYPE"],
    ".tables": ["DynamicRelocations", "ProgramHeader", "RelocationTable", "SectionGroup"],
    ".objectfile": ["ObjectFile"],
})

__all__ = ["Arch", "BadObject", "DynamicRelocations", "ProgramHeader", "ElfError", "MAX_OBJECT_FILE_SIZE", "ObjectFile", "RelocationTable", "RELOC_DTYPE",
           "Section", "SectionGroup", "Symbol", "SYMTAB_DTYPE", "read_object_file"]
