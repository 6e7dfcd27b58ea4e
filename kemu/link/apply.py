"""Applying relocations a type at a time over numpy arrays (the linker's hot path).

For each relocation type present: gather S, A, P (and G, GOT, Z, B where the formula uses
them) for all its entries at once, evaluate the formula modulo 2**64, check every field against
the type's overflow rule, and scatter the low bytes into the image through a numpy view.
Every check runs before anything is written: unresolved symbols first (all of them in one
error), then unknown types, then field bounds and overflow (the first failing entry of the
lowest-numbered failing type), each naming type, symbol, section+offset and the value.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kemu.elf import ObjectFile
from kemu.elf.constants import SHT_NULL, STT_SECTION

from .batch import RelocBatch
from .errors import BadRelocation, RelocationOverflow, UnknownRelocation, UnresolvedSymbols
from .reloc_types import ArchRelocs, RelocType, fits, reported_value
from .resolve import DISCARDED, OK, UNDEFINED_LOCAL, UNRESOLVED, SymbolValues
from .sorted_unique import sorted_unique

_U64 = np.uint64


@dataclass
class Target:
    """Where the patched bytes live: `buf` (uint8 view) holds the bytes of the sections whose
    address is `section_addr[i]`; byte `addr` of the address space is at buf[addr - origin]."""

    buf: np.ndarray
    origin: int
    section_addr: np.ndarray
    section_size: np.ndarray


@dataclass
class GotInfo:
    base: int
    offset: np.ndarray  # per symbol


def describe_symbol(obj: ObjectFile, sym: int) -> str:
    """'name', or `section .rodata` for a section symbol, as errors show it."""
    if sym == 0:
        return "symbol 0 (none)"
    st = obj.symtab[sym]
    if (int(st["info"]) & 0xF) == STT_SECTION:
        shndx = int(st["shndx"])
        if 0 < shndx < len(obj.sections):
            return f"section {obj.sections[shndx].name}"
    name = obj.symbol_name(sym)
    return f"'{name}'" if name else f"unnamed symbol {sym}"


def check_symbols(obj: ObjectFile, batch: RelocBatch, values: SymbolValues, relocs: ArchRelocs,
                  rows: np.ndarray | None = None) -> None:
    """Raise for relocations whose symbol has no usable value: every unresolved non-weak
    symbol at once (UnresolvedSymbols), else the first discarded or undefined-local one."""
    status = values.status[batch.sym]
    bad = np.flatnonzero(status != OK)
    if len(bad) == 0:
        return
    unresolved = bad[status[bad] == UNRESOLVED]
    if len(unresolved):
        refs: dict[str, list[tuple[str, int]]] = {}
        order = np.lexsort((batch.offset[unresolved], batch.target[unresolved]))
        for i in unresolved[order].tolist():
            name = obj.symbol_name(int(batch.sym[i]))
            sec = obj.sections[int(batch.target[i])].name
            refs.setdefault(name, []).append((sec, int(batch.offset[i])))
        raise UnresolvedSymbols(obj.name, dict(sorted(refs.items())))
    i = int(bad[0])
    sym = int(batch.sym[i])
    why = {DISCARDED: "the symbol is defined in a section the layout policy left out of the "
                      "image",
           UNDEFINED_LOCAL: "the symbol is local and undefined"}[int(status[i])]
    if status[i] == DISCARDED:
        home = obj.sections[int(obj.symtab['shndx'][sym])]
        if home.type == SHT_NULL:
            why = ("the symbol is defined in an inactive (SHT_NULL) section, which holds "
                   "nothing to place")
        why += f" ([{home.index}] {home.name})"
    _raise_bad(obj, batch, relocs, i, why)


def _raise_bad(obj: ObjectFile, batch: RelocBatch, relocs: ArchRelocs, i: int, why: str) -> None:
    raise BadRelocation(obj.name, why, type_name=relocs.name(int(batch.type[i])),
                        symbol=describe_symbol(obj, int(batch.sym[i])),
                        section=obj.sections[int(batch.target[i])].name,
                        offset=int(batch.offset[i]))


def check_types(obj: ObjectFile, batch: RelocBatch, relocs: ArchRelocs) -> np.ndarray:
    """The distinct types in the batch; UnknownRelocation for the first unsupported one."""
    present = sorted_unique(batch.type)
    unknown = [int(t) for t in present if int(t) not in relocs.types]
    if unknown:
        i = int(np.flatnonzero(np.isin(batch.type, unknown))[0])
        t = int(batch.type[i])
        raise UnknownRelocation(obj.name, type=t, type_name=relocs.name(t), arch=relocs.arch,
                                symbol=describe_symbol(obj, int(batch.sym[i])),
                                section=obj.sections[int(batch.target[i])].name,
                                offset=int(batch.offset[i]))
    return present


def _typed_views(buf: np.ndarray, width: int):
    """For each byte phase k < width: a little-endian view of buf[k:] in width-byte words, so
    fields at pos with pos % width == k are elements (pos - k) // width of that view."""
    dtype = {1: "u1", 2: "<u2", 4: "<u4", 8: "<u8"}[width]
    for k in range(width):
        usable = (len(buf) - k) // width * width
        if usable > 0:
            yield k, buf[k:k + usable].view(dtype)


