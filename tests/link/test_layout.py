"""Layout: where `link` puts sections, COMMON symbols and the linker's GOT, and how a layout
policy changes it."""
from __future__ import annotations

import pytest

from kemu.link import BadRelocation, LayoutPolicy, LinkError, link
from kemu.link.policy import allocated_section, kernel_loader_kind

from .manifest import fixtures, linkable

PAGE = 4096


def by_id(name: str):
    return next(f for f in fixtures() if f.id == name)


def test_text_rodata_and_data_each_start_on_their_own_pages():
    _, image = by_id("x86_64/absolute").link()
    kinds = [(s.kind, s.prot) for s in image.segments]
    assert kinds == [("text", "r-x"), ("rodata", "r--"), ("data", "rw-")]
    for seg in image.segments:
        assert seg.addr % PAGE == 0 and seg.size % PAGE == 0
    for a, b in zip(image.segments, image.segments[1:]):
        assert a.addr + a.size <= b.addr
    segment_of = {"text": "text", "rodata": "rodata", "data": "data", "bss": "data"}
    for p in image.placements:
        seg = next(s for s in image.segments if s.kind == segment_of[p.kind])
        assert seg.addr <= p.addr and p.end <= seg.addr + seg.size, p


@pytest.mark.parametrize("fixture", linkable(), ids=lambda f: f.id)
def test_every_placement_sits_at_its_alignment_without_overlap(fixture):
    _, image = fixture.link()
    placed = sorted(image.placements, key=lambda p: p.addr)
    for p in placed:
        assert p.addr % p.align == 0, p
    for a, b in zip(placed, placed[1:]):
        assert a.end <= b.addr, (a, b)
    assert image.size % PAGE == 0
    assert image.base <= placed[0].addr and placed[-1].end <= image.base + image.size


def test_sections_keep_their_input_order_within_a_kind():
    obj, image = by_id("x86_64/absolute").link()
    text = [p.index for p in image.placements if p.kind == "text"]
    assert text == sorted(text) and len(text) == 2


def test_zero_filled_sections_come_last_and_read_as_zero():
    obj, image = by_id("x86_64/common").link()
    kinds = [p.kind for p in sorted(image.placements, key=lambda p: p.addr)]
    assert kinds[-2:] == ["bss", "bss"]        # .bss, then the COMMON block
    for p in image.placements:
        if p.kind == "bss":
            assert image.read(p.addr, p.size) == bytes(p.size)


@pytest.mark.parametrize("name", ["x86_64/common", "i386/common"])
def test_common_symbols_are_allocated_aligned_and_disjoint(name):
    obj, image = by_id(name).link()
    block = next(p for p in image.placements if p.name == "COMMON")
    commons = [s for s in obj.symbols if s.common]
    spans = []
    for s in commons:
        addr = image.symbols[s.name]
        assert addr % max(s.value, 1) == 0, s.name          # st_value is the alignment
        assert block.addr <= addr and addr + s.size <= block.end
        spans.append((addr, addr + s.size))
    spans.sort()
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert block.size >= sum(s.size for s in commons)
    assert block.align == max(s.value for s in commons)


def test_non_allocated_sections_stay_out_of_the_image():
    fixture = by_id("c/gcc/x86_64-kernel-O0/chardev")
    obj, image = fixture.link()
    placed = {p.name for p in image.placements}
    assert ".debug_info" in {s.name for s in obj.sections}
    assert not {n for n in placed if n.startswith(".debug") or n == ".comment"}
    assert {".text", ".rodata", ".bss"} <= placed


def test_an_empty_section_gets_an_address_but_no_placement():
    obj, image = by_id("i386/edges").link()
    bss = obj.section_by_name(".bss")
    assert bss.size == 0
    assert ".bss" not in {p.name for p in image.placements}
    assert image.base <= image.section_address(bss.index) <= image.base + image.size


def test_base_address_must_be_page_aligned():
    obj = by_id("x86_64/absolute").load()
    with pytest.raises(LinkError, match="not aligned to the page size"):
        link(obj, 0xFFFFFFFF80000800, lambda name: 0)


