"""All relocations to apply, concatenated into flat numpy columns.

The hot path processes a type at a time over the whole module rather than an entry at a time:
this gathers every selected relocation table into one set of arrays (offset, type, symbol,
addend, target section, REL/RELA) and remembers where each entry came from, so an error can
still name the table and entry.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kemu.elf import ObjectFile, RelocationTable


@dataclass(frozen=True)
class RelocBatch:
    tables: list[RelocationTable]
    offset: np.ndarray    # uint64, relative to the target section
    type: np.ndarray      # uint32
    sym: np.ndarray       # uint32
    addend: np.ndarray    # int64 (0 for REL entries)
    target: np.ndarray    # uint32 target section index
    rela: np.ndarray      # bool
    table: np.ndarray     # uint32 index into `tables`
    entry: np.ndarray     # int64 index of the entry inside its table

    def __len__(self) -> int:
        return len(self.offset)

    def where(self, i: int) -> tuple[RelocationTable, int]:
        """The table and entry index of batch row `i`."""
        return self.tables[int(self.table[i])], int(self.entry[i])


def gather(tables: list[RelocationTable]) -> RelocBatch:
    """Concatenate `tables` (already filtered to the ones being applied)."""
    tables = [t for t in tables if len(t)]
    if not tables:
        z64, z32 = np.zeros(0, np.uint64), np.zeros(0, np.uint32)
        return RelocBatch([], z64, z32, z32, np.zeros(0, np.int64), z32, np.zeros(0, bool), z32,
                          np.zeros(0, np.int64))
    lengths = np.array([len(t) for t in tables])
    cols = [t.entries for t in tables]
    entry = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(lengths) - lengths, lengths)
    return RelocBatch(
        tables=tables,
        offset=np.concatenate([c["offset"] for c in cols]),
        type=np.concatenate([c["type"] for c in cols]),
        sym=np.concatenate([c["sym"] for c in cols]),
        addend=np.concatenate([c["addend"] for c in cols]),
        target=np.repeat(np.array([t.target.index for t in tables], np.uint32), lengths),
        rela=np.repeat(np.array([t.is_rela for t in tables]), lengths),
        table=np.repeat(np.arange(len(tables), dtype=np.uint32), lengths),
        entry=entry,
    )


def tables_for(obj: ObjectFile, wanted: np.ndarray) -> list[RelocationTable]:
    """The relocation tables whose target section index is marked in the boolean `wanted`."""
    return [t for t in obj.relocations if wanted[t.target.index]]
