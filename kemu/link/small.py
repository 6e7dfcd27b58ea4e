"""Linking a small object without numpy: the same layout, resolution and formulas, in Python.

An object read into rows (`kemu.elf.rows`, a few thousand entries at most) is linked here
entry by entry: for so few entries Python ints beat importing numpy, which costs every
`kemu` command about a quarter of its run. The result is the `LinkedImage` the numpy linker
would build, byte for byte (tests/link/test_small_linker.py checks every fixture both ways).

This linker only ever produces an image. When the object needs the linker's GOT, or anything
is wrong (an unknown type, a field past its section, a symbol without a value, an overflow), it
answers None and `link` hands the object to the numpy linker, which words the error: the
messages live in one place. Layout errors (page size, base, policy) come from the shared
`plan_layout` and are raised here as they would be there.
"""
from __future__ import annotations

from typing import Callable

from kemu.elf import ObjectFile
from kemu.elf.constants import SHN_ABS, SHN_COMMON, SHN_UNDEF, STB_LOCAL, STB_WEAK
from kemu.intbits import align_up

from .arches import WORD_SIZE, relocs_for
from .commons import CommonBlock
from .errors import LinkError
from .image import LinkedImage
from .layout import plan_layout
from .policy import LayoutPolicy, placeable
from .reloc_types import fits_one
from .symbol_rules import GOT_SYMBOL, checked_address

_MASK64 = (1 << 64) - 1
_OPERANDS = frozenset({"S", "A", "P", "Z"})     # what a formula may use here (no GOT, no BASE)


def link_small(obj: ObjectFile, base: int, resolve: Callable[[str], "int | None"],
               page_size: int, policy: LayoutPolicy) -> LinkedImage | None:
    """The linked image of the small object `obj`, or None: the numpy linker must do it."""
    relocs = relocs_for(obj.arch)
    bits = relocs.address_bits
    symbols = obj.symbol_rows
    in_image = [placeable(s) and policy.select(s) for s in obj.sections]
    batch = [(t.target.index, t.is_rela, row) for t in obj.relocation_rows
             if in_image[t.target.index] for row in t.rows]
    for code in {row[1] for _t, _r, row in batch}:
        known = relocs.types.get(code)
        if known is None or known.got_slot or known.got_base or known.uses - _OPERANDS:
            return None
    needed = sorted({row[2] for _t, _r, row in batch})
    undefined = [i for i in needed if i and symbols[i][3] == SHN_UNDEF]
    if any(obj.symbol_name(i) == GOT_SYMBOL for i in undefined):
        return None

    commons = _allocate_commons(symbols)
    layout = plan_layout(obj, base, page_size, policy, 0, WORD_SIZE[obj.arch], commons, bits)
    addr, size, ok = _symbol_values(obj, layout, commons)
    imports: dict[str, int] = {}
    weak_unresolved: list[str] = []
    if undefined and not _resolve_undefined(obj, undefined, resolve, bits, addr, size, ok,
                                            imports, weak_unresolved):
        return None
    if not all(ok[row[2]] for _t, _r, row in batch):
        return None

    image = bytearray(layout.size)
    for p in layout.placements:
        if p.index >= 0 and not obj.sections[p.index].nobits:
            start = p.addr - base
            data = obj.section_view(p.index)
            if len(data) != p.size:   # the reader guarantees it; a short copy would shift bytes
                raise LinkError(obj.name, f"section [{p.index}] {p.name}: {len(data):#x} bytes "
                                          f"in the file for a section of {p.size:#x}")
            image[start:start + p.size] = data
    writes = _compute(obj, batch, relocs, addr, size, layout.section_addr, image, base, bits)
    if writes is None:
        return None
    # The numpy linker's order: by type, then by the field's phase (pos % width, one strided
    # view each), then table order; it decides which write wins where fields overlap.
    for _type, _k, pos, width, value in sorted(writes, key=lambda w: (w[0], w[2] % w[3], w[1])):
        image[pos:pos + width] = (value & ((1 << 8 * width) - 1)).to_bytes(width, "little")

    return LinkedImage(
        arch=obj.arch, base=base, size=layout.size, bytes=image, placements=layout.placements,
        segments=layout.segments, imports=imports, weak_unresolved=weak_unresolved,
        got_addr=layout.got_addr, name=obj.name, _obj=obj, _sym_addr=addr, _sym_size=size,
        _section_addr=layout.section_addr, _got_offset=[0] * len(symbols))


