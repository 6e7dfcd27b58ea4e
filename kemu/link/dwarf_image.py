"""A module's DWARF, read at the addresses the linker gave its sections.

(Here, below the machine, so that both the debugger and the oops reports' source locator
— `source_lines` — read debug information the same way. pyelftools is imported only when
debug information is actually read.)

In an ELF relocatable object every address in `.debug_info`, `.debug_line`, `.debug_frame`,
`.debug_aranges` … is a relocation against a section symbol (`.text + 0x1a`), not an address.
pyelftools could apply those relocations itself, but only with the object's own symbol values
(section offsets): every function would seem to start near 0 and two code sections would
overlap. Relocation formulas live in one place in kemu — the linker, where each type is checked
byte for byte against GNU ld — so the debugger asks it: `kemu.link.relocate_section_bytes` gives
each debug section relocated against the `LinkedImage`, `image.section_address` where each
placed section went. Both go into a copy of the object (section bytes in place, `sh_addr` of
every placed section so pc-relative `.eh_frame` encodings decode to the right place), and
pyelftools reads the copy without relocating again.
"""
from __future__ import annotations

import io
import struct

from typing import TYPE_CHECKING

from kemu.elf import ObjectFile, Section
from kemu.elf.constants import SHF_COMPRESSED

from .errors import LinkError
from .image import LinkedImage

if TYPE_CHECKING:
    from elftools.dwarf.dwarfinfo import DWARFInfo

# (e_shoff offset and format, e_shentsize offset, sh_addr offset and format) per ELF class
_HEADER_FIELDS = {32: (0x20, "<I", 0x2E, 12, "<I"), 64: (0x28, "<Q", 0x3A, 16, "<Q")}


def dwarf_text(value: object) -> str:
    """A DWARF string as pyelftools returns it (bytes, from .debug_str or inline) as text; bytes
    that are not UTF-8 are replaced, not an error."""
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


class DwarfLoadError(Exception):
    """The module's debug information cannot be read at its linked addresses; the message
    names the object and why (the linker's own message when a relocation was refused)."""


def _read_by_pyelftools(sec: Section) -> bool:
    """Sections pyelftools decodes for lines, functions and unwinding."""
    return sec.name.startswith(".debug_") or sec.name == ".eh_frame"


def check_same_object(obj: ObjectFile, image: LinkedImage) -> None:
    """DwarfLoadError unless every section the image placed has the object's name and size.

    The debugger reads the object again from disk; one rebuilt since the load would relocate
    its debug sections against symbols that are not the ones linked."""
    for p in image.placements:
        if p.index < 0:
            continue          # the linker's own .got / COMMON
        sec = obj.sections[p.index] if p.index < len(obj.sections) else None
        if sec is None or sec.name != p.name or sec.size != p.size:
            raise DwarfLoadError(f"{obj.name}: not the object that was loaded (section "
                                 f"{p.index} {p.name} of the loaded module differs); rebuilt since?")


def relocated_object(obj: ObjectFile, image: LinkedImage) -> bytes:
    """A copy of `obj` whose debug sections hold the image's addresses and whose placed
    sections carry their address as `sh_addr`. Raises DwarfLoadError naming what failed."""
    check_same_object(obj, image)
    out = bytearray(obj.data)
    shoff_at, shoff_fmt, shentsize_at, addr_field, addr_fmt = _HEADER_FIELDS[obj.elfclass]
    shoff = struct.unpack_from(shoff_fmt, out, shoff_at)[0]
    shentsize = struct.unpack_from("<H", out, shentsize_at)[0]
    for sec in obj.sections[1:]:
        if sec.alloc:
            struct.pack_into(addr_fmt, out, shoff + sec.index * shentsize + addr_field,
                             image.section_address(sec.index))
    if obj.shared:
        _rebase_shared(obj, image, out)
        return bytes(out)
    from .section_bytes import relocate_section_bytes   # numpy: only when DWARF is read
    relocated = {t.target.index for t in obj.relocations}
    for sec in obj.sections[1:]:
        if sec.index not in relocated or sec.nobits or not _read_by_pyelftools(sec):
            continue
        if sec.flags & SHF_COMPRESSED:
            raise DwarfLoadError(f"{obj.name}: {sec.name} is compressed and has relocations; "
                                 "rebuild without -gz to debug at source level")
        try:
            data = relocate_section_bytes(obj, image, sec)
        except LinkError as exc:
            raise DwarfLoadError(f"{obj.name}: cannot relocate its debug information: "
                                 f"{exc.message}") from None
        out[sec.offset:sec.offset + len(data)] = data
    return bytes(out)


def _rebase_shared(obj: ObjectFile, image: LinkedImage, out: bytearray) -> None:
    """An ET_DYN object's debug sections hold link-time addresses: add the load bias."""
    from .dwarf_rebase import RebaseError, rebase_dwarf
    placed = [sec for sec in obj.sections[1:] if sec.alloc]
    if not placed:
        return
    bias = (image.section_address(placed[0].index) - placed[0].addr) % (1 << (8 * (obj.elfclass // 8)))
    sections = {sec.name: (sec.offset, sec.size) for sec in obj.sections[1:]
                if _read_by_pyelftools(sec) and not sec.nobits}
    try:
        rebase_dwarf(out, sections, obj.elfclass // 8, bias)
    except (RebaseError, ValueError, IndexError, struct.error) as exc:
        raise DwarfLoadError(f"{obj.name}: cannot move its debug information to the load "
                             f"address: {exc}") from None


def load_dwarf(obj: ObjectFile, image: LinkedImage) -> "DWARFInfo | None":
    """The object's DWARF at its linked addresses; None when it has no `.debug_info`.

    Raises DwarfLoadError when the debug sections cannot be relocated or decoded."""
    if obj.section_by_name(".debug_info") is None:
        return None
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    data = relocated_object(obj, image)
    try:
        return ELFFile(io.BytesIO(data)).get_dwarf_info(relocate_dwarf_sections=False)
    except (ELFError, ValueError, struct.error) as exc:
        raise DwarfLoadError(f"{obj.name}: unreadable debug information: {exc}") from None
