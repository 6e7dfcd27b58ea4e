"""kemu.link — layout, symbol resolution and relocation of ET_REL objects (no Unicorn, no OS).

`link(obj, base, resolve)` places the allocated sections of a `kemu.elf.ObjectFile` the way a
kernel loader does, resolves its symbols (module definitions first, then `resolve(name)`),
applies every relocation with the per-arch tables in `reloc_i386` / `reloc_x86_64`, and returns
a `LinkedImage`. `write_executable` saves that image as an ET_EXEC for objdump, readelf and gdb.
See docs/interfaces.md §2.
"""
from .errors import (BadRelocation, LinkError, MissingSymbol, RelocationError,
                     RelocationOverflow, UnknownRelocation, UnresolvedSymbols)
from .image import ImageSymbol, LinkedImage
from .layout import Placement, Segment
from .linker import link
from .policy import DEFAULT_POLICY, LayoutPolicy

__all__ = ["BadRelocation", "DEFAULT_POLICY", "ImageSymbol", "LayoutPolicy", "LinkError",
           "LinkedImage", "MissingSymbol", "Placement", "RelocationError", "RelocationOverflow", "Segment",
           "UnknownRelocation", "UnresolvedSymbols", "link", "relocate_section_bytes",
           "source_locator", "write_executable"]


def __getattr__(name: str):
    # The ELF writer is only needed by `kemu link -o` and the debugger; load it on demand.
    if name == "write_executable":
        from .elf_writer import write_executable
        return write_executable
    if name == "relocate_section_bytes":   # debug sections (numpy, imported then)
        from .section_bytes import relocate_section_bytes
        return relocate_section_bytes
    if name == "source_locator":   # file:line for oops reports (pyelftools, when first used)
        from .source_lines import source_locator
        return source_locator
    raise AttributeError(name)
