"""The linker's own small GOT, for objects that use the GOT relocation family.

Kernel modules built with -fno-pic never need one, but position-independent objects do
(GOT32X, GOTPCRELX, GOTOFF, GOTPC …). kemu does not rewrite instructions the way GNU ld
relaxes them: it builds a real table with one word-sized slot per referenced symbol, holding
the symbol's final address, and points the code at it. The GOT base (`_GLOBAL_OFFSET_TABLE_`)
is the start of that table, placed as ".got" in the data segment.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .reloc_types import ArchRelocs

if TYPE_CHECKING:
    import numpy as np

from .symbol_rules import GOT_SYMBOL  # noqa: F401  (the GOT base, named for both linkers)


@dataclass(frozen=True)
class GotPlan:
    """Which symbols get a slot (`slot_symbols`, in slot order) and `offset[sym]`, the byte
    offset of each symbol's slot from the GOT base (0 for symbols without one)."""

    needed: bool
    slot_symbols: np.ndarray
    offset: np.ndarray
    word: int

    @property
    def size(self) -> int:
        """Bytes the table occupies: one word per slot, at least one word when present."""
        if not self.needed:
            return 0
        return max(1, len(self.slot_symbols)) * self.word


def type_lookup(relocs: ArchRelocs, attribute: str) -> np.ndarray:
    """Boolean table over type numbers (last entry: every number beyond the table)."""
    import numpy as np
    top = max(relocs.types) + 2
    lut = np.zeros(top, bool)
    for code, t in relocs.types.items():
        lut[code] = getattr(t, attribute)
    return lut


def lookup(lut: np.ndarray, types: np.ndarray) -> np.ndarray:
    import numpy as np
    return lut[np.minimum(types, len(lut) - 1)]


def plan_got(relocs: ArchRelocs, types: np.ndarray, syms: np.ndarray, nsyms: int,
             got_symbol_used: bool, word: int) -> GotPlan:
    """Decide the GOT from the relocations that will be applied (types and symbol indices)."""
    import numpy as np

    from .sorted_unique import sorted_unique
    slot = lookup(type_lookup(relocs, "got_slot"), types)
    base = lookup(type_lookup(relocs, "got_base"), types)
    slot_symbols = sorted_unique(syms[slot])
    offset = np.zeros(nsyms, np.uint64)
    offset[slot_symbols] = np.arange(len(slot_symbols), dtype=np.uint64) * np.uint64(word)
    needed = bool(got_symbol_used or base.any() or len(slot_symbols))
    return GotPlan(needed, slot_symbols, offset, word)
