"""What a relocation type is, independent of the architecture: formula, field width, overflow rule.

Each arch module (`reloc_i386`, `reloc_x86_64`) is a table of `RelocType` entries, in the spirit
of Linux's `apply_relocate_add` (one formula per type, an overflow check, a precise message) and
of GNU ld's howto tables, whose overflow rules kemu follows so that both accept and reject the
same objects.

A formula is a string over these operands (psABI notation), evaluated on whole numpy arrays:

    S    the symbol's address              A    the explicit addend (RELA; 0 for REL)
    P    the address of the field          Z    the symbol's size (st_size)
    GOT  the GOT base (_GLOBAL_OFFSET_TABLE_)
    G    the offset of the symbol's GOT slot from the GOT base
    B    GOT when an i386 GOT32/GOT32X instruction addresses its slot with no base register
         (ModRM mod=00 r/m=101, not `lea`): the field then holds the slot's absolute address
    BASE the load bias of a shared object (where its vaddr 0 went; psABI's B for RELATIVE)

Arithmetic is modulo 2**64 (uint64 arrays wrap), then the field keeps its low bits.

REL tables carry the addend in the field itself. GNU ld checks the symbol part (`a`, the formula
with A=0) against the field's range and then checks that adding the in-place addend (`b`) did
not overflow it; for RELA `a` is the whole value and `b` is 0. `fits` implements exactly that,
so kemu rejects what ld rejects (an i386 R_386_16 with S=0x17000 and in-place addend -0x8000 is
refused although the sum would fit).
"""
from __future__ import annotations

import ast
import enum
from typing import TYPE_CHECKING, Any

from kemu.record import Record

if TYPE_CHECKING:
    import numpy as np

OPERANDS = ("S", "A", "P", "G", "GOT", "Z", "B", "BASE")


class Overflow(enum.Enum):
    """How a field narrower than the address space is checked (GNU ld's complain_overflow)."""

    NONE = "none"            # the field is as wide as an address: it cannot overflow
    SIGNED = "signed"        # value must lie in [-2**(n-1), 2**(n-1))
    UNSIGNED = "unsigned"    # value must lie in [0, 2**n)
    BITFIELD = "bitfield"    # signed or unsigned both accepted: [-2**n, 2**n)

    def allowed(self, bits: int) -> tuple[int, int] | None:
        """Inclusive (low, high) range of values an n-bit field accepts; None if unchecked."""
        if self is Overflow.SIGNED:
            return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
        if self is Overflow.UNSIGNED:
            return (0, (1 << bits) - 1)
        if self is Overflow.BITFIELD:
            return (-(1 << bits), (1 << bits) - 1)
        return None


_FIELDS = ("code", "name", "width", "formula", "overflow", "got_slot", "got_base", "note", "overwrite")


class RelocType(Record, fields=_FIELDS, frozen=True):
    """One relocation type: its number, psABI name, field width in bytes, formula and rule.

    `got_slot`: the type needs a GOT slot holding S. `got_base`: the formula uses GOT (so a GOT
    must exist even with no slots). `overwrite`: the field's old contents are not an addend
    (GLOB_DAT, JMP_SLOT in REL tables: the slot holds the lazy-binding address, replaced)."""

    def __init__(self, code: int, name: str, width: int, formula: str,
                 overflow: Overflow = Overflow.NONE, got_slot: bool = False, got_base: bool = False,
                 note: str = "", overwrite: bool = False) -> None:
        own = vars(self)
        own.update(code=code, name=name, width=width, formula=formula, overflow=overflow,
                   got_slot=got_slot, got_base=got_base, note=note, overwrite=overwrite,
                   _code=None)
        if width == 0:
            return
        tree = ast.parse(formula, mode="eval")
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id not in OPERANDS:
                raise ValueError(f"{name}: unknown operand {node.id} in {formula!r}")
            if not isinstance(node, (ast.Expression, ast.BinOp, ast.Name, ast.Load, ast.Add,
                                     ast.Sub)):
                raise ValueError(f"{name}: formula {formula!r} may only add and subtract")
        own["_code"] = compile(tree, name, "eval")
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        if "GOT" in names or "B" in names or "G" in names:
            own["got_base"] = True
        if "G" in names:
            own["got_slot"] = True

    @property
    def bits(self) -> int:
        return 8 * self.width

    @property
    def uses(self) -> frozenset[str]:
        return frozenset(n.id for n in ast.walk(ast.parse(self.formula or "0", mode="eval"))
                         if isinstance(n, ast.Name))

    def evaluate(self, **operands: Any) -> Any:
        """The formula over numpy uint64 arrays (wrapping) or Python ints (exact)."""
        return eval(self._code, {"__builtins__": {}}, operands)  # noqa: S307 - our own table

    def allowed(self, address_bits: int) -> tuple[int, int] | None:
        """The field's range, or None when the rule cannot trigger for this address width."""
        if self.overflow is Overflow.NONE or self.bits >= address_bits:
            return None
        return self.overflow.allowed(self.bits)


