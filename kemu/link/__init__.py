"""kemu.link — layout, symbol resolution and relocation of ET_REL objects (no Unicorn, no OS).

`link(obj, base, resolve)` places the allocated sections of a `kemu.elf.ObjectFile` the way a
kernel loader does, resolves its symbols (module definitions first, then `resolve(name)`),
applies every relocation with the per-arch tables in `reloc_i386` / `reloc_x86_64`, and returns
a `LinkedImage`. `write_executable` saves that image as an ET_EXEC for objdump, readelf and gdb.
See docs/interfaces.md §2.

Each name is imported from its module when first used (kemu.lazy): the ELF writer
(`kemu link -o`, the debugger), the debug-section relocator (numpy) and the source locator
(pyelftools) only by the runs that use them.
"""
from kemu.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    ".errors": ["BadRelocation", "LinkError", "MissingSymbol", "RelocationError",
                "RelocationOverflow", "UnknownRelocation", "UnresolvedSymbols"],
    ".image": ["ImageSymbol", "LinkedImage"],
    ".layout": ["Placement", "Segment"],
    ".linker": ["link"],
    ".policy": ["DEFAULT_POLICY", "LayoutPolicy"],
    ".elf_writer": ["write_executable"],
    ".section_bytes": ["relocate_section_bytes"],
    ".line_locator": ["source_locator"],
})

__all__ = ["BadRelocation", "DEFAULT_POLICY", "ImageSymbol", "LayoutPolicy", "LinkError",
           "LinkedImage", "MissingSymbol", "Placement", "RelocationError", "RelocationOverflow", "Segment",
           "UnknownRelocation", "UnresolvedSymbols", "link", "relocate_section_bytes",
           "source_locator", "write_executable"]
