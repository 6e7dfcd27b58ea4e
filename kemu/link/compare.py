"""Comparing kemu's link with GNU ld's, section by section and byte for byte.

Every section kemu placed must sit at the same address in ld's output with the same bytes.
Where ld legitimately differs — the GOT family, because ld builds its own GOT elsewhere and may
relax instructions (`mov foo@GOTPCREL(%rip)` → `mov $foo` / `lea foo(%rip)`, `call *foo@GOT`
→ `addr32 call foo`) — the instruction bytes are set aside and what the code computes is
compared instead: the address it ends up loading or jumping to (decoded with capstone when ld
rewrote the instruction), the symbol+addend a GOTOFF yields, the GOT base a GOTPC builds.
Non-allocated sections with relocations (DWARF) are compared through relocate_section_bytes.

A `Difference` names the section, offset, address, the relocation there and both values.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import capstone
import numpy as np
from capstone import x86_const as X

from kemu.elf import ObjectFile
from kemu.intbits import to_signed

from .apply import describe_symbol
from .arches import relocs_for
from .batch import gather
from .gnu_ld import ReferenceLink
from .image import LinkedImage
from .section_bytes import relocate_section_bytes

# Types GNU ld may rewrite the instruction of (plain GOTPCREL too: `mov` becomes `lea`).
RELAXABLE = {"R_386_GOT32", "R_386_GOT32X", "R_X86_64_GOTPCREL", "R_X86_64_GOTPCRELX",
             "R_X86_64_REX_GOTPCRELX"}


@dataclass
class Difference:
    """One disagreement: where, which relocation (if any) and the two values."""

    section: str
    offset: int
    addr: int
    kemu: int | bytes | str
    ld: int | bytes | str
    relocation: str = ""
    what: str = "bytes"

    def __str__(self) -> str:
        def show(v):
            return f"{v:#x}" if isinstance(v, int) else (v.hex() if isinstance(v, bytes) else v)
        rel = f"; relocation {self.relocation}" if self.relocation else "; no relocation there"
        return (f"{self.section}+{self.offset:#x} ({self.addr:#x}) {self.what}: kemu "
                f"{show(self.kemu)}, ld {show(self.ld)}{rel}")


@dataclass
class Comparison:
    differences: list[Difference] = field(default_factory=list)
    sections: int = 0
    bytes_compared: int = 0
    semantic_checks: int = 0
    debug_sections: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences

    def report(self, limit: int = 20) -> str:
        lines = [str(d) for d in self.differences[:limit]]
        if len(self.differences) > limit:
            lines.append(f"... and {len(self.differences) - limit} more")
        return "\n".join(lines)


@dataclass
class _Rel:
    table_target: int
    offset: int
    type_name: str
    sym: int
    addend: int
    width: int
    formula: str
    rela: bool
    start: int | None = None   # offset of the instruction holding the field, when decoded
    end: int | None = None     # offset just past that instruction

    def describe(self, obj: ObjectFile) -> str:
        a = f"{self.addend:+#x}" if self.rela else "(addend in place)"
        return f"{self.type_name} against {describe_symbol(obj, self.sym)} {a}"


def compare_with_gnu_ld(obj: ObjectFile, image: LinkedImage, ref: ReferenceLink,
                        *, debug: bool = True) -> Comparison:
    """Compare every placed section (and, with `debug`, every relocated non-alloc section)."""
    result = Comparison()
    relocs = relocs_for(obj.arch)
    bits = relocs.address_bits
    by_section = _relocations_by_section(obj, relocs)
    ld_got = ref.got_base
    for p in image.placements:
        if p.index < 0:
            continue
        result.sections += 1
        theirs = ref.section_for(p.name)
        if theirs is None or theirs.addr != p.addr or theirs.size != p.size:
            got = "missing" if theirs is None else f"{theirs.addr:#x} size {theirs.size:#x}"
            result.differences.append(Difference(p.name, 0, p.addr,
                                                 f"{p.addr:#x} size {p.size:#x}", got,
                                                 what="placement"))
            continue
        if obj.sections[p.index].nobits:
            if theirs.type != "SHT_NOBITS":
                result.differences.append(Difference(p.name, 0, p.addr, "NOBITS", theirs.type,
                                                     what="section type"))
            continue
        rels = by_section.get(p.index, [])
        mine = np.frombuffer(image.read(p.addr, p.size), np.uint8)
        other = np.frombuffer(theirs.data, np.uint8)
        mask = np.zeros(p.size, bool)
        semantic = []
        original = obj.section_data(p.index)
        for r in rels:
            if not _is_got_family(r):
                continue
            if r.type_name in RELAXABLE:
                r.start, r.end = _instruction_bounds(obj.arch, original, r)
            mask[r.offset if r.start is None else r.start:r.offset + r.width] = True
            semantic.append(r)
        differ = np.flatnonzero((mine != other) & ~mask)
        result.bytes_compared += int((~mask).sum())
        if len(differ):
            off = int(differ[0])
            result.differences.append(_byte_difference(obj, p, off, mine, other, rels))
        for r in semantic:
            result.semantic_checks += 1
            d = _semantic_difference(obj, image, ref, p, r, bits, ld_got)
            if d is not None:
                result.differences.append(d)
    result.differences += _symbol_differences(image, ref)
    if debug:
        for index in sorted(by_section):
            sec = obj.sections[index]
            if sec.alloc or sec.name not in ref.sections:
                continue
            result.debug_sections += 1
            mine = np.frombuffer(relocate_section_bytes(obj, image, sec), np.uint8)
            other = np.frombuffer(ref.sections[sec.name].data, np.uint8)
            if len(mine) != len(other):
                result.differences.append(Difference(sec.name, 0, 0, f"{len(mine)} bytes",
                                                     f"{len(other)} bytes", what="size"))
                continue
            differ = np.flatnonzero(mine != other)
            result.bytes_compared += len(mine)
            if len(differ):
                fake = _Placement(sec.name, 0)
                result.differences.append(_byte_difference(obj, fake, int(differ[0]), mine,
                                                           other, by_section[index]))
    return result


@dataclass
class _Placement:
    name: str
    addr: int


def _relocations_by_section(obj: ObjectFile, relocs) -> dict[int, list[_Rel]]:
    out: dict[int, list[_Rel]] = {}
    batch = gather(list(obj.relocations))
    for i in range(len(batch)):
        code = int(batch.type[i])
        t = relocs.types.get(code)
        out.setdefault(int(batch.target[i]), []).append(_Rel(
            int(batch.target[i]), int(batch.offset[i]), relocs.name(code), int(batch.sym[i]),
            int(batch.addend[i]), t.width if t else 0, t.formula if t else "",
            bool(batch.rela[i])))
    for rels in out.values():
        rels.sort(key=lambda r: r.offset)
    return out


def _is_got_family(r: _Rel) -> bool:
    return any(op in r.formula.split() for op in ("G", "GOT", "B"))


def _field(data: np.ndarray | bytes, off: int, width: int) -> int:
    return int.from_bytes(bytes(data[off:off + width]), "little")


def _byte_difference(obj: ObjectFile, p, off: int, mine, other, rels: list[_Rel]) -> Difference:
    for r in rels:
        if r.width and r.offset <= off < r.offset + r.width:
            return Difference(p.name, r.offset, p.addr + r.offset, _field(mine, r.offset, r.width),
                              _field(other, r.offset, r.width), r.describe(obj), "field")
    return Difference(p.name, off, p.addr + off, bytes(mine[off:off + 1]),
                      bytes(other[off:off + 1]))


_signed = to_signed


def _semantic_difference(obj: ObjectFile, image: LinkedImage, ref: ReferenceLink, p,
                         r: _Rel, bits: int, ld_got: int | None) -> Difference | None:
    """Compare what the code computes at a GOT-family relocation in both links."""
    word = bits // 8
    mask = (1 << bits) - 1
    P = p.addr + r.offset
    original = obj.section_data(r.table_target)
    addend = r.addend if r.rela else _signed(_field(original, r.offset, r.width), 8 * r.width)
    kemu_read = lambda a: _read_word(image.read, a, word)  # noqa: E731
    ld_read = lambda a: _read_word(ref.read, a, word)  # noqa: E731
    mine = _meaning(r, image.read(P, r.width), P, addend, image.got_addr, kemu_read, original, bits)
    start = r.start
    ld_field = ref.read(P, r.width)
    relaxed = start is not None and ref.read(p.addr + start, r.offset - start) != \
        original[start:r.offset]
    if relaxed:
        theirs = _instruction_value(obj.arch, ref, p.addr + start, ld_got, ld_read)
        what = "value the relaxed instruction computes"
    else:
        theirs = _meaning(r, ld_field, P, addend, ld_got, ld_read, original, bits)
        what = "value the code computes"
    # With the usual addend (-(bytes after the field)) the instruction reads the slot itself;
    # then kemu's instruction must load exactly what its slot holds.
    pc_relative = "P" in r.formula.split()
    usual = start is not None and r.end is not None and \
        addend == (-(r.end - r.offset) if pc_relative else 0)
    if usual:
        via_insn = _instruction_value(obj.arch, _ImageReader(image), p.addr + start,
                                      image.got_addr, kemu_read)
        if via_insn is not None and mine is not None and via_insn & mask != mine & mask:
            return Difference(p.name, r.offset, P, via_insn, mine, r.describe(obj),
                              "kemu's instruction disagrees with its GOT slot")
    if mine is None or theirs is None or (mine & mask) != (theirs & mask):
        return Difference(p.name, r.offset, P, mine if mine is not None else "undecodable",
                          theirs if theirs is not None else "undecodable", r.describe(obj), what)
    return None


@functools.lru_cache(maxsize=None)
def _decoder(arch: str) -> capstone.Cs:
    """One detailed capstone decoder per arch: making one costs ~80 µs, and the checks below
    decode an instruction per GOT-family relocation."""
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64 if arch == "x86_64" else capstone.CS_MODE_32)
    md.detail = True
    return md


def _instruction_bounds(arch: str, code: bytes, r: _Rel) -> tuple[int | None, int | None]:
    """Start and end offsets of the instruction whose displacement is the relocated field, or
    (None, None) when the field is not an instruction's memory displacement."""
    md = _decoder(arch)
    for back in range(min(r.offset, 7), 0, -1):
        start = r.offset - back
        insn = next(md.disasm(code[start:start + 15], start), None)
        if insn is not None and insn.disp_offset == back and insn.size >= back + r.width:
            return start, start + insn.size
    return None, None