class ArchRelocs(Record, fields=("arch", "address_bits", "types", "known_names"), frozen=True):
    """One architecture's relocation table plus the names of the types it does not implement."""

    def __init__(self, arch: str, address_bits: int, types: dict[int, RelocType],
                 known_names: dict[int, str]) -> None:
        vars(self).update(arch=arch, address_bits=address_bits, types=types,
                          known_names=known_names)

    def name(self, code: int) -> str:
        """`R_X86_64_PC32`, or `R_X86_64_#<n>` for a number no ABI assigns."""
        t = self.types.get(code)
        if t is not None:
            return t.name
        return self.known_names.get(code, f"{self.prefix}#{code}")

    @property
    def prefix(self) -> str:
        return "R_386_" if self.arch == "i386" else "R_X86_64_"

    def by_name(self, name: str) -> RelocType:
        for t in self.types.values():
            if t.name == name:
                return t
        raise KeyError(name)


def make_table(arch: str, address_bits: int, types: list[RelocType],
               known_names: dict[int, str]) -> ArchRelocs:
    by_code = {}
    for t in types:
        if t.code in by_code:
            raise ValueError(f"{arch}: relocation type {t.code} listed twice")
        by_code[t.code] = t
    names = dict(known_names)
    names.update({t.code: t.name for t in types})
    return ArchRelocs(arch, address_bits, by_code, names)


# -- the vectorised overflow rule ----------------------------------------------------------

def to_signed(values: np.ndarray, address_bits: int) -> np.ndarray:
    """uint64 values read modulo 2**address_bits, as signed int64."""
    import numpy as np
    _U64 = np.uint64
    if address_bits == 64:
        return values.view(np.int64)
    masked = (values & _U64((1 << address_bits) - 1)).astype(np.int64)
    return masked - ((masked >> (address_bits - 1)) << address_bits)


def fits(rtype: RelocType, a: np.ndarray, b: np.ndarray, address_bits: int) -> np.ndarray | None:
    """Boolean array: does each field accept symbol part `a` (uint64) plus in-place addend `b`
    (int64)? None when the type cannot overflow at this address width."""
    allowed = rtype.allowed(address_bits)
    if allowed is None:
        return None
    import numpy as np
    _U64 = np.uint64
    lo, hi = allowed
    if rtype.overflow is Overflow.UNSIGNED:
        mask = _U64((1 << address_bits) - 1)
        a_mod = a & mask
        total = (a_mod + b.view(np.uint64)) & mask
        return (a_mod <= _U64(hi)) & (total <= _U64(hi))
    a_s = to_signed(a, address_bits)
    total = a_s + b
    return (a_s >= lo) & (a_s <= hi) & (total >= lo) & (total <= hi)


def fits_one(rtype: RelocType, a: int, b: int, address_bits: int) -> bool:
    """`fits` for one field: symbol part `a` (taken modulo 2**64) plus in-place addend `b`."""
    allowed = rtype.allowed(address_bits)
    if allowed is None:
        return True
    lo, hi = allowed
    mask = (1 << address_bits) - 1
    a_mod = a & mask
    if rtype.overflow is Overflow.UNSIGNED:
        return a_mod <= hi and (a_mod + b) & mask <= hi
    a_s = a_mod - (1 << address_bits) if a_mod >> (address_bits - 1) else a_mod
    return lo <= a_s <= hi and lo <= a_s + b <= hi


def reported_value(rtype: RelocType, a: int, b: int, address_bits: int) -> tuple[int, str]:
    """The value to print for an overflow and a phrase saying which check failed."""
    mod = 1 << address_bits
    a_mod = a % mod
    lo, hi = rtype.allowed(address_bits) or (0, 0)
    if rtype.overflow is Overflow.UNSIGNED:
        a_val, total = a_mod, (a_mod + b) % mod
    else:
        a_val = a_mod - mod if a_mod >= mod // 2 else a_mod
        total = a_val + b
    rule = f"{rtype.bits}-bit {rtype.overflow.value} field".replace("bitfield field", "bitfield")
    if not lo <= a_val <= hi:
        if b:
            return a_val, (f"{rule}; GNU ld and kemu check the symbol part before adding the "
                           f"in-place addend {b:+#x}")
        return a_val, rule
    return total, f"{rule}; symbol part {a_val:#x} plus in-place addend {b:+#x}"
