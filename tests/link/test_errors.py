"""Relocations that are well-formed ELF but cannot be applied get a precise LinkError.

These start from committed fixtures and patch one field, the way a broken toolchain or a
hostile object would, then check the message names the type, symbol, section and offset."""
from __future__ import annotations

import struct

import pytest

from kemu.elf import ObjectFile
from kemu.link import BadRelocation, LinkError, UnknownRelocation, link

from .manifest import fixtures


def by_id(name: str):
    return next(f for f in fixtures() if f.id == name)


def patched(fixture, edit) -> ObjectFile:
    obj = fixture.load()
    data = bytearray(obj.data)
    edit(obj, data)
    return ObjectFile.parse(bytes(data), fixture.rel)


def rela_entry(obj, section: str, index: int) -> int:
    table = next(t for t in obj.relocations if t.section.name == section)
    return table.entry_offset(index)


def test_a_field_running_past_the_end_of_its_section_is_refused():
    fixture = by_id("x86_64/absolute")

    def edit(obj, data):   # move the first .rela.data entry (R_X86_64_64) to 4 bytes before the end
        at = rela_entry(obj, ".rela.data", 0)
        size = obj.section_by_name(".data").size
        data[at:at + 8] = struct.pack("<Q", size - 4)
    obj = patched(fixture, edit)
    with pytest.raises(BadRelocation) as info:
        link(obj, fixture.base, fixture.externals().get)
    err = info.value
    assert err.type_name == "R_X86_64_64" and err.section == ".data"
    assert err.offset == obj.section_by_name(".data").size - 4
    assert "8-byte field" in str(err) and "runs past the end of the section" in str(err)


def test_an_i386_field_running_past_the_end_is_refused_too():
    fixture = by_id("i386/absolute")

    def edit(obj, data):
        rel_at = next(t for t in obj.relocations if t.section.name == ".rel.data").entry_offset(0)
        size = obj.section_by_name(".data").size
        data[rel_at:rel_at + 4] = struct.pack("<I", size - 2)
    obj = patched(fixture, edit)
    with pytest.raises(BadRelocation, match=r"\.data\+0x[0-9a-f]+: relocation R_386_32 .*4-byte"):
        link(obj, fixture.base, fixture.externals().get)


def test_a_type_number_no_abi_assigns_is_named_by_number():
    fixture = by_id("x86_64/pcrel")

    def edit(obj, data):
        at = rela_entry(obj, ".rela.text", 0) + 8          # r_info: type in the low word
        data[at:at + 4] = struct.pack("<I", 200)
    obj = patched(fixture, edit)
    with pytest.raises(UnknownRelocation) as info:
        link(obj, fixture.base, fixture.externals().get)
    assert info.value.type == 200
    assert "R_X86_64_#200" in str(info.value) and "not a known x86_64 relocation type" in str(info.value)
    assert ".text+0x1" in str(info.value) and "'ext_func'" in str(info.value)


def test_a_relocation_against_an_undefined_local_symbol_is_refused():
    fixture = by_id("x86_64/absolute")

    def edit(obj, data):   # make the .data section symbol (used by `movq $local_data+8`) undefined
        table = next(t for t in obj.relocations if t.section.name == ".rela.text")
        sym = int(table.entries["sym"][1])
        symtab = next(s for s in obj.sections if s.type == 2)
        at = symtab.offset + sym * 24 + 6                   # st_shndx
        data[at:at + 2] = b"\0\0"
    obj = patched(fixture, edit)
    with pytest.raises(BadRelocation, match="local and undefined"):
        link(obj, fixture.base, fixture.externals().get)


def test_errors_name_section_symbols_by_their_section():
    fixture = by_id("x86_64/absolute")

    def edit(obj, data):   # turn `movq $local_data+8` (32S against section .data) into type 99
        at = rela_entry(obj, ".rela.text", 1) + 8
        data[at:at + 4] = struct.pack("<I", 99)
    obj = patched(fixture, edit)
    with pytest.raises(UnknownRelocation, match="against section .data"):
        link(obj, fixture.base, fixture.externals().get)


def test_an_image_larger_than_a_gigabyte_is_refused_before_any_allocation():
    fixture = by_id("x86_64/common")

    def edit(obj, data):   # .bss just under the reader's 1 GiB limit, plus the COMMON block
        bss = obj.section_by_name(".bss")
        shoff = int.from_bytes(obj.data[0x28:0x30], "little")
        at = shoff + bss.index * 64 + 32                     # sh_size
        data[at:at + 8] = struct.pack("<Q", (1 << 30) - 16)
    obj = patched(fixture, edit)
    with pytest.raises(LinkError, match="more than the 0x40000000 kemu allows"):
        link(obj, fixture.base, fixture.externals().get)
