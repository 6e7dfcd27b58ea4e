"""Symbol resolution: module definitions first, then the resolver; weak undefined is 0."""
from __future__ import annotations

import pytest

from kemu.link import LinkError, link

from .manifest import fixtures


def by_id(name: str):
    return next(f for f in fixtures() if f.id == name)


def word_at(image, addr: int, size: int = 8) -> int:
    return int.from_bytes(image.read(addr, size), "little")


def test_the_resolver_is_asked_only_for_undefined_symbols_once_each():
    fixture = by_id("x86_64/absolute")
    known = fixture.externals()
    asked = []
    obj = fixture.load()
    link(obj, fixture.base, lambda name: asked.append(name) or known.get(name))
    assert sorted(asked) == sorted(set(asked)) == ["ext_data", "ext_func", "small", "wu"]


def test_module_definitions_win_over_the_resolver():
    fixture = by_id("x86_64/absolute")
    obj = fixture.load()
    image = link(obj, fixture.base, lambda name: 0x1000 if name in ("wdef", "gdata") else
                 fixture.externals().get(name))
    data = next(p for p in image.placements if p.name == ".data")
    assert data.addr <= image.symbols["wdef"] < data.end
    assert data.addr <= image.symbols["gdata"] < data.end


def test_an_unresolved_weak_symbol_is_zero_and_reported_as_such():
    fixture = by_id("x86_64/absolute")
    obj, image = fixture.link()
    assert image.weak_unresolved == ["wu"]
    assert "wu" not in image.imports
    rodata = next(p for p in image.placements if p.name == ".rodata")
    # .rodata starts: entry, entry+4, helper-2, ext_func+0x10, ext_data-0x10, wu, wu+8
    assert word_at(image, rodata.addr + 5 * 8) == 0
    assert word_at(image, rodata.addr + 6 * 8) == 8


def test_a_weak_symbol_the_resolver_knows_takes_that_address():
    fixture = by_id("x86_64/absolute")
    externals = dict(fixture.externals(), wu=0xFFFFFFFF81234560)
    obj = fixture.load()
    image = link(obj, fixture.base, externals.get)
    rodata = next(p for p in image.placements if p.name == ".rodata")
    assert word_at(image, rodata.addr + 5 * 8) == 0xFFFFFFFF81234560
    assert image.imports["wu"] == 0xFFFFFFFF81234560 and image.weak_unresolved == []


def test_imports_record_what_the_resolver_gave():
    fixture = by_id("x86_64/pcrel")
    obj, image = fixture.link()
    assert image.imports == {k: v for k, v in fixture.externals().items()}


@pytest.mark.parametrize("bad", [-1, 1 << 64, "0x1000", 1.5, True])
def test_a_resolver_returning_something_other_than_an_address_is_an_error(bad):
    fixture = by_id("x86_64/pcrel")
    with pytest.raises(LinkError, match=r"resolver returned .* for symbol '"):
        link(fixture.load(), fixture.base, lambda name: bad)


def test_addresses_beyond_32_bits_are_refused_for_i386():
    fixture = by_id("i386/pcrel")
    with pytest.raises(LinkError, match="32-bit address space"):
        link(fixture.load(), fixture.base, lambda name: 0x1_0000_0000)


def test_the_got_symbol_is_the_linkers_own_never_the_resolvers():
    fixture = by_id("x86_64/got_plain")
    asked = []
    obj = fixture.load()
    image = link(obj, fixture.base, lambda n: asked.append(n) or fixture.externals().get(n))
    assert "_GLOBAL_OFFSET_TABLE_" not in asked
    assert image.got_addr == next(p.addr for p in image.placements if p.name == ".got")


def test_a_got_exists_only_when_relocations_need_one():
    _, plain = by_id("x86_64/absolute").link()
    assert plain.got_addr is None and ".got" not in plain.section_addresses


def test_each_got_slot_holds_its_symbols_final_address():
    fixture = by_id("x86_64/got_relax")
    obj, image = fixture.link()
    got = next(p for p in image.placements if p.name == ".got")
    slots = {word_at(image, got.addr + k) for k in range(0, got.size, 8)}
    assert slots == {fixture.symbols["ext_func"], fixture.symbols["ext_data"], 0,
                     image.symbols["gvar"],
                     next(s.addr for s in image.symbol_list if s.name == "local_fn")}


def test_i386_got32x_without_a_base_register_holds_the_slots_absolute_address():
    fixture = by_id("i386/got")
    obj, image = fixture.link()
    text = next(p for p in image.placements if p.name == ".text")
    code = image.read(text.addr, text.size)
    at = code.index(bytes([0x8B, 0x3D]))           # movl <abs32>, %edi
    slot = int.from_bytes(code[at + 2:at + 6], "little")
    got = next(p for p in image.placements if p.name == ".got")
    assert got.addr <= slot < got.end
    assert word_at(image, slot, 4) == fixture.symbols["ext_data"]
