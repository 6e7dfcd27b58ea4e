"""C types from DWARF type DIEs, as the expression evaluator's `CType`.

Printing an argument needs to know whether its bytes are a signed `int`, a `dev_t`, a
`struct uio *` or a `bool`; `p fibosc->sc_current` needs the struct's layout. The type DIEs
the compiler wrote say all of that. Names are spelled the way gdb spells them (`struct uio *`,
`int (*)(dev_t, int)`, `struct fibo_softc [4]`), a typedef keeps its own name over the type it
renames, and a struct that points to itself stops the recursion: the inner pointer's target
is the struct without its members (printed `...`).
"""
from __future__ import annotations

from elftools.dwarf.die import DIE

from kemu.debug.expr import CType, Member
from kemu.link.dwarf_image import dwarf_text  # noqa: F401  (re-exported: one DWARF text reader)

# DW_ATE_* base type encodings
_ATE_BOOLEAN, _ATE_FLOAT = 0x02, 0x04
_ATE_SIGNED, _ATE_SIGNED_CHAR, _ATE_UNSIGNED, _ATE_UNSIGNED_CHAR = 0x05, 0x06, 0x07, 0x08
_ATE_UTF = 0x10

_QUALIFIERS = {"DW_TAG_const_type": "const", "DW_TAG_volatile_type": "volatile",
               "DW_TAG_restrict_type": "restrict", "DW_TAG_atomic_type": "_Atomic"}




def _name(die: DIE) -> str | None:
    a = die.attributes.get("DW_AT_name")
    return None if a is None else dwarf_text(a.value)


def _int_attr(die: DIE, name: str, default: int = 0) -> int:
    a = die.attributes.get(name)
    return a.value if a is not None and isinstance(a.value, int) else default