def _read_fields(buf: np.ndarray, pos: np.ndarray, width: int) -> np.ndarray:
    """Little-endian `width`-byte fields at `pos`, sign-extended to int64."""
    value = np.zeros(len(pos), np.uint64)
    phase = pos % width
    for k, view in _typed_views(buf, width):
        sel = np.flatnonzero(phase == k)
        if len(sel):
            value[sel] = view[(pos[sel] - k) // width]
    if width == 8:
        return value.view(np.int64)
    sign = _U64(1 << (8 * width - 1))
    return ((value ^ sign) - sign).view(np.int64)


def _write_fields(buf: np.ndarray, pos: np.ndarray, width: int, value: np.ndarray) -> None:
    """Store the low `width` bytes of each value at `pos` (little-endian), a phase at a time."""
    dtype = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[width]
    phase = pos % width
    for k, view in _typed_views(buf, width):
        sel = np.flatnonzero(phase == k)
        if len(sel):
            view[(pos[sel] - k) // width] = value[sel].astype(dtype)


def _absolute_slot(buf: np.ndarray, pos: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """i386 GOT32/GOT32X: does the instruction address its slot with no base register?
    (ModRM before the field has mod=00 r/m=101 and the opcode is not lea; as GNU ld reads it.)"""
    ok = offset >= 2
    modrm = np.where(ok, buf[np.where(ok, pos - 1, 0)], 0)
    opcode = np.where(ok, buf[np.where(ok, pos - 2, 0)], 0)
    return ok & ((modrm & 0xC7) == 0x05) & (opcode != 0x8D)


def apply_batch(obj: ObjectFile, batch: RelocBatch, relocs: ArchRelocs, values: SymbolValues,
                got: GotInfo | None, target: Target) -> None:
    """Check and apply every relocation of the batch into `target`."""
    if len(batch) == 0:
        return
    check_symbols(obj, batch, values, relocs)
    present = check_types(obj, batch, relocs)
    bits = relocs.address_bits
    groups = [(relocs.types[int(t)], np.flatnonzero(batch.type == t)) for t in present]
    plans = []
    for rtype, rows in groups:
        if rtype.width == 0:
            continue
        plans.append(_compute(obj, batch, relocs, rtype, rows, values, got, target, bits))
    for rtype, pos, value in plans:
        _write_fields(target.buf, pos, rtype.width, value)


def _compute(obj: ObjectFile, batch: RelocBatch, relocs: ArchRelocs, rtype: RelocType,
             rows: np.ndarray, values: SymbolValues, got: GotInfo | None, target: Target,
             bits: int) -> tuple[RelocType, np.ndarray, np.ndarray]:
    offset = batch.offset[rows]
    tsec = batch.target[rows]
    over = np.flatnonzero(offset + _U64(rtype.width) > target.section_size[tsec])
    if len(over):
        i = int(rows[over[0]])
        size = int(target.section_size[int(batch.target[i])])
        _raise_bad(obj, batch, relocs, i, f"its {rtype.width}-byte field at offset "
                   f"{int(batch.offset[i]):#x} runs past the end of the section ({size:#x} bytes)")
    P = target.section_addr[tsec] + offset
    pos = (P - _U64(target.origin)).astype(np.int64)
    sym = batch.sym[rows]
    rela = batch.rela[rows]
    if rela.all():
        b = np.zeros(len(rows), np.int64)
    else:
        b = np.where(rela, 0, _read_fields(target.buf, pos, rtype.width))
    uses = rtype.uses
    ops: dict[str, np.ndarray] = {"A": batch.addend[rows].view(_U64) if rela.any()
                                  else np.zeros(len(rows), _U64)}
    if not rela.all():
        ops["A"] = np.where(rela, ops["A"], _U64(0))
    if "S" in uses:
        ops["S"] = values.addr[sym]
    if "P" in uses:
        ops["P"] = P
    if "Z" in uses:
        ops["Z"] = values.size[sym]
    if uses & {"G", "GOT", "B"}:
        assert got is not None, f"{rtype.name} needs the GOT the planner should have made"
        ops["GOT"] = np.full(len(rows), got.base, _U64)
        ops["G"] = got.offset[sym]
        if "B" in uses:
            ops["B"] = np.where(_absolute_slot(target.buf, pos, offset), ops["GOT"], _U64(0))
    a, value, ok = field_values(rtype, bits, ops, b)
    if ok is not None and not ok.all():
        k = int(np.flatnonzero(~ok)[0])
        i = int(rows[k])
        value, detail = reported_value(rtype, int(a[k]), int(b[k]), bits)
        raise RelocationOverflow(obj.name, type_name=rtype.name,
                                 symbol=describe_symbol(obj, int(batch.sym[i])),
                                 section=obj.sections[int(batch.target[i])].name,
                                 offset=int(batch.offset[i]), value=value,
                                 allowed=rtype.allowed(bits), detail=detail)
    return rtype, pos, value


def field_values(rtype: RelocType, address_bits: int, operands: dict[str, np.ndarray],
                 inplace: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The arithmetic core, on whole arrays: (symbol part a, value to store = a + in-place
    addend, per-entry overflow verdict or None when the type cannot overflow).
    `operands` are uint64 arrays (A as two's complement); `inplace` is int64 (0 for RELA)."""
    a = np.asarray(rtype.evaluate(**operands), dtype=_U64)
    return a, a + inplace.view(_U64), fits(rtype, a, inplace, address_bits)
