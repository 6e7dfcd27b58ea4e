"""Placing sections like a kernel loader: text, rodata and data+bss each on their own pages.

Within a kind, sections follow input order, each at its own alignment. Offsets are planned from
0 and then moved to `base` (which must be page-aligned), as Linux's and FreeBSD's loaders lay a
module out before they know where it goes: the image's size and shape are the same at every
base, so a loader may size a module at 0 and link it at the address it reserved. (The reader
refuses alignments above a page, so every alignment is also absolute.) The writable segment holds data sections, then the
linker's GOT, then bss sections, then the COMMON block, so everything zero-filled comes last.
Each kind starts on a fresh page so text can be r-x, rodata r-- and data rw-.
"""
from __future__ import annotations


from kemu.elf import ObjectFile
from kemu.elf.constants import SHF_ALLOC, SHF_WRITE, SHT_NOBITS, SHT_PROGBITS
from kemu.intbits import align_up
from kemu.record import Record

from .commons import CommonBlock
from .errors import LinkError
from .policy import KINDS, PROTECTIONS, LayoutPolicy, placeable

# No kernel module needs more; refusing larger images keeps a hostile object (many NOBITS
# sections just under the reader's per-section limit) from making the linker allocate gigabytes.
MAX_IMAGE_SIZE = 1 << 30
# The largest page size a link may ask for: x86's 2 MiB large page. (Smaller powers of two
# are fine: tests and tools use them to spread or pack segments.)
MAX_PAGE_SIZE = 2 << 20


class Placement(Record, fields=("name", "index", "addr", "size", "kind", "flags", "align", "type"),
                frozen=True):
    """Where one input section (or the linker's ".got" / "COMMON") went.
    `index` is the input section index, -1 for the linker's own pieces."""

    def __init__(self, name: str, index: int, addr: int, size: int, kind: str, flags: int,
                 align: int, type: int = SHT_PROGBITS) -> None:
        vars(self).update(name=name, index=index, addr=addr, size=size, kind=kind, flags=flags,
                          align=align, type=type)

    @property
    def end(self) -> int:
        return self.addr + self.size


class Segment(Record, fields=("addr", "size", "kind", "prot"), frozen=True):
    """A page-aligned run of one protection: text r-x, rodata r--, data (with bss) rw-."""

    def __init__(self, addr: int, size: int, kind: str, prot: str) -> None:
        vars(self).update(addr=addr, size=size, kind=kind, prot=prot)


class Layout(Record, fields=("base", "size", "placements", "segments", "section_addr", "in_image",
                            "got_addr", "common_addr")):
    def __init__(self, base: int, size: int, placements: list[Placement], segments: list[Segment],
                 section_addr: list[int], in_image: list[bool], got_addr: int | None,
                 common_addr: int | None) -> None:
        self.base = base
        self.size = size
        self.placements = placements
        self.segments = segments
        self.section_addr = section_addr  # per input section index (0 if not in the image); the
        self.in_image = in_image          # numpy linker turns both into arrays. in_image: selected
        self.got_addr = got_addr          # by the policy
        self.common_addr = common_addr


