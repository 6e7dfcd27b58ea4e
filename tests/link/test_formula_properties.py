"""Property tests: each relocation type's arithmetic against an independent model.

The model below is written from the psABI formulas and GNU ld's overflow rules (measured at the
boundaries with ld 2.40), in plain Python integers, without using kemu's tables. Hypothesis
draws operands uniformly and, half the time, so that the value lands within a few units of an
edge of the field's range; kemu's vectorised core must store the same bits and give the same
verdict for every entry of a batch.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kemu.link.apply import _read_fields, _write_fields, field_values
from kemu.link.arches import RELOC_TABLES

# name: (field bits, overflow rule, formula). Rules: None (cannot overflow), "signed",
# "unsigned", "bitfield" (accepts [-2**n, 2**n)).
MODEL = {
    "R_386_32": (32, None, lambda o: o.S + o.A),
    "R_386_PC32": (32, None, lambda o: o.S + o.A - o.P),
    "R_386_GOT32": (32, None, lambda o: o.G + o.B + o.A),
    "R_386_GOT32X": (32, None, lambda o: o.G + o.B + o.A),
    "R_386_PLT32": (32, None, lambda o: o.S + o.A - o.P),
    "R_386_GOTOFF": (32, None, lambda o: o.S + o.A - o.GOT),
    "R_386_GOTPC": (32, None, lambda o: o.GOT + o.A - o.P),
    "R_386_16": (16, "bitfield", lambda o: o.S + o.A),
    "R_386_PC16": (16, "bitfield", lambda o: o.S + o.A - o.P),
    "R_386_8": (8, "bitfield", lambda o: o.S + o.A),
    "R_386_PC8": (8, "signed", lambda o: o.S + o.A - o.P),
    "R_386_SIZE32": (32, None, lambda o: o.Z + o.A),
    "R_X86_64_64": (64, None, lambda o: o.S + o.A),
    "R_X86_64_PC32": (32, "signed", lambda o: o.S + o.A - o.P),
    "R_X86_64_GOT32": (32, "signed", lambda o: o.G + o.A),
    "R_X86_64_PLT32": (32, "signed", lambda o: o.S + o.A - o.P),
    "R_X86_64_GOTPCREL": (32, "signed", lambda o: o.G + o.GOT + o.A - o.P),
    "R_X86_64_32": (32, "unsigned", lambda o: o.S + o.A),
    "R_X86_64_32S": (32, "signed", lambda o: o.S + o.A),
    "R_X86_64_16": (16, "bitfield", lambda o: o.S + o.A),
    "R_X86_64_PC16": (16, "bitfield", lambda o: o.S + o.A - o.P),
    "R_X86_64_8": (8, "bitfield", lambda o: o.S + o.A),
    "R_X86_64_PC8": (8, "signed", lambda o: o.S + o.A - o.P),
    "R_X86_64_PC64": (64, None, lambda o: o.S + o.A - o.P),
    "R_X86_64_GOTOFF64": (64, None, lambda o: o.S + o.A - o.GOT),
    "R_X86_64_GOTPC32": (32, "signed", lambda o: o.GOT + o.A - o.P),
    "R_X86_64_GOT64": (64, None, lambda o: o.G + o.A),
    "R_X86_64_GOTPCREL64": (64, None, lambda o: o.G + o.GOT - o.P + o.A),
    "R_X86_64_GOTPC64": (64, None, lambda o: o.GOT - o.P + o.A),
    "R_X86_64_GOTPLT64": (64, None, lambda o: o.G + o.A),
    "R_X86_64_PLTOFF64": (64, None, lambda o: o.S + o.A - o.GOT),
    "R_X86_64_SIZE32": (32, "unsigned", lambda o: o.Z + o.A),
    "R_X86_64_SIZE64": (64, None, lambda o: o.Z + o.A),
    "R_X86_64_GOTPCRELX": (32, "signed", lambda o: o.G + o.GOT + o.A - o.P),
    "R_X86_64_REX_GOTPCRELX": (32, "signed", lambda o: o.G + o.GOT + o.A - o.P),
}

CASES = [(arch, t) for arch, table in RELOC_TABLES.items()
         for t in table.types.values() if t.width]


class Ops:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def model_range(rule: str, n: int) -> tuple[int, int]:
    return {"signed": (-(1 << (n - 1)), (1 << (n - 1)) - 1),
            "unsigned": (0, (1 << n) - 1),
            "bitfield": (-(1 << n), (1 << n) - 1)}[rule]


def model(name: str, abits: int, ops: Ops, inplace: int) -> tuple[int, bool]:
    """(bits stored in the field, accepted?) for one relocation, in exact integers."""
    n, rule, formula = MODEL[name]
    a = formula(ops) % (1 << abits)              # the symbol part (A is 0 for REL)
    total = (a + inplace) % (1 << abits)
    ok = True
    if rule is not None and n < abits:
        lo, hi = model_range(rule, n)
        if rule == "unsigned":
            ok = a <= hi and total <= hi
        else:
            signed = a - (1 << abits) if a >> (abits - 1) else a
            ok = lo <= signed <= hi and lo <= signed + inplace <= hi
    return total % (1 << n), ok


def test_the_model_covers_every_type_kemu_implements():
    implemented = {t.name for _, t in CASES}
    assert implemented == set(MODEL)


@st.composite
def entries(draw, arch: str, rtype, rel: bool):
    """One relocation's operands; half the time aimed at an edge of the field's range."""
    abits = RELOC_TABLES[arch].address_bits
    word = abits // 8
    u = st.integers(0, (1 << abits) - 1)
    ops = Ops(S=draw(u), P=draw(u), GOT=draw(u), Z=draw(u),
              G=draw(st.integers(0, 511)) * word, A=0, B=0)
    ops.B = ops.GOT if draw(st.booleans()) else 0
    n, rule, formula = MODEL[rtype.name]
    inplace = 0
    if rel:
        half = 1 << (n - 1)
        inplace = draw(st.one_of(st.integers(-half, half - 1),
                                 st.sampled_from([-half, half - 1, 0, -1, 1])))
    aim = draw(st.booleans()) and rule is not None
    if aim:
        lo, hi = model_range(rule, n)
        target = draw(st.sampled_from([lo, hi])) + draw(st.integers(-3, 3))
        if rel:   # REL: move the symbol part by changing the first operand the formula adds
            first = next(op for op in ("S", "Z", "G", "GOT") if op in rtype.formula.split())
            current = formula(ops)
            setattr(ops, first, (getattr(ops, first) + target - current) % (1 << abits))
        else:
            ops.A = target - formula(ops)
    elif not rel:
        ops.A = draw(st.integers(-(1 << (abits - 1)), (1 << (abits - 1)) - 1))
    if not rel:   # keep A a valid signed addend of the address width
        ops.A = ((ops.A + (1 << (abits - 1))) % (1 << abits)) - (1 << (abits - 1))
    return ops, inplace


@pytest.mark.parametrize("arch,rtype", CASES, ids=[t.name for _, t in CASES])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_kemu_computes_what_the_model_computes(arch, rtype, data):
    abits = RELOC_TABLES[arch].address_bits
    rel = arch == "i386" and data.draw(st.booleans())
    batch = data.draw(st.lists(entries(arch, rtype, rel), min_size=1, max_size=8))
    u64 = np.uint64
    ops = {k: np.array([getattr(o, k) % (1 << 64) for o, _ in batch], u64)
           for k in ("S", "P", "G", "GOT", "Z", "B", "A")}
    inplace = np.array([b for _, b in batch], np.int64)
    used = {k: v for k, v in ops.items() if k in rtype.uses | {"A"}}
    _, stored, ok = field_values(rtype, abits, used, inplace)
    mask = (1 << rtype.bits) - 1
    for k, (o, b) in enumerate(batch):
        want_bits, want_ok = model(rtype.name, abits, o, b)
        got_ok = True if ok is None else bool(ok[k])
        assert got_ok == want_ok, f"{rtype.name}: entry {k} verdict"
        if want_ok:
            assert int(stored[k]) & mask == want_bits, f"{rtype.name}: entry {k} value"


@settings(max_examples=200, deadline=None)
@given(width=st.sampled_from([1, 2, 4, 8]), values=st.lists(st.integers(0, (1 << 64) - 1),
                                                           min_size=1, max_size=16))
def test_fields_round_trip_and_in_place_addends_are_sign_extended(width, values):
    buf = np.zeros(8 * len(values) + 3, np.uint8)
    pos = np.arange(len(values), dtype=np.int64) * 8 + 3          # unaligned on purpose
    _write_fields(buf, pos, width, np.array(values, np.uint64))
    back = _read_fields(buf, pos, width)
    bits = 8 * width
    for v, got in zip(values, back.tolist()):
        low = v & ((1 << bits) - 1)
        assert got == (low - (1 << bits) if low >> (bits - 1) else low)
    # neighbouring bytes are untouched
    assert not buf[:3].any()