class TypeReader:
    """Reads and remembers the CType of type DIEs of one DWARF (by DIE offset)."""

    def __init__(self, word: int) -> None:
        self.word = word
        self._done: dict[int, CType] = {}
        self._building: set[int] = set()     # structs whose members are being read

    def of(self, die: DIE | None) -> CType:
        """The type a DIE with DW_AT_type has (a variable, a member, a pointer …); `void` without."""
        if die is None or "DW_AT_type" not in die.attributes:
            return CType("void", 1, False, "void")
        return self.type_die(die.get_DIE_from_attribute("DW_AT_type"))

    def type_die(self, die: DIE) -> CType:
        """The CType of a type DIE (base, pointer, typedef, struct …)."""
        hit = self._done.get(die.offset)
        if hit is not None:
            return hit
        t = self._read(die)
        if die.offset not in self._building:
            self._done[die.offset] = t
        return t

    # ---- one DIE ------------------------------------------------------------------------
    def _read(self, die: DIE) -> CType:
        tag = die.tag
        if tag == "DW_TAG_base_type":
            return self._base(die)
        if tag in ("DW_TAG_pointer_type", "DW_TAG_reference_type", "DW_TAG_rvalue_reference_type"):
            target = self._pointee(die)
            return target.pointer(_int_attr(die, "DW_AT_byte_size", self.word))
        if tag == "DW_TAG_typedef":
            under = self.of(die)
            return _renamed(under, _name(die) or under.name)
        if tag in _QUALIFIERS:
            under = self.of(die)
            return _renamed(under, f"{_QUALIFIERS[tag]} {under.name}")
        if tag in ("DW_TAG_structure_type", "DW_TAG_union_type", "DW_TAG_class_type"):
            return self._aggregate(die)
        if tag == "DW_TAG_enumeration_type":
            return self._enum(die)
        if tag == "DW_TAG_array_type":
            return self._array(die)
        if tag == "DW_TAG_subroutine_type":
            return self._function(die)
        return CType(_name(die) or "<unknown type>", max(1, _int_attr(die, "DW_AT_byte_size", 1)),
                     False, "unknown")

    def _base(self, die: DIE) -> CType:
        name = _name(die) or "?"
        size = _int_attr(die, "DW_AT_byte_size", 1)
        enc = _int_attr(die, "DW_AT_encoding")
        if enc == _ATE_FLOAT:
            return CType(name, size, False, "float")     # its bits: never sign-extended
        if enc == _ATE_BOOLEAN:
            return CType(name, size, False, "int", encoding="bool")
        if enc in (_ATE_SIGNED_CHAR, _ATE_UNSIGNED_CHAR) or (enc == _ATE_UTF and size == 1):
            return CType(name, size, enc == _ATE_SIGNED_CHAR, "int", encoding="char")
        return CType(name, size, enc == _ATE_SIGNED, "int")

    def _pointee(self, die: DIE) -> CType:
        """A pointer's target; a struct being read (a list's `next`) comes without members."""
        if "DW_AT_type" not in die.attributes:
            return CType("void", 1, False, "void")
        target = die.get_DIE_from_attribute("DW_AT_type")
        if self._innermost_aggregate(target) in self._building:
            return self._shallow(target)
        return self.type_die(target)

    def _innermost_aggregate(self, die: DIE) -> int | None:
        """The offset of the struct a typedef/qualifier chain ends in, if it does."""
        for _ in range(16):
            if die.tag in ("DW_TAG_structure_type", "DW_TAG_union_type", "DW_TAG_class_type"):
                return die.offset
            if die.tag in ("DW_TAG_typedef", *_QUALIFIERS) and "DW_AT_type" in die.attributes:
                die = die.get_DIE_from_attribute("DW_AT_type")
            else:
                return None
        return None

    def _shallow(self, die: DIE) -> CType:
        names = []
        for _ in range(16):
            if die.tag in ("DW_TAG_structure_type", "DW_TAG_union_type", "DW_TAG_class_type"):
                kind = "union" if die.tag == "DW_TAG_union_type" else "struct"
                name = names[0] if names else f"{kind} {_name(die) or '{...}'}"
                return CType(name, _int_attr(die, "DW_AT_byte_size"), False, kind)
            if die.tag == "DW_TAG_typedef" and not names:
                names.append(_name(die) or "?")
            die = die.get_DIE_from_attribute("DW_AT_type")
        return CType("<unknown type>", 1, False, "unknown")

    def _aggregate(self, die: DIE) -> CType:
        kind = "union" if die.tag == "DW_TAG_union_type" else "struct"
        name = f"{kind} {_name(die) or '{...}'}"
        size = _int_attr(die, "DW_AT_byte_size")
        if "DW_AT_declaration" in die.attributes:
            return CType(name, size, False, kind)      # incomplete: no members known here
        self._building.add(die.offset)
        try:
            members = tuple(self._member(m) for m in die.iter_children() if m.tag == "DW_TAG_member")
        finally:
            self._building.discard(die.offset)
        return CType(name, size, False, kind, members=members)

    def _member(self, die: DIE) -> Member:
        t = self.of(die)
        loc = die.attributes.get("DW_AT_data_member_location")
        offset = loc.value if loc is not None and isinstance(loc.value, int) else 0
        bit_size = _int_attr(die, "DW_AT_bit_size")
        bit_offset = 0
        if bit_size:
            if "DW_AT_data_bit_offset" in die.attributes:          # DWARF 4+: from the struct start
                total = _int_attr(die, "DW_AT_data_bit_offset")
                offset = total // 8 - (total // 8) % max(1, t.size)   # the aligned unit holding it
                bit_offset = total - 8 * offset
            else:                                                   # DWARF 2/3: from the MSB of the storage unit
                storage = _int_attr(die, "DW_AT_byte_size", t.size)
                bit_offset = 8 * storage - _int_attr(die, "DW_AT_bit_offset") - bit_size
        return Member(_name(die) or "", offset, t, bit_size, bit_offset)

    def _enum(self, die: DIE) -> CType:
        under = self.of(die) if "DW_AT_type" in die.attributes else None
        size = _int_attr(die, "DW_AT_byte_size", under.size if under else 4)
        names = tuple((_name(e) or "?", _int_attr(e, "DW_AT_const_value"))
                      for e in die.iter_children() if e.tag == "DW_TAG_enumerator")
        signed = under.signed if under is not None else any(v < 0 for _, v in names)
        return CType(f"enum {_name(die) or '{...}'}", size, signed, "int", enumerators=names)

    def _array(self, die: DIE) -> CType:
        element = self.of(die)
        dims = []
        for sub in die.iter_children():
            if sub.tag != "DW_TAG_subrange_type":
                continue
            if "DW_AT_count" in sub.attributes:
                dims.append(_int_attr(sub, "DW_AT_count"))
            elif "DW_AT_upper_bound" in sub.attributes:
                dims.append(_int_attr(sub, "DW_AT_upper_bound") - _int_attr(sub, "DW_AT_lower_bound") + 1)
            else:
                dims.append(0)                                      # `int a[]`
        t = element
        for n in reversed(dims or [0]):
            base, _, rest = t.name.partition(" [") if t.kind == "array" else (t.name, "", "")
            name = f"{base} [{n}]" + (f"[{rest}" if rest else "")
            t = CType(name, t.size * n, False, "array", t, count=n)
        return t

    def _function(self, die: DIE) -> CType:
        ret = self.of(die)
        params = [self.of(p).name for p in die.iter_children() if p.tag == "DW_TAG_formal_parameter"]
        if any(p.tag == "DW_TAG_unspecified_parameters" for p in die.iter_children()):
            params.append("...")
        elif not params and "DW_AT_prototyped" in die.attributes:
            params = ["void"]
        return CType(f"{ret.name} ({', '.join(params)})", 1, False, "func", ret)


def _renamed(t: CType, name: str) -> CType:
    """`t` under another name (a typedef or a qualified type): same kind, layout and values."""
    return CType(name, t.size, t.signed, t.kind, t.target, t.encoding, t.members, t.count, t.enumerators)
