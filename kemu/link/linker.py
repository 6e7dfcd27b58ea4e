"""`link`: lay out, resolve and relocate one ELF object into a `LinkedImage` (ET_REL here;
ET_DYN shared objects in `shared`).

Steps, each in its own module: gather the relocations of the sections the policy places
(batch), plan the GOT they need (got), allocate COMMON (commons), assign addresses (layout),
compute symbol values through the resolver (resolve), fill the GOT, then apply every relocation
a type at a time (apply). Nothing here knows an operating system.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from kemu.elf import ObjectFile
from kemu.elf.constants import SHN_UNDEF

from .arches import WORD_SIZE, relocs_for
from .errors import LinkError
from .symbol_rules import GOT_SYMBOL
from .image import LinkedImage
from .layout import plan_layout
from .policy import DEFAULT_POLICY, LayoutPolicy, placeable

if TYPE_CHECKING:
    import numpy as np


def link(obj: ObjectFile, base: int, resolve: Callable[[str], "int | None"],
         page_size: int = 4096, *, policy: LayoutPolicy | None = None) -> LinkedImage:
    """Link `obj` at `base`; `resolve(name)` gives the address of an external symbol or None.

    Raises UnresolvedSymbols, UnknownRelocation, RelocationOverflow, BadRelocation (all
    LinkError) with messages naming the file, section+offset, type and symbol."""
    policy = policy or DEFAULT_POLICY
    if obj.small:
        # Read into Python rows (kemu.elf.rows): linked without numpy unless something needs
        # the full linker (a GOT, or any error, which the full linker words). The resolver is
        # asked once per name either way.
        from .small import link_small
        resolve = _asked_once(resolve)
        image = link_small(obj, base, resolve, page_size, policy)
        if image is not None:
            return image
    return _link_arrays(obj, base, resolve, page_size, policy)


def _asked_once(resolve: Callable[[str], "int | None"]) -> Callable[[str], "int | None"]:
    """`resolve` with its answers remembered, so a second linker asks nothing twice."""
    answers: dict[str, object] = {}

    def remembered(name: str):
        if name not in answers:
            answers[name] = resolve(name)
        return answers[name]
    return remembered


def _link_arrays(obj: ObjectFile, base: int, resolve: Callable[[str], "int | None"],
                 page_size: int, policy: LayoutPolicy) -> LinkedImage:
    """The numpy linker: any size, GOTs, every error with its message."""
    import numpy as np

    from .apply import GotInfo, Target, apply_batch
    from .batch import gather, tables_for
    from .commons import allocate_commons
    from .got import plan_got
    from .resolve import symbol_values
    if obj.shared:
        # Already laid out by ld: placed whole, its segments' relative addresses kept. The
        # policy only classifies its sections (for placements); it cannot leave one out.
        from .shared import link_shared
        return link_shared(obj, base, resolve, page_size, policy)
    relocs = relocs_for(obj.arch)
    word = WORD_SIZE[obj.arch]
    bits = relocs.address_bits

    in_image = np.array([placeable(s) and policy.select(s) for s in obj.sections], bool)
    batch = gather(tables_for(obj, in_image))
    nsyms = len(obj.symtab)
    used = np.zeros(nsyms, bool)
    used[batch.sym] = True
    needed = np.flatnonzero(used)
    got_symbol_used = _refers_to_got_symbol(obj, needed)
    got = plan_got(relocs, batch.type, batch.sym, nsyms, got_symbol_used, word)
    commons = allocate_commons(obj.symtab)
    layout = plan_layout(obj, base, page_size, policy, got.size, word, commons, bits)
    layout.section_addr = np.array(layout.section_addr, np.uint64)
    layout.in_image = np.array(layout.in_image, bool)
    values = symbol_values(obj, layout, commons, needed, resolve, bits)

    image = bytearray(layout.size)
    for p in layout.placements:
        if p.index >= 0 and not obj.sections[p.index].nobits:
            start = p.addr - base
            data = obj.section_view(p.index)
            if len(data) != p.size:   # the reader guarantees it; a short copy would shift bytes
                raise LinkError(obj.name, f"section [{p.index}] {p.name}: {len(data):#x} bytes "
                                          f"in the file for a section of {p.size:#x}")
            image[start:start + p.size] = data
    buf = np.frombuffer(image, np.uint8)
    got_info = None
    if got.needed:
        got_info = GotInfo(layout.got_addr, got.offset)
        slots = np.uint64(layout.got_addr - base) + got.offset[got.slot_symbols]
        _store_words(buf, slots.astype(np.int64), values.addr[got.slot_symbols], word)

    sizes = np.array([s.size for s in obj.sections], np.uint64)
    target = Target(buf, base, layout.section_addr, sizes)
    apply_batch(obj, batch, relocs, values, got_info, target)

    return LinkedImage(
        arch=obj.arch, base=base, size=layout.size, bytes=image, placements=layout.placements,
        segments=layout.segments, imports=values.imports, weak_unresolved=values.weak_unresolved,
        got_addr=layout.got_addr, name=obj.name, _obj=obj, _sym_addr=values.addr,
        _sym_size=values.size, _section_addr=layout.section_addr, _got_offset=got.offset)


def _refers_to_got_symbol(obj: ObjectFile, needed: np.ndarray) -> bool:
    undefined = needed[obj.symtab["shndx"][needed] == SHN_UNDEF]
    return any(obj.symbol_name(int(i)) == GOT_SYMBOL for i in undefined if i)


def _store_words(buf: np.ndarray, pos: np.ndarray, value: np.ndarray, word: int) -> None:
    import numpy as np
    as_bytes = value.astype("<u8").view(np.uint8).reshape(-1, 8)[:, :word]
    buf[pos[:, None] + np.arange(word)] = as_bytes  # GOT slots: few, so plain fancy indexing


def check_arch(obj: ObjectFile, arch: str) -> None:
    """LinkError unless the object is for `arch` (the CLI's --arch)."""
    if obj.arch != arch:
        raise LinkError(obj.name, f"object is {obj.arch} ({'ELF32' if obj.elfclass == 32 else 'ELF64'}), "
                                  f"not {arch}")