def test_page_size_must_be_a_power_of_two():
    obj = by_id("x86_64/absolute").load()
    with pytest.raises(LinkError, match="page size 0x3000 is not a power of two"):
        link(obj, 0xFFFFFFFF80000000, lambda name: 0, page_size=0x3000)


def test_an_image_past_the_top_of_the_address_space_is_refused():
    fixture = by_id("i386/absolute")
    with pytest.raises(LinkError, match="does not fit in the 32-bit address space"):
        link(fixture.load(), 0xFFFFF000, fixture.externals().get)


def test_a_larger_page_size_spreads_segments_on_larger_pages():
    fixture = by_id("x86_64/absolute")
    image = link(fixture.load(), 0xFFFFFFFF80000000, fixture.externals().get, page_size=0x10000)
    assert [s.addr % 0x10000 for s in image.segments] == [0, 0, 0]


def test_a_policy_can_leave_out_a_section_nobody_refers_to():
    fixture = by_id("c/gcc/x86_64-kernel-O2/chardev")
    policy = LayoutPolicy(select=lambda s: allocated_section(s) and s.name != "link_set_cdevs")
    obj = fixture.load()
    image = link(obj, fixture.base, fixture.externals(obj).get, policy=policy)
    assert "link_set_cdevs" not in image.section_addresses
    assert ".text" in image.section_addresses


def test_refering_to_a_symbol_in_a_left_out_section_is_an_error():
    fixture = by_id("x86_64/pcrel")
    policy = LayoutPolicy(select=lambda s: allocated_section(s) and s.name != ".text.helper")
    with pytest.raises(BadRelocation) as info:
        link(fixture.load(), fixture.base, fixture.externals().get, policy=policy)
    assert "left out of the image" in str(info.value) and ".text.helper" in str(info.value)


def test_a_policy_can_move_a_section_to_another_kind():
    fixture = by_id("x86_64/absolute")
    policy = LayoutPolicy(classify=lambda s: "data" if s.name == ".rodata" else
                          kernel_loader_kind(s))
    image = link(fixture.load(), fixture.base, fixture.externals().get, policy=policy)
    rodata = next(p for p in image.placements if p.name == ".rodata")
    assert rodata.kind == "data"
    assert [s.kind for s in image.segments] == ["text", "data"]


def test_a_policy_naming_an_unknown_kind_is_an_error():
    fixture = by_id("x86_64/absolute")
    with pytest.raises(LinkError, match="unknown kind 'stack'"):
        link(fixture.load(), fixture.base, fixture.externals().get,
             policy=LayoutPolicy(classify=lambda s: "stack"))


def test_a_policy_can_place_sections_apart_on_pages_of_their_own_at_the_end():
    fixture = by_id("x86_64/absolute")
    obj = fixture.load()
    last_text = max(p.index for p in fixture.link()[1].placements if p.kind == "text")
    name = obj.sections[last_text].name
    policy = LayoutPolicy(apart=lambda s: s.index == last_text)
    image = link(obj, fixture.base, fixture.externals().get, policy=policy)
    assert [s.kind for s in image.segments] == ["text", "rodata", "data", "text"]
    apart = next(p for p in image.placements if p.name == name)
    own = image.segments[-1]
    assert own.addr % PAGE == 0 and own.prot == "r-x"
    assert own.addr <= apart.addr and apart.end <= own.addr + own.size
    assert all(p.end <= own.addr for p in image.placements if p is not apart)
    # the section's bytes move with it, and a pointer to it in rodata follows it there
    plain = fixture.link()[1]
    before = next(p for p in plain.placements if p.name == name)
    assert image.read(apart.addr, apart.size) == plain.read(before.addr, before.size)
    delta = apart.addr - before.addr
    old_ro = next(p for p in plain.placements if p.name == ".rodata")
    new_ro = next(p for p in image.placements if p.name == ".rodata")
    a, b = plain.read(old_ro.addr, old_ro.size), image.read(new_ro.addr, new_ro.size)
    changed = [i for i in range(len(a)) if a[i] != b[i]]
    assert changed                                   # .rodata holds an absolute reference to it
    at = changed[0] & ~3
    old, new = int.from_bytes(a[at:at + 4], "little"), int.from_bytes(b[at:at + 4], "little")
    assert (new - old) & 0xFFFFFFFF == delta & 0xFFFFFFFF
