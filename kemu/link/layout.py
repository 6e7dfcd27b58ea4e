"""Placing sections like a kernel loader: text, rodata and data+bss each on their own pages.

Within a kind, sections follow input order, each at its own alignment (addresses are aligned
absolutely, so `base` must be page-aligned). The writable segment holds data sections, then the
linker's GOT, then bss sections, then the COMMON block, so everything zero-filled comes last.
Each kind starts on a fresh page so text can be r-x, rodata r-- and data rw-.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kemu.elf import ObjectFile
from kemu.elf.constants import SHF_ALLOC, SHF_WRITE, SHT_NOBITS, SHT_PROGBITS
from kemu.intbits import align_up

from .commons import CommonBlock
from .errors import LinkError
from .policy import KINDS, PROTECTIONS, LayoutPolicy

# No kernel module needs more; refusing larger images keeps a hostile object (many NOBITS
# sections just under the reader's per-section limit) from making the linker allocate gigabytes.
MAX_IMAGE_SIZE = 1 << 30


@dataclass(frozen=True)
class Placement:
    """Where one input section (or the linker's ".got" / "COMMON") went.
    `index` is the input section index, -1 for the linker's own pieces."""

    name: str
    index: int
    addr: int
    size: int
    kind: str
    flags: int
    align: int
    type: int = SHT_PROGBITS

    @property
    def end(self) -> int:
        return self.addr + self.size


@dataclass(frozen=True)
class Segment:
    """A page-aligned run of one protection: text r-x, rodata r--, data (with bss) rw-."""

    addr: int
    size: int
    kind: str
    prot: str


@dataclass
class Layout:
    base: int
    size: int
    placements: list[Placement]
    segments: list[Segment]
    section_addr: np.ndarray      # uint64 per input section index (0 if not in the image)
    in_image: np.ndarray          # bool per input section index: selected by the policy
    got_addr: int | None
    common_addr: int | None


def plan_layout(obj: ObjectFile, base: int, page_size: int, policy: LayoutPolicy,
                got_size: int, word: int, commons: CommonBlock, address_bits: int) -> Layout:
    """Assign every selected section, the GOT and the COMMON block an address."""
    if page_size <= 0 or page_size & (page_size - 1):
        raise LinkError(obj.name, f"page size {page_size:#x} is not a power of two")
    if base % page_size:
        raise LinkError(obj.name, f"base address {base:#x} is not aligned to the page size "
                                  f"{page_size:#x}")
    if not 0 <= base < (1 << address_bits):
        raise LinkError(obj.name, f"base address {base:#x} is outside the {address_bits}-bit "
                                  "address space")
    nsec = len(obj.sections)
    in_image = np.zeros(nsec, bool)
    by_kind: dict[str, list] = {k: [] for k in KINDS}
    for sec in obj.sections[1:]:
        if not policy.select(sec):
            continue
        kind = policy.classify(sec)
        if kind not in by_kind:
            raise LinkError(obj.name, f"layout policy put section [{sec.index}] {sec.name} in "
                                      f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
        in_image[sec.index] = True
        by_kind[kind].append(sec)

    section_addr = np.zeros(nsec, np.uint64)
    placements: list[Placement] = []
    segments: list[Segment] = []
    cursor = base
    got_addr = common_addr = None

    def place_sections(kind: str) -> None:
        nonlocal cursor
        for sec in by_kind[kind]:
            align = max(sec.addralign, 1)
            cursor = align_up(cursor, align)
            section_addr[sec.index] = cursor
            if sec.size:
                placements.append(Placement(sec.name, sec.index, cursor, sec.size, kind,
                                            sec.flags, align, sec.type))
                cursor += sec.size

    def close_segment(kind: str, start: int) -> None:
        nonlocal cursor
        end = align_up(cursor, page_size)
        if end > start:
            segments.append(Segment(start, end - start, kind, PROTECTIONS[kind]))
        cursor = end

    for kind in ("text", "rodata"):
        start = cursor
        place_sections(kind)
        close_segment(kind, start)

    start = cursor
    place_sections("data")
    if got_size:
        cursor = align_up(cursor, word)
        got_addr = cursor
        placements.append(Placement(".got", -1, cursor, got_size, "data",
                                    SHF_ALLOC | SHF_WRITE, word))
        cursor += got_size
    place_sections("bss")
    if not commons.empty:
        cursor = align_up(cursor, commons.align)
        common_addr = cursor
        placements.append(Placement("COMMON", -1, cursor, commons.size, "bss",
                                    SHF_ALLOC | SHF_WRITE, commons.align, SHT_NOBITS))
        cursor += commons.size
    close_segment("data", start)

    if cursor - base > MAX_IMAGE_SIZE:
        raise LinkError(obj.name, f"the image would take {cursor - base:#x} bytes, more than the "
                                  f"{MAX_IMAGE_SIZE:#x} kemu allows for one module")
    if cursor > (1 << address_bits):
        raise LinkError(obj.name, f"the image ({cursor - base:#x} bytes from {base:#x}) does not "
                                  f"fit in the {address_bits}-bit address space")
    return Layout(base, cursor - base, placements, segments, section_addr, in_image,
                  got_addr, common_addr)
