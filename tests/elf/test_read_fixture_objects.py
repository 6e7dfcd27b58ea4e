"""Reading guest/elf/symbols_<arch>.s as assembled: every value the source comments promise."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from kemu.elf import RELOC_DTYPE, SYMTAB_DTYPE, ObjectFile
from kemu.elf.constants import (EM_386, EM_X86_64, SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_NOBITS,
                                SHT_REL, SHT_RELA, STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FUNC,
                                STT_OBJECT, STT_SECTION)

from .conftest import ELF_FIXTURES

R_386_32, R_386_PC32 = 1, 2
R_X86_64_64, R_X86_64_PC32, R_X86_64_32S, R_X86_64_PLT32 = 1, 2, 11, 4


@pytest.fixture
def obj(symbols_object) -> ObjectFile:
    return ObjectFile.load(symbols_object)


def relocs_of(obj: ObjectFile, target: str):
    (table,) = [r for r in obj.relocations if r.target.name == target]
    return table


def test_i386_object_is_elf32_em386():
    obj = ObjectFile.load(ELF_FIXTURES / "symbols_i386.o")
    assert (obj.arch, obj.elfclass, obj.machine) == ("i386", 32, EM_386)


def test_x86_64_object_is_elf64_emx86_64():
    obj = ObjectFile.load(ELF_FIXTURES / "symbols_x86_64.o")
    assert (obj.arch, obj.elfclass, obj.machine) == ("x86_64", 64, EM_X86_64)


def test_name_and_data_are_the_file(obj, symbols_object):
    assert obj.name == str(symbols_object)
    assert obj.data == symbols_object.read_bytes()


def test_section_zero_is_the_null_section(obj):
    assert obj.sections[0].index == 0 and obj.sections[0].type == 0 and obj.sections[0].name == ""


def test_sections_carry_their_index_and_name(obj):
    assert [s.index for s in obj.sections] == list(range(len(obj.sections)))
    names = {s.name for s in obj.sections}
    assert {".text", ".data", ".bss", ".symtab", ".strtab", ".shstrtab", ".group",
            ".text.comdat_func"} <= names


def test_text_flags_are_alloc_and_exec_not_write(obj):
    text = obj.section_by_name(".text")
    assert text.alloc and text.execinstr and not text.write and not text.nobits


def test_data_flags_are_alloc_and_write(obj):
    data = obj.section_by_name(".data")
    assert data.alloc and data.write and not data.execinstr


def test_bss_is_nobits_with_size_alignment_and_no_bytes(obj):
    bss = obj.section_by_name(".bss")
    assert bss.type == SHT_NOBITS and bss.nobits
    assert bss.size == 4096 and bss.addralign == 32
    assert obj.section_data(bss) == b""


def test_section_data_is_the_bytes_at_the_section_offset(obj):
    data = obj.section_by_name(".data")
    assert obj.section_data(data) == obj.data[data.offset:data.offset + data.size]
    assert bytes(obj.section_view(data)) == obj.section_data(data)


def test_section_by_name_of_a_missing_section_is_none(obj):
    assert obj.section_by_name(".no.such.section") is None


def test_symbol_zero_is_the_null_symbol(obj):
    s = obj.symbols[0]
    assert (s.index, s.name, s.value, s.shndx) == (0, "", 0, SHN_UNDEF)


def test_global_function_is_defined_in_text(obj):
    s = obj.symbol_by_name("global_func")
    assert s.global_ and not s.local and not s.weak and s.type == STT_FUNC
    assert s.section == obj.section_by_name(".text").index and s.value == 0


def test_weak_defined_function(obj):
    s = obj.symbol_by_name("weak_func")
    assert s.weak and not s.global_ and not s.undefined and s.bind == STB_WEAK


def test_weak_undefined_symbol(obj):
    s = obj.symbol_by_name("weak_undefined")
    assert s.weak and s.undefined and s.section is None


def test_undefined_global_symbol(obj):
    s = obj.symbol_by_name("undefined_func")
    assert s.undefined and s.global_ and s.shndx == SHN_UNDEF and s.section is None


def test_absolute_symbol_keeps_its_value(obj):
    s = obj.symbol_by_name("abs_symbol")
    assert s.absolute and s.shndx == SHN_ABS and s.value == 0x12345678 and s.section is None


def test_common_symbol_has_size_and_alignment_in_value(obj):
    s = obj.symbol_by_name("common_buf")
    assert s.common and s.shndx == SHN_COMMON and s.size == 64 and s.value == 16
    assert s.type == STT_OBJECT and s.section is None


def test_bss_symbol_names_the_nobits_section(obj):
    s = obj.symbol_by_name("bss_array")
    assert obj.sections[s.section].name == ".bss" and s.size == 4096


def test_local_symbol_is_local_and_not_found_by_symbol_by_name(obj):
    (s,) = [s for s in obj.symbols if s.name == "local_data"]
    assert s.local and s.bind == STB_LOCAL and obj.sections[s.section].name == ".data"
    assert obj.symbol_by_name("local_data") is None


def test_section_symbols_have_type_section(obj):
    assert any(s.type == STT_SECTION and obj.sections[s.section].name == ".data"
               for s in obj.symbols)


def test_symtab_array_has_the_contract_fields_and_matches_symbols(obj):
    assert obj.symtab.dtype == SYMTAB_DTYPE
    assert set(obj.symtab.dtype.names) == {"name", "info", "other", "shndx", "value", "size"}
    assert len(obj.symtab) == len(obj.symbols)
    for s, row in zip(obj.symbols, obj.symtab):
        assert (s.value, s.size, s.shndx, s.bind, s.type) == (
            int(row["value"]), int(row["size"]), int(row["shndx"]), int(row["info"]) >> 4,
            int(row["info"]) & 0xF)


def test_symbol_name_reads_one_name(obj):
    i = next(s.index for s in obj.symbols if s.name == "global_func")
    assert obj.symbol_name(i) == "global_func"


def test_symbol_by_name_of_an_unknown_name_is_none(obj):
    assert obj.symbol_by_name("nonexistent") is None


def test_relocation_entries_have_the_contract_dtype(obj):
    for table in obj.relocations:
        assert table.entries.dtype == RELOC_DTYPE
        assert len(table) == len(table.entries)


def test_each_relocation_table_names_its_target_section(obj):
    targets = sorted(r.target.name for r in obj.relocations)
    assert targets == [".data", ".text", ".text.comdat_func"]


def test_i386_uses_rel_with_zero_addend_and_implicit_addend_in_the_bytes():
    obj = ObjectFile.load(ELF_FIXTURES / "symbols_i386.o")
    table = relocs_of(obj, ".data")
    assert table.section.type == SHT_REL and not table.is_rela
    assert (table.entries["addend"] == 0).all()
    data = obj.section_data(table.target)
    implicit = [struct.unpack_from("<i", data, int(off))[0] for off in table.entries["offset"]]
    assert implicit == [0x1234, -8, 0]
    undefined = obj.symbols[int(table.entries["sym"][0])]
    assert undefined.name == "undefined_func"
    assert table.entries["type"].tolist() == [R_386_32] * 3


def test_i386_call_is_pc32_with_implicit_minus_4():
    obj = ObjectFile.load(ELF_FIXTURES / "symbols_i386.o")
    table = relocs_of(obj, ".text")
    e = table.entries[0]
    assert int(e["type"]) == R_386_PC32 and int(e["offset"]) == 1
    assert obj.symbols[int(e["sym"])].name == "undefined_func"
    assert struct.unpack_from("<i", obj.section_data(table.target), 1)[0] == -4


def test_x86_64_uses_rela_with_explicit_and_negative_addends():
    obj = ObjectFile.load(ELF_FIXTURES / "symbols_x86_64.o")
    table = relocs_of(obj, ".data")
    assert table.section.type == SHT_RELA and table.is_rela
    assert table.entries["addend"].tolist() == [0x1234, -16, 0]
    assert table.entries["offset"].tolist() == [16, 24, 32]
    assert table.entries["type"].tolist() == [R_X86_64_64] * 3
    assert [obj.symbols[i].name for i in table.entries["sym"].tolist()] == [
        "undefined_func", "undefined_func", "weak_undefined"]


def test_x86_64_text_relocations_types_and_addends():
    obj = ObjectFile.load(ELF_FIXTURES / "symbols_x86_64.o")
    e = relocs_of(obj, ".text").entries
    assert e["type"].tolist() == [R_X86_64_PLT32, R_X86_64_PC32, R_X86_64_32S]
    assert e["addend"].tolist() == [-4, -4, 8]
    assert e["addend"].dtype == np.int64


def test_comdat_group_has_flag_signature_and_members(obj):
    (group,) = obj.groups
    assert group.comdat and group.flags == 1
    assert group.signature == "comdat_func"
    assert obj.symbols[group.signature_index].name == "comdat_func"
    member_names = sorted(obj.sections[i].name for i in group.members)
    rel = ".rela.text.comdat_func" if obj.arch == "x86_64" else ".rel.text.comdat_func"
    assert member_names == sorted([".text.comdat_func", rel])


def test_object_without_groups_has_empty_groups_list():
    obj = ObjectFile.load(ELF_FIXTURES / "driver_i386_gcc.o")
    assert obj.groups == []