def plan_layout(obj: ObjectFile, base: int, page_size: int, policy: LayoutPolicy,
                got_size: int, word: int, commons: CommonBlock, address_bits: int) -> Layout:
    """Assign every selected section, the GOT and the COMMON block an address."""
    check_page_size_and_base(obj.name, base, page_size, address_bits)
    nsec = len(obj.sections)
    in_image = [False] * nsec
    by_kind: dict[str, list] = {k: [] for k in KINDS}
    apart: dict[str, list] = {k: [] for k in KINDS}      # the policy's sections on pages of their own
    for sec in obj.sections[1:]:
        if not placeable(sec) or not policy.select(sec):
            continue
        kind = policy.classify(sec)
        if kind not in by_kind:
            raise LinkError(obj.name, f"layout policy put section [{sec.index}] {sec.name} in "
                                      f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
        in_image[sec.index] = True
        (apart if policy.apart(sec) else by_kind)[kind].append(sec)

    section_addr = [0] * nsec
    placements: list[Placement] = []
    segments: list[Segment] = []
    cursor = 0                      # offset from base; addresses are base + cursor
    got_addr = common_addr = None

    def place_sections(kind: str, groups: dict[str, list] = by_kind) -> None:
        nonlocal cursor
        for sec in groups[kind]:
            align = max(sec.addralign, 1)
            cursor = align_up(cursor, align)
            section_addr[sec.index] = base + cursor
            if sec.size:
                placements.append(Placement(sec.name, sec.index, base + cursor, sec.size, kind,
                                            sec.flags, align, sec.type))
                cursor += sec.size
            if cursor > MAX_IMAGE_SIZE:
                _too_large(obj.name, cursor)

    def close_segment(kind: str, start: int) -> None:
        nonlocal cursor
        end = align_up(cursor, page_size)
        if end > start:
            segments.append(Segment(base + start, end - start, kind, PROTECTIONS[kind]))
        cursor = end

    for kind in ("text", "rodata"):
        start = cursor
        place_sections(kind)
        close_segment(kind, start)

    start = cursor
    place_sections("data")
    if got_size:
        cursor = align_up(cursor, word)
        got_addr = base + cursor
        placements.append(Placement(".got", -1, got_addr, got_size, "data",
                                    SHF_ALLOC | SHF_WRITE, word))
        cursor += got_size
    place_sections("bss")
    if not commons.empty:
        cursor = align_up(cursor, commons.align)
        common_addr = base + cursor
        placements.append(Placement("COMMON", -1, common_addr, commons.size, "bss",
                                    SHF_ALLOC | SHF_WRITE, commons.align, SHT_NOBITS))
        cursor += commons.size
    close_segment("data", start)

    for kind in ("text", "rodata", "data"):        # then the sections placed apart, if any
        start = cursor
        place_sections(kind, apart)
        if kind == "data":
            place_sections("bss", apart)
        close_segment(kind, start)

    if cursor > MAX_IMAGE_SIZE:
        _too_large(obj.name, cursor)
    check_fits(obj.name, base, cursor, address_bits)
    return Layout(base, cursor, placements, segments, section_addr, in_image,
                  got_addr, common_addr)


def is_integer(value: object) -> bool:
    """An int or a numpy integer (anything with __index__), but not a bool."""
    return not isinstance(value, bool) and hasattr(type(value), "__index__")


def check_page_size_and_base(name: str, base: int, page_size: int, address_bits: int) -> None:
    """LinkError unless the page size is a power of two up to MAX_PAGE_SIZE and `base` a
    page-aligned address of the arch (checked before any arithmetic uses them)."""
    if not is_integer(page_size):
        raise LinkError(name, f"page size {page_size!r} is not an integer")
    if page_size <= 0 or page_size & (page_size - 1) or page_size > MAX_PAGE_SIZE:
        raise LinkError(name, f"page size {_hex(page_size)} is not a power of two between 1 "
                              f"and {MAX_PAGE_SIZE:#x}")
    if not is_integer(base):
        raise LinkError(name, f"base address {base!r} is not an integer")
    if not 0 <= base < (1 << address_bits):
        raise LinkError(name, f"base address {_hex(base)} is outside the {address_bits}-bit "
                              "address space")
    if base % page_size:
        raise LinkError(name, f"base address {base:#x} is not aligned to the page size "
                              f"{page_size:#x}")


def check_fits(name: str, base: int, size: int, address_bits: int) -> None:
    """LinkError unless [base, base+size) lies inside the address space."""
    if base + size > (1 << address_bits):
        raise LinkError(name, f"the image ({size:#x} bytes from {base:#x}) does not "
                              f"fit in the {address_bits}-bit address space")


def _too_large(name: str, size: int) -> None:
    raise LinkError(name, f"the image would take at least {size:#x} bytes, more than the "
                          f"{MAX_IMAGE_SIZE:#x} kemu allows for one module")


def _hex(v: int) -> str:
    return f"-{-int(v):#x}" if v < 0 else f"{int(v):#x}"
