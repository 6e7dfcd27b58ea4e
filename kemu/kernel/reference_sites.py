"""Where a linked module's code refers to given kernel symbols.

Each relocation against a symbol, applied in an executable section, marks one field inside
one instruction that uses the symbol's address: a load of a variable, a call, a `lea`. That
field is what `machine.instruction_watch` needs to run Python before the instruction does
(reading `jiffies` inline is how timeout loops see time pass; see Kernel.reference_watches).
"""
from __future__ import annotations

from typing import Any, Iterable


def reference_sites(obj: Any, image: Any, names: Iterable[str]) -> dict[str, list[int]]:
    """{symbol name: [final address of each relocated field in code that refers to it]} for
    the names `obj` refers to; names it never uses are left out."""
    index_of = {}
    for name in names:
        sym = obj.symbol_by_name(name)           # a kernel symbol is a global reference
        if sym is not None:
            index_of[sym.index] = name
    sites: dict[str, list[int]] = {}
    if not index_of:
        return sites
    import numpy as np
    indices = np.array(sorted(index_of), dtype=np.uint32)
    for table in obj.relocations:
        target = table.target
        if not (target.alloc and target.execinstr) or not len(table):
            continue
        base = image.section_address(target.index)
        if not base:
            continue
        entries = table.entries
        hits = np.flatnonzero(np.isin(entries["sym"], indices))
        for sym, offset in zip(entries["sym"][hits].tolist(), entries["offset"][hits].tolist()):
            sites.setdefault(index_of[sym], []).append(base + offset)
    return sites
