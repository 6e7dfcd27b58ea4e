"""Symbol values: module definitions first, then the caller's resolver for what is undefined.

Defined symbols get their section's final address plus st_value (non-allocated sections sit at
address 0, as in ld's output); SHN_ABS keeps st_value; COMMON symbols get their place in the
COMMON block. Undefined symbols that a relocation needs are looked up once per name: among the
module's own global/weak definitions, then `_GLOBAL_OFFSET_TABLE_` (the linker's GOT), then
`resolve(name)`. An unresolved weak symbol is 0; an unresolved non-weak one is recorded, so the
caller can report every one of them with every place that uses it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from kemu.elf import ObjectFile
from kemu.elf.constants import SHN_ABS, SHN_COMMON, SHN_UNDEF, STB_LOCAL, STB_WEAK

from .commons import CommonBlock
from .errors import LinkError
from .layout import Layout, is_integer
from .symbol_rules import GOT_SYMBOL, checked_address  # noqa: F401  (checked_address: its home before)

if TYPE_CHECKING:
    import numpy as np

OK, UNRESOLVED, DISCARDED, UNDEFINED_LOCAL = 0, 1, 2, 3

Resolver = Callable[[str], "int | None"]


@dataclass
class SymbolValues:
    """Per-symbol-index arrays (address, size, status) plus what the resolver supplied."""

    addr: np.ndarray
    size: np.ndarray
    status: np.ndarray
    imports: dict[str, int] = field(default_factory=dict)
    weak_unresolved: list[str] = field(default_factory=list)


def symbol_values(obj: ObjectFile, layout: Layout, commons: CommonBlock,
                  needed: np.ndarray, resolve: Resolver, address_bits: int) -> SymbolValues:
    """Compute every symbol's address; `needed` lists the symbol indices relocations use."""
    import numpy as np
    st = obj.symtab
    n = len(st)
    shndx = st["shndx"]
    value = st["value"].astype(np.uint64)
    addr = np.zeros(n, np.uint64)
    status = np.zeros(n, np.uint8)
    size = st["size"].astype(np.uint64)

    in_section = (shndx != SHN_UNDEF) & (shndx != SHN_ABS) & (shndx != SHN_COMMON)
    secs = shndx[in_section]
    addr[in_section] = layout.section_addr[secs] + value[in_section]
    alloc = np.array([s.alloc for s in obj.sections], bool)
    gone = np.zeros(n, bool)
    gone[in_section] = alloc[secs] & ~layout.in_image[secs]
    status[gone] = DISCARDED
    absolute = shndx == SHN_ABS
    addr[absolute] = value[absolute]
    if not commons.empty:
        addr[commons.symbols] = np.uint64(layout.common_addr) + commons.offsets

    out = SymbolValues(addr, size, status)
    undefined = needed[(shndx[needed] == SHN_UNDEF) & (needed != 0)]
    if len(undefined):
        _resolve_undefined(obj, layout, undefined, resolve, address_bits, out)
    return out


def _resolve_undefined(obj: ObjectFile, layout: Layout, undefined: np.ndarray,
                       resolve: Resolver, address_bits: int, out: SymbolValues) -> None:
    st = obj.symtab
    binds = (st["info"] >> 4)[undefined].tolist()
    cache: dict[str, int | None] = {}
    for i, bind in zip(undefined.tolist(), binds):
        if bind == STB_LOCAL:
            out.status[i] = UNDEFINED_LOCAL
            continue
        name = obj.symbol_name(i)
        if name not in cache:
            own = obj.symbol_by_name(name)   # first global/weak entry of that name
            j = own.index if own is not None else 0
            if j and not own.undefined and out.status[j] == OK:
                out.size[i] = out.size[j]
                cache[name] = int(out.addr[j])
            elif name == GOT_SYMBOL and layout.got_addr is not None:
                cache[name] = layout.got_addr
            else:
                got = checked_address(obj.name, name, resolve(name), address_bits)
                if got is not None:
                    out.imports[name] = got
                cache[name] = got
        address = cache[name]
        if address is None:
            if bind == STB_WEAK:
                out.addr[i] = 0
                if name not in out.weak_unresolved:
                    out.weak_unresolved.append(name)
            else:
                out.status[i] = UNRESOLVED
        else:
            out.addr[i] = address
