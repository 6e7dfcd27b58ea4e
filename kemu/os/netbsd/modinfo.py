"""module_fetch_info: the modinfo_t a `.kmod` carries, read before the module is affixed.

kern_module.c finds a module's record through kobj *before* its dependencies are loaded: kobj's
first pass has applied the relocations against local symbols (sections, statics), so the one
pointer in `link_set_modules` and the modinfo's string pointers are already valid while the
module's references to other modules are not. kemu links a module in one step, after its
dependencies, so this reads the same record from the object directly: a pointer stored in an
unlinked section is the relocation at that place (its symbol's section and value plus the
addend; on i386 the implicit addend is in the bytes).
"""
from __future__ import annotations

from dataclasses import dataclass

from kemu.elf import ObjectFile

from .layouts import MODINFO

LINK_SET = "link_set_modules"


class FetchError(Exception):
    """module_fetch_info failed: `message` is module_error's text, `errno` the name of its error."""

    def __init__(self, message: str, errno: str):
        super().__init__(message)
        self.message = message
        self.errno = errno


@dataclass(frozen=True)
class ModInfo:
    """What a modinfo_t says: mi_version, mi_class, mi_name, mi_required (None: NULL)."""

    version: int
    modclass: int
    name: str
    required: str | None


def _pointer(obj: ObjectFile, section_index: int, offset: int) -> tuple[int, int] | None:
    """(section index, offset) the pointer at section+offset refers to; None for NULL."""
    word = obj.elfclass // 8
    for table in obj.relocations:
        if table.target.index != section_index:
            continue
        for entry in table.entries:
            if int(entry["offset"]) != offset:
                continue
            sym = obj.symbol(int(entry["sym"]))
            if sym.section is None:
                return None
            if table.is_rela:
                addend = int(entry["addend"])
            else:
                raw = bytes(obj.section_view(section_index)[offset:offset + word])
                addend = int.from_bytes(raw, "little", signed=True)
            return sym.section, sym.value + addend
    return None


def _cstring(obj: ObjectFile, where: tuple[int, int] | None) -> str | None:
    if where is None:
        return None
    data = bytes(obj.section_view(where[0]))
    end = data.find(b"\0", where[1])
    return data[where[1]:end if end >= 0 else len(data)].decode("latin-1")


def fetch_modinfo(obj: ObjectFile) -> ModInfo:
    """The module's record, as module_fetch_info gets it; FetchError with its message."""
    word = obj.elfclass // 8
    linkset = obj.section_by_name(LINK_SET)
    if linkset is None:
        raise FetchError(f"`{LINK_SET}' section not present, error 2", "ENOENT")
    if linkset.size != word:
        if linkset.size and linkset.size % word == 0:
            raise FetchError(f"`{LINK_SET}' section wrong size ({linkset.size // word} different "
                             f"MODULE declarations?)", "ENOEXEC")
        raise FetchError(f"`{LINK_SET}' section wrong size (got {linkset.size}, wanted {word})", "ENOEXEC")
    target = _pointer(obj, linkset.index, 0)
    layout = MODINFO.layout(obj.arch)
    data = bytes(obj.section_view(target[0])) if target else b""
    if target is None or not 0 <= target[1] <= len(data) - layout.size:
        raise FetchError(f"`{LINK_SET}' entry does not point at a modinfo_t", "ENOEXEC")
    fields = layout.unpack(data[target[1]:target[1] + layout.size])
    base = target[1]
    name = _cstring(obj, _pointer(obj, target[0], base + layout.offset("mi_name")))
    required = _cstring(obj, _pointer(obj, target[0], base + layout.offset("mi_required")))
    return ModInfo(fields["mi_version"], fields["mi_class"], name or "", required)
