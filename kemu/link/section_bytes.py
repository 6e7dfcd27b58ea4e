"""Relocating a section that is not in the image (DWARF, for the debugger) on demand.

Non-allocated sections sit at address 0, as in GNU ld's output, so a `.debug_info` relocated
here equals the one in an executable ld linked with the same layout: references into code carry
the final addresses `link` chose, references to other debug sections are plain offsets.
Symbols only debug sections refer to and that `link` never resolved read as 0, the way ld
leaves references from debug info to symbols it could not resolve.
"""
from __future__ import annotations

import numpy as np

from kemu.elf import ObjectFile, Section

from .apply import GotInfo, Target, apply_batch
from .arches import relocs_for
from .batch import gather
from .image import LinkedImage
from .resolve import SymbolValues


def relocate_section_bytes(obj: ObjectFile, image: LinkedImage, section: Section | int | str) -> bytes:
    """The bytes of `section` (object, index or name) with its relocations applied against the
    image's layout and symbol values. For a placed section this is its bytes in the image."""
    sec = _find(obj, section)
    addr = image.section_address(sec.index)
    for p in image.placements:
        if p.index == sec.index:
            return image.read(p.addr, p.size)
    data = bytearray(obj.section_data(sec)) if not sec.nobits else bytearray(sec.size)
    tables = [t for t in obj.relocations if t.target.index == sec.index]
    batch = gather(tables)
    if len(batch):
        buf = np.frombuffer(data, np.uint8)
        section_addr = np.zeros(len(obj.sections), np.uint64)
        section_addr[sec.index] = addr
        sizes = np.zeros(len(obj.sections), np.uint64)
        sizes[sec.index] = sec.size
        values = SymbolValues(np.asarray(image._sym_addr, np.uint64),
                              np.asarray(image._sym_size, np.uint64),
                              np.zeros(len(image._sym_addr), np.uint8))
        got = GotInfo(image.got_addr or 0, np.asarray(image._got_offset, np.uint64))
        apply_batch(obj, batch, relocs_for(obj.arch), values, got, Target(buf, addr, section_addr, sizes))
    return bytes(data)


def _find(obj: ObjectFile, section: Section | int | str) -> Section:
    if isinstance(section, Section):
        return obj.sections[section.index]
    if isinstance(section, int):
        if not 0 < section < len(obj.sections):
            raise ValueError(f"{obj.name}: no section with index {section}")
        return obj.sections[section]
    found = obj.section_by_name(section)
    if found is None:
        raise ValueError(f"{obj.name}: no section named {section!r}")
    return found
