"""The LinkedImage API: bytes, placements, symbols, symbolizing, non-alloc sections."""
from __future__ import annotations

import pytest

from kemu.link import relocate_section_bytes

from .manifest import fixtures


def by_id(name: str):
    return next(f for f in fixtures() if f.id == name)


def test_bytes_cover_the_image_from_base():
    obj, image = by_id("x86_64/pcrel").link()
    assert len(image.bytes) == image.size
    text = obj.section_by_name(".rodata")
    placed = next(p for p in image.placements if p.name == ".rodata")
    assert image.read(placed.addr, 19) == obj.section_data(text)[:19] == b"hello, relocations\0"[:19]


def test_entry_gives_a_defined_symbols_address_and_names_a_missing_one():
    obj, image = by_id("x86_64/pcrel").link()
    assert image.entry("pc_entry") == image.base
    with pytest.raises(KeyError, match="no_such_function"):
        image.entry("no_such_function")


def test_symbolize_names_the_function_and_offset():
    obj, image = by_id("x86_64/pcrel").link()
    helper = image.entry("pc_helper")
    assert image.symbolize(image.base + 5) == ("pc_entry", 5)
    assert image.symbolize(helper) == ("pc_helper", 0)
    assert image.symbolize(0xFFFFFFFF81000000) == ("ext_func", 0)     # an import
    assert image.symbolize(0x1234) is None


def test_symbol_list_carries_type_binding_and_size():
    obj, image = by_id("x86_64/size").link()
    entries = {s.name: s for s in image.symbol_list}
    assert (entries["size_fn"].type, entries["size_fn"].bind) == ("func", "global")
    assert (entries["gtable"].type, entries["gtable"].size) == ("object", 200)
    assert entries["local_obj"].bind == "local"
    assert entries["gcommon"].size == 48


def test_section_addresses_map_every_placed_section():
    obj, image = by_id("x86_64/absolute").link()
    assert image.section_addresses == {p.name: p.addr for p in image.placements}
    assert image.section_addresses[".text"] == image.base


def test_a_placed_section_relocated_on_demand_is_its_image_bytes():
    obj, image = by_id("x86_64/absolute").link()
    data = next(p for p in image.placements if p.name == ".data")
    assert relocate_section_bytes(obj, image, ".data") == image.read(data.addr, data.size)


def test_debug_info_is_relocated_against_the_images_addresses():
    obj, image = by_id("c/gcc/x86_64-kernel-O0/chardev").link()
    info = relocate_section_bytes(obj, image, ".debug_info")
    raw = obj.section_data(obj.section_by_name(".debug_info"))
    assert len(info) == len(raw) and info != raw
    text = image.section_addresses[".text"].to_bytes(8, "little")
    assert text in info          # DW_AT_low_pc of the compile unit is the final .text address


def test_asking_for_a_section_that_does_not_exist_is_an_error():
    obj, image = by_id("x86_64/absolute").link()
    with pytest.raises(ValueError, match="no section named '.nothing'"):
        relocate_section_bytes(obj, image, ".nothing")
