"""Section groups (SHT_GROUP, e.g. COMDAT): the flag word, the signature symbol, the members."""
from __future__ import annotations

import numpy as np

from .constants import SHT_GROUP, SHT_NULL, section_type_name
from .tables import SectionGroup
from .sections import SectionTable
from .symbols import SymbolTable


def read_groups(t: SectionTable, symbols: SymbolTable) -> list[SectionGroup]:
    groups: list[SectionGroup] = []
    owner: dict[int, int] = {}
    for sec in t.sections:
        if sec.type != SHT_GROUP:
            continue
        if sec.entsize != 4:
            t.fail(sec, f"group sh_entsize is {sec.entsize}, expected 4", "entsize")
        if sec.size < 4 or sec.size % 4:
            t.fail(sec, f"group size {sec.size} is not a positive multiple of 4", "size")
        if symbols.section is None or sec.link != symbols.section.index:
            t.fail(sec, f"sh_link {sec.link} should name the symbol table but names a "
                        f"{section_type_name(t.sections[sec.link].type)} section", "link")
        if sec.info >= len(symbols):
            t.fail(sec, f"sh_info {sec.info} (the signature symbol) is out of range (the symbol "
                        f"table has {len(symbols)} symbols)", "info")
        words = np.frombuffer(t.src.data, "<u4", sec.size // 4, sec.offset).tolist()
        flags, members = words[0], words[1:]
        for k, m in enumerate(members):
            at = sec.offset + 4 * (k + 1)
            if m == 0 or m >= len(t.sections) or m == sec.index:
                t.src.fail(f"group member {k} is section index {m}, out of range "
                           f"({len(t.sections)} sections)" if m != sec.index else
                           f"group member {k} is the group section itself", sec.where, at)
            if t.sections[m].type in (SHT_NULL, SHT_GROUP):
                t.src.fail(f"group member {k} is [{m}] {t.sections[m].name}, a "
                           f"{section_type_name(t.sections[m].type)} section", sec.where, at)
            if m in owner:
                t.src.fail(f"group member {k}: section [{m}] {t.sections[m].name} already "
                           f"belongs to group [{owner[m]}]", sec.where, at)
            owner[m] = sec.index
        groups.append(SectionGroup(sec, flags, symbols.name(sec.info), sec.info, tuple(members)))
    return groups
