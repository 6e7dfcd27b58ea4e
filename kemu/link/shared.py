"""Linking a shared object (ET_DYN, FreeBSD's i386 klds) the way a kernel loader does.

A shared object is already laid out: its PT_LOAD segments keep their relative virtual
addresses, so the image is the span from the first segment's page to the last one's end,
moved as a whole so that the first page lands on `base` (FreeBSD's link_elf.c: one mapping,
`relocbase = mapbase - first vaddr`). Each segment's pages get the protections its p_flags
give. Then the tables `.dynamic` names (DT_REL, DT_RELA, DT_JMPREL, in that order) are applied
with the dynamic relocation types (`reloc_dynamic`): the module's own definitions first, the
caller's resolver for the undefined dynamic symbols, an unresolved weak symbol reading 0 — the
same rules and the same errors as for ET_REL objects, so the layers above need no special case.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from kemu.elf import ObjectFile, ProgramHeader
from kemu.elf.constants import (SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_NOBITS, SHT_NULL,
                                STB_LOCAL, STB_WEAK, STT_SECTION)
from kemu.intbits import align_up

from .apply import _read_fields, _write_fields, field_values
from .errors import BadRelocation, LinkError, RelocationOverflow, UnknownRelocation, UnresolvedSymbols
from .image import LinkedImage
from .layout import MAX_IMAGE_SIZE, Placement, Segment, _too_large, check_fits, check_page_size_and_base
from .policy import KINDS, LayoutPolicy
from .reloc_dynamic import DYNAMIC_RELOC_TABLES
from .reloc_types import ArchRelocs, RelocType, reported_value
from .resolve import checked_address

_U64 = np.uint64
_KIND_OF_PROT = {"r-x": "text", "r--": "rodata", "rw-": "data", "rwx": "data", "-w-": "data",
                 "--x": "text", "-wx": "data", "---": "rodata"}


def link_shared(obj: ObjectFile, base: int, resolve: Callable[[str], "int | None"],
                page_size: int, policy: LayoutPolicy) -> LinkedImage:
    """Place `obj` (ET_DYN) at `base` and apply its dynamic relocations; see the module doc."""
    relocs = DYNAMIC_RELOC_TABLES[obj.arch]
    bits = relocs.address_bits
    check_page_size_and_base(obj.name, base, page_size, bits)
    loads = obj.loads
    first = loads[0].vaddr // page_size * page_size
    end = align_up(max(ph.end for ph in loads), page_size)
    if end - first > MAX_IMAGE_SIZE:
        _too_large(obj.name, end - first)
    check_fits(obj.name, base, end - first, bits)
    bias = (base - first) % (1 << 64)          # address of vaddr v is v + bias (mod 2**bits)

    image = bytearray(end - first)
    for ph in loads:
        image[ph.vaddr - first:ph.vaddr - first + ph.filesz] = obj.data[ph.offset:ph.offset + ph.filesz]
    segments = _segments(loads, first, base, page_size)
    placements, section_addr = _placements(obj, first, end, base, policy)

    places = _Places(obj, loads, placements, base - first)
    dyn_addr, dyn_status, imports, weak = _dynamic_symbol_values(obj, bias, resolve, bits)
    _apply(obj, relocs, image, first, bias, dyn_addr, dyn_status, places, loads)

    sym_addr, sym_size = _symtab_values(obj, bias, dyn_addr, imports, bits)
    return LinkedImage(
        arch=obj.arch, base=base, size=end - first, bytes=image, placements=placements,
        segments=segments, imports=imports, weak_unresolved=weak, got_addr=None,
        name=obj.name, _obj=obj, _sym_addr=sym_addr, _sym_size=sym_size,
        _section_addr=section_addr, _got_offset=np.zeros(len(obj.symtab), _U64))


# -- layout ------------------------------------------------------------------------------

def _segments(loads: list[ProgramHeader], first: int, base: int, page: int) -> list[Segment]:
    """Page-aligned runs, one per PT_LOAD; a page two segments share gets both protections."""
    runs: list[list] = []       # [start, end, prot set] as offsets from `first`
    for ph in loads:
        start = ph.vaddr // page * page - first
        stop = align_up(ph.end, page) - first
        prot = set(ph.prot.replace("-", ""))
        if stop == start:
            continue
        if runs and start < runs[-1][1]:
            shared_end = min(stop, runs[-1][1])
            prev = runs[-1]
            prev_end, prev_prot = prev[1], prev[2]
            prev[1] = start
            if prev[1] <= prev[0]:
                runs.pop()
            runs.append([start, shared_end, prev_prot | prot])
            if shared_end < prev_end:
                runs.append([shared_end, prev_end, prev_prot])
            start = shared_end
        if start < stop:
            runs.append([start, stop, prot])
    out = []
    for start, stop, prot in runs:
        text = "".join(c if c in prot else "-" for c in "rwx")
        out.append(Segment(base + start, stop - start, _KIND_OF_PROT[text], text))
    return out


def _placements(obj: ObjectFile, first: int, end: int, base: int,
                policy: LayoutPolicy) -> tuple[list[Placement], np.ndarray]:
    """Every allocated section header inside the image, at its address moved with the image
    (for symbolizing and `gdb add-symbol-file -s`); the segments decide what is mapped."""
    section_addr = np.zeros(len(obj.sections), _U64)
    out = []
    for sec in obj.sections[1:]:
        if not sec.alloc or sec.type == SHT_NULL or not first <= sec.addr <= end \
                or sec.size > end - sec.addr:
            continue
        section_addr[sec.index] = base + sec.addr - first
        if not sec.size:
            continue
        kind = policy.classify(sec)
        if kind not in KINDS:
            raise LinkError(obj.name, f"layout policy put section [{sec.index}] {sec.name} in "
                                      f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
        out.append(Placement(sec.name, sec.index, base + sec.addr - first, sec.size, kind,
                             sec.flags, max(sec.addralign, 1), sec.type))
    out.sort(key=lambda p: (p.addr, p.index))
    return out, section_addr


class _Places:
    """Names a virtual address the way errors do: `.data+0x10`, or the segment when no
    section header covers it."""

    def __init__(self, obj: ObjectFile, loads: list[ProgramHeader], placements: list[Placement],
                 shift: int) -> None:
        self.loads = loads
        self.spans = [(p.addr - shift, p.size, p.name) for p in placements
                      if p.type != SHT_NOBITS]

    def name(self, vaddr: int) -> tuple[str, int]:
        for start, size, name in self.spans:
            if start <= vaddr < start + size:
                return name, vaddr - start
        for ph in self.loads:
            if ph.vaddr <= vaddr < ph.end:
                return f"segment [{ph.index}]", vaddr - ph.vaddr
        return "segment ?", vaddr


# -- symbols -----------------------------------------------------------------------------

OK, UNRESOLVED, UNDEFINED_LOCAL = 0, 1, 3


def _dynamic_symbol_values(obj: ObjectFile, bias: int, resolve, bits: int):
    dyn = obj.dynsym
    n = len(dyn)
    shndx = dyn["shndx"]
    mask = _U64((1 << bits) - 1)
    addr = np.zeros(n, _U64)
    status = np.zeros(n, np.uint8)
    common = np.flatnonzero(shndx == SHN_COMMON)
    if len(common):
        i = int(common[0])
        raise LinkError(obj.name, f"dynamic symbol {i} ('{obj.dynsym_name(i)}') is COMMON; a "
                                  "shared object has its commons allocated by ld")
    inside = (shndx != SHN_UNDEF) & (shndx != SHN_ABS)
    addr[inside] = (dyn["value"][inside] + _U64(bias)) & mask
    absolute = shndx == SHN_ABS
    addr[absolute] = dyn["value"][absolute]
    imports: dict[str, int] = {}
    weak: list[str] = []
    binds = (dyn["info"] >> 4).tolist()
    cache: dict[str, int | None] = {}
    for i in np.flatnonzero(shndx == SHN_UNDEF).tolist():
        if i == 0:
            continue
        if binds[i] == STB_LOCAL:
            status[i] = UNDEFINED_LOCAL
            continue
        name = obj.dynsym_name(i)
        if name not in cache:
            cache[name] = checked_address(obj.name, name, resolve(name), bits)
            if cache[name] is not None:
                imports[name] = cache[name]
        got = cache[name]
        if got is not None:
            addr[i] = got
        elif binds[i] == STB_WEAK:
            if name not in weak:
                weak.append(name)
        else:
            status[i] = UNRESOLVED
    return addr, status, imports, weak


def _symtab_values(obj: ObjectFile, bias: int, dyn_addr: np.ndarray, imports: dict[str, int],
                   bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Addresses for `obj.symtab` (the dynamic table itself when there is no .symtab)."""
    st = obj.symtab
    if obj.dynamic is not None and st is obj.dynamic.symbols.array:
        return dyn_addr, st["size"].astype(_U64)
    shndx = st["shndx"]
    addr = np.zeros(len(st), _U64)
    inside = (shndx != SHN_UNDEF) & (shndx != SHN_ABS) & (shndx != SHN_COMMON)
    addr[inside] = (st["value"][inside] + _U64(bias)) & _U64((1 << bits) - 1)
    absolute = shndx == SHN_ABS
    addr[absolute] = st["value"][absolute]
    for i in np.flatnonzero(shndx == SHN_UNDEF).tolist():
        if i:
            addr[i] = imports.get(obj.symbol_name(i), 0)
    return addr, st["size"].astype(_U64)


