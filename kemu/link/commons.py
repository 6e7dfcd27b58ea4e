"""COMMON symbols: tentative definitions the linker must allocate (zeroed) itself.

An SHN_COMMON symbol carries its size in st_size and its alignment in st_value. kemu gives them
one "COMMON" block at the end of bss, largest alignment first (ld's --sort-common=descending
order, which wastes the least padding), symbol-table order within an alignment.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from kemu.elf.constants import SHN_COMMON
from kemu.intbits import align_up
from kemu.record import Record

if TYPE_CHECKING:
    import numpy as np


class CommonBlock(Record, fields=("symbols", "offsets", "size", "align"), frozen=True):
    """Offsets (from the block start) of each COMMON symbol, by symbol index."""

    def __init__(self, symbols: np.ndarray | Sequence[int], offsets: np.ndarray | Sequence[int],
                 size: int, align: int) -> None:
        # symbols: symbol indices, in placement order; offsets: the uint64 offset of each, same
        # order (lists when linked without numpy: kemu.link.small)
        vars(self).update(symbols=symbols, offsets=offsets, size=size, align=align)

    @property
    def empty(self) -> bool:
        return len(self.symbols) == 0


def allocate_commons(symtab: np.ndarray) -> CommonBlock:
    """Lay out every COMMON symbol of the table in one block."""
    import numpy as np
    idx = np.flatnonzero(symtab["shndx"] == SHN_COMMON)
    if len(idx) == 0:
        return CommonBlock(idx, np.zeros(0, np.uint64), 0, 1)
    aligns = np.maximum(symtab["value"][idx], 1)
    order = idx[np.lexsort((idx, -aligns.astype(np.int64)))]
    offsets = np.zeros(len(order), np.uint64)
    cursor = 0
    for k, (i, size, align) in enumerate(zip(order.tolist(),
                                             symtab["size"][order].tolist(),
                                             np.maximum(symtab["value"][order], 1).tolist())):
        cursor = align_up(cursor, align)
        offsets[k] = cursor
        cursor += size
    return CommonBlock(order, offsets, cursor, int(aligns.max()))
