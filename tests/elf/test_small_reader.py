"""The small-object reader (kemu.elf.rows) reads what the numpy reader reads, field for field,
and leaves everything it does not take — big, unusual or defective objects — to that reader."""
from __future__ import annotations

import pytest

import kemu.elf.objectfile as objectfile
import kemu.elf.rows as rows
from kemu.elf import BadObject, ObjectFile
from kemu.paths import FIXTURES

OBJECTS = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".o", ".ko", ".kmod"))


def _parse(data: bytes, name: str, *, small: bool) -> ObjectFile:
    if small:
        return ObjectFile.parse(data, name)
    saved = objectfile.read_small
    objectfile.read_small = lambda src, header: None
    try:
        return ObjectFile.parse(data, name)
    finally:
        objectfile.read_small = saved


def _readable(path) -> bytes | None:
    data = path.read_bytes()
    try:
        _parse(data, str(path), small=False)
    except BadObject:
        return None
    return data


@pytest.mark.parametrize("folder", sorted({p.parent.relative_to(FIXTURES) for p in OBJECTS}),
                         ids=str)
def test_small_objects_read_the_same_as_with_numpy(folder):
    compared = 0
    for path in (p for p in OBJECTS if p.parent.relative_to(FIXTURES) == folder):
        data = _readable(path)
        if data is None:
            continue
        quick, full = _parse(data, path.name, small=True), _parse(data, path.name, small=False)
        if not quick.small:
            continue
        compared += 1
        assert quick.sections == full.sections
        assert quick.symbols == full.symbols
        assert [quick.symbol(i) for i in range(len(full.symbols))] == full.symbols
        assert [quick.symbol_by_name(s.name) for s in full.symbols] == \
               [full.symbol_by_name(s.name) for s in full.symbols]
        assert quick.symtab.dtype == full.symtab.dtype
        assert quick.symtab.tolist() == full.symtab.tolist()
        assert [(t.section, t.target, t.is_rela, t.entries.dtype, t.entries.tolist())
                for t in quick.relocations] == \
               [(t.section, t.target, t.is_rela, t.entries.dtype, t.entries.tolist())
                for t in full.relocations]
        assert quick.groups == full.groups == []
        assert repr(quick) == repr(full)
    if compared == 0:
        pytest.skip(f"no small ET_REL object in fixtures/{folder}")


def test_the_fibo_module_is_read_without_numpy_tables():
    obj = ObjectFile.load(FIXTURES / "netbsd-lkm" / "i386" / "gcc" / "fibo.o")
    assert obj.small
    assert "symtab" not in vars(obj) and "relocations" not in vars(obj)   # built on first use
    assert len(obj.symtab) == len(obj.symbol_rows)


def test_an_object_over_the_size_limit_goes_to_the_full_reader(monkeypatch):
    monkeypatch.setattr(rows, "SMALL_LIMIT", 8)
    obj = ObjectFile.load(FIXTURES / "netbsd-lkm" / "i386" / "gcc" / "fibo.o")
    assert not obj.small
    assert obj.symbol_by_name("fibo_lkmentry") is not None


def test_a_defect_is_worded_by_the_full_reader():
    data = bytearray((FIXTURES / "netbsd-lkm" / "x86_64" / "gcc" / "fibo.o").read_bytes())
    obj = ObjectFile.parse(bytes(data), "fibo.o")
    symtab = next(s for s in obj.sections if s.name == ".symtab")
    data[symtab.offset + 24:symtab.offset + 28] = (0xFFFFFF).to_bytes(4, "little")  # st_name
    with pytest.raises(BadObject) as small_path:
        ObjectFile.parse(bytes(data), "fibo.o")
    with pytest.raises(BadObject) as full_path:
        _parse(bytes(data), "fibo.o", small=False)
    assert str(small_path.value) == str(full_path.value)
    assert "symbol 1" in str(small_path.value) and "st_name" in str(small_path.value)


MUTANTS = 2000


def _outcome(data: bytes, *, small: bool):
    try:
        obj = _parse(data, "mutant.o", small=small)
    except BadObject as err:
        return ("refused", str(err)), None
    return ("read", obj.sections, obj.symbols, obj.symtab.tolist(),
            [(t.section, t.target, t.is_rela, t.entries.tolist()) for t in obj.relocations]), obj


def test_mutants_are_read_or_refused_alike_by_both_readers():
    """Seeded damage to small fixtures: the small reader may only ever accept what the numpy
    reader accepts, reading it identically; whatever it refuses reaches the same message."""
    from .test_corrupt_mutation import mutate
    seeds = [p.read_bytes() for p in OBJECTS
             if p.parent.name in ("gcc", "clang") and (data := p.read_bytes())
             and _parse(data, p.name, small=True).small][:12]
    assert seeds
    taken = 0
    for n in range(MUTANTS):
        mutant, log = mutate(seeds[n % len(seeds)], 7_000_000 + n)
        quick, obj = _outcome(mutant, small=True)
        full, _ = _outcome(mutant, small=False)
        assert quick == full, f"mutant {n}: {'; '.join(log)}"
        taken += obj is not None and obj.small
    assert taken > MUTANTS // 20, taken