def _read_word(read, addr: int, word: int) -> int | None:
    try:
        data = read(addr, word)
    except ValueError:
        return None
    return None if data is None else int.from_bytes(data, "little")


def _meaning(r: _Rel, field_bytes: bytes | None, P: int, addend: int, got: int | None, read,
             original: bytes, bits: int) -> int | None:
    """What a GOT-family field means: the address loaded from its slot, S+A for GOTOFF, the GOT
    base minus the linker's GOT for GOTPC (0 when right)."""
    if field_bytes is None or got is None:
        return None
    mask = (1 << bits) - 1
    v = _signed(int.from_bytes(field_bytes, "little"), 8 * r.width)
    if r.type_name in ("R_386_GOT32", "R_386_GOT32X"):
        absolute = (r.offset >= 2 and (original[r.offset - 1] & 0xC7) == 0x05
                    and original[r.offset - 2] != 0x8D)
        slot = v - addend + (0 if absolute else got)
        return read(slot & mask)
    terms = r.formula.replace(" ", "")
    if terms in ("G+A",):
        return read((got + v - addend) & mask)
    if terms in ("G+GOT+A-P", "G+GOT-P+A"):
        return read((v - addend + P) & mask)
    if terms == "S+A-GOT":
        return (v + got) & mask
    if terms in ("GOT+A-P", "GOT-P+A"):
        return (v - addend + P - got) & mask
    return None