# -- relocation --------------------------------------------------------------------------

def _describe(obj: ObjectFile, sym: int) -> str:
    if sym == 0:
        return "symbol 0 (none)"
    if (int(obj.dynsym["info"][sym]) & 0xF) == STT_SECTION:
        return f"section symbol {sym}"
    name = obj.dynsym_name(sym)
    return f"'{name}'" if name else f"unnamed symbol {sym}"


def _apply(obj: ObjectFile, relocs: ArchRelocs, image: bytearray, first: int, bias: int,
           dyn_addr: np.ndarray, dyn_status: np.ndarray, places: _Places,
           loads: list[ProgramHeader]) -> None:
    """Check every table, then write every field (nothing is written if anything fails)."""
    buf = np.frombuffer(image, np.uint8)
    tables = obj.dynamic_relocations
    if not tables:
        return
    _check_symbols(obj, relocs, tables, dyn_status, places)
    load_end = np.array([ph.end for ph in loads], _U64)
    load_start = np.array([ph.vaddr for ph in loads], _U64)
    bits = relocs.address_bits
    writes = []
    for table in tables:
        e = table.entries
        for code in np.unique(e["type"]).tolist():
            rows = np.flatnonzero(e["type"] == code)
            rtype = relocs.types.get(int(code))
            if rtype is None:
                i = int(rows[0])
                where, off = places.name(int(e["offset"][i]))
                raise UnknownRelocation(obj.name, type=int(code), type_name=relocs.name(int(code)),
                                        arch=relocs.arch, symbol=_describe(obj, int(e["sym"][i])),
                                        section=where, offset=off)
            if rtype.width == 0:
                continue
            writes.append(_compute(obj, table.is_rela, e, rows, rtype, buf, first, bias,
                                   dyn_addr, places, load_start, load_end, bits))
    for rtype, pos, value in writes:
        _write_fields(buf, pos, rtype.width, value)