def _allocate_commons(symbols: list[tuple]) -> CommonBlock:
    """One block for every COMMON symbol: largest alignment first, then table order (as
    `commons.allocate_commons`)."""
    idx = [i for i, row in enumerate(symbols) if row[3] == SHN_COMMON]
    if not idx:
        return CommonBlock([], [], 0, 1)
    align = {i: max(symbols[i][4], 1) for i in idx}
    order = sorted(idx, key=lambda i: (-align[i], i))
    offsets, cursor = [], 0
    for i in order:
        cursor = align_up(cursor, align[i])
        offsets.append(cursor)
        cursor += symbols[i][5]
    return CommonBlock(order, offsets, cursor, max(align.values()))


def _symbol_values(obj: ObjectFile, layout, commons: CommonBlock
                   ) -> tuple[list[int], list[int], list[bool]]:
    """Address, size and "has a usable value" of every symbol defined in the module (as
    `resolve.symbol_values` before its resolver step)."""
    symbols = obj.symbol_rows
    addr = [0] * len(symbols)
    size = [row[5] for row in symbols]
    ok = [True] * len(symbols)
    for i, (_name, _info, _other, shndx, value, _size) in enumerate(symbols):
        if shndx == SHN_ABS:
            addr[i] = value
        elif shndx not in (SHN_UNDEF, SHN_COMMON):
            addr[i] = (layout.section_addr[shndx] + value) & _MASK64
            if obj.sections[shndx].alloc and not layout.in_image[shndx]:
                ok[i] = False                     # defined in a discarded section
    for i, offset in zip(commons.symbols, commons.offsets):
        addr[i] = (layout.common_addr + offset) & _MASK64
    return addr, size, ok


def _resolve_undefined(obj: ObjectFile, undefined: list[int], resolve, bits: int,
                       addr: list[int], size: list[int], ok: list[bool],
                       imports: dict[str, int], weak_unresolved: list[str]) -> bool:
    """Values of the undefined symbols relocations use (as `resolve._resolve_undefined`);
    False when one has none (undefined local, unresolved non-weak)."""
    cache: dict[str, int | None] = {}
    for i in undefined:
        info = obj.symbol_rows[i][1]
        if info >> 4 == STB_LOCAL:
            return False
        name = obj.symbol_name(i)
        if name not in cache:
            own = obj.symbol_by_name(name)      # first global/weak entry of that name
            j = own.index if own is not None else 0
            if j and not own.undefined and ok[j]:
                size[i] = size[j]
                cache[name] = addr[j]
            else:
                got = checked_address(obj.name, name, resolve(name), bits)
                if got is not None:
                    imports[name] = got
                cache[name] = got
        address = cache[name]
        if address is None:
            if info >> 4 != STB_WEAK:
                return False
            addr[i] = 0
            if name not in weak_unresolved:
                weak_unresolved.append(name)
        else:
            addr[i] = address
    return True


def _compute(obj: ObjectFile, batch: list, relocs, addr: list[int], size: list[int],
             section_addr: list[int], image: bytearray, base: int, bits: int) -> list | None:
    """(type, order, position, width, value) of every field to write, all read and checked
    before any is written (REL addends come from the unrelocated bytes); None on a problem."""
    writes = []
    for k, (target, rela, (offset, type_, sym, addend)) in enumerate(batch):
        rtype = relocs.types[type_]
        width = rtype.width
        if width == 0:
            continue
        if offset + width > obj.sections[target].size:
            return None
        P = (section_addr[target] + offset) & _MASK64
        pos = P - base
        if rela:
            A, b = addend, 0
        else:
            A = 0
            b = int.from_bytes(image[pos:pos + width], "little", signed=True)
        a = rtype.evaluate(S=addr[sym], A=A, P=P, Z=size[sym]) & _MASK64
        if not fits_one(rtype, a, b, bits):
            return None
        writes.append((type_, k, pos, width, (a + b) & _MASK64))
    return writes