class _ImageReader:
    def __init__(self, image: LinkedImage) -> None:
        self.image = image

    def read(self, addr: int, size: int) -> bytes | None:
        try:
            return self.image.read(addr, size)
        except ValueError:
            return None


def _instruction_value(arch: str, mem, addr: int, got: int | None, read) -> int | None:
    """Decode the instruction at `addr` and return the value its GOT-derived operand yields:
    an immediate, a branch target, a `lea` address, or the word loaded from memory."""
    code = None
    for size in range(15, 0, -1):  # the longest read that stays inside one section
        code = mem.read(addr, size)
        if code is not None:
            break
    if not code:
        return None
    md = _decoder(arch)
    insn = next(md.disasm(code, addr), None)
    if insn is None:
        return None
    bits = 64 if arch == "x86_64" else 32
    mask = (1 << bits) - 1
    if insn.group(capstone.CS_GRP_JUMP) or insn.group(capstone.CS_GRP_CALL):
        op = insn.operands[0]
        if op.type == X.X86_OP_IMM:
            return op.imm & mask
    for op in insn.operands:
        if op.type == X.X86_OP_MEM:
            m = op.mem
            if m.base == X.X86_REG_RIP:
                ea = insn.address + insn.size + m.disp
            elif m.base == 0:
                ea = m.disp
            elif got is not None:
                ea = got + m.disp
            else:
                return None
            if m.index != 0:
                return None
            ea &= mask
            if insn.id == X.X86_INS_LEA:
                return ea
            return read(ea)
    for op in insn.operands:
        if op.type == X.X86_OP_IMM:
            return op.imm & mask
    return None


def _symbol_differences(image: LinkedImage, ref: ReferenceLink) -> list[Difference]:
    out = []
    for s in image.symbol_list:
        theirs = ref.symbols.get(s.name)
        if theirs is None or s.addr in theirs:
            continue
        home = image.placement_of(s.addr)
        out.append(Difference(home.name if home else "*ABS*", s.addr - home.addr if home else 0,
                              s.addr, s.addr, theirs[0], what=f"address of symbol '{s.name}'"))
    return out