def _check_symbols(obj: ObjectFile, relocs: ArchRelocs, tables, status: np.ndarray,
                   places: _Places) -> None:
    refs: dict[str, list[tuple[str, int]]] = {}
    for table in tables:
        e = table.entries
        bad = np.flatnonzero(status[e["sym"]] != OK)
        for i in bad.tolist():
            sym = int(e["sym"][i])
            where, off = places.name(int(e["offset"][i]))
            if status[sym] == UNDEFINED_LOCAL:
                raise BadRelocation(obj.name, "the symbol is local and undefined",
                                    type_name=relocs.name(int(e["type"][i])),
                                    symbol=_describe(obj, sym), section=where, offset=off)
            refs.setdefault(obj.dynsym_name(sym), []).append((where, off))
    if refs:
        raise UnresolvedSymbols(obj.name, {n: sorted(p) for n, p in sorted(refs.items())})


def _compute(obj: ObjectFile, is_rela: bool, e: np.ndarray, rows: np.ndarray, rtype: RelocType,
             buf: np.ndarray, first: int, bias: int, dyn_addr: np.ndarray, places: _Places,
             load_start: np.ndarray, load_end: np.ndarray, bits: int):
    vaddr = e["offset"][rows]
    k = np.searchsorted(load_start, vaddr, side="right") - 1
    over = np.flatnonzero(vaddr + _U64(rtype.width) > load_end[k])
    if len(over):
        i = int(rows[over[0]])
        where, off = places.name(int(e["offset"][i]))
        raise BadRelocation(obj.name, f"its {rtype.width}-byte field runs past the end of its "
                                      f"PT_LOAD segment ({int(load_end[k[over[0]]]):#x})",
                            type_name=rtype.name, symbol=_describe(obj, int(e["sym"][i])),
                            section=where, offset=off)
    pos = (vaddr - _U64(first)).astype(np.int64)
    if is_rela or rtype.overwrite:
        inplace = np.zeros(len(rows), np.int64)
    else:
        inplace = _read_fields(buf, pos, rtype.width)
    mask = _U64((1 << bits) - 1)
    ops = {"A": e["addend"][rows].view(_U64) if is_rela else np.zeros(len(rows), _U64),
           "S": dyn_addr[e["sym"][rows]], "P": (vaddr + _U64(bias)) & mask,
           "BASE": np.full(len(rows), bias & ((1 << bits) - 1), _U64)}
    uses = rtype.uses
    a, value, ok = field_values(rtype, bits, {n: v for n, v in ops.items() if n in uses},
                                inplace)
    if ok is not None and not ok.all():
        j = int(np.flatnonzero(~ok)[0])
        i = int(rows[j])
        shown, detail = reported_value(rtype, int(a[j]), int(inplace[j]), bits)
        where, off = places.name(int(e["offset"][i]))
        raise RelocationOverflow(obj.name, type_name=rtype.name,
                                 symbol=_describe(obj, int(e["sym"][i])), section=where,
                                 offset=off, value=shown, allowed=rtype.allowed(bits),
                                 detail=detail)
    return rtype, pos, value
