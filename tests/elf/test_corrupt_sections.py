"""Corrupted section headers: the BadObject names the section (index and name), the field
and the offset of that field in the file."""
from __future__ import annotations

import pytest

from .conftest import ELF_FIXTURES
from .elfedit import ElfEdit, rejected

SHT_NOTE, SHT_SYMTAB = 7, 2


@pytest.fixture
def edit(arch) -> ElfEdit:
    return ElfEdit(ELF_FIXTURES / f"symbols_{arch}.o")


def test_section_data_offset_past_the_end(edit):
    i = edit.find_section(".text")
    at = edit.set_section(i, "sh_offset", len(edit.data) + 0x100)
    rejected(edit.bytes(), f"section [{i}] .text", "sh_offset", "outside the file",
             f"file offset {at:#x}")


def test_section_data_size_past_the_end(edit):
    i = edit.find_section(".data")
    edit.set_section(i, "sh_size", len(edit.data))
    rejected(edit.bytes(), f"section [{i}] .data", "sh_size", "outside the file",
             f"file offset {edit.shdr_offset(i, 'sh_offset'):#x}")


def test_huge_section_size_is_outside_the_file_not_a_memory_error(edit):
    i = edit.find_section(".text")
    edit.set_section(i, "sh_size", (1 << 63) if edit.cls == 64 else 0xFFFFFFF0)
    rejected(edit.bytes(), f"section [{i}] .text", "outside the file")


def test_nobits_size_may_exceed_the_file(edit):
    from kemu.elf import ObjectFile
    i = edit.find_section(".bss")
    edit.set_section(i, "sh_size", 1 << 20)
    assert ObjectFile.parse(edit.bytes(), "x.o").sections[i].size == 1 << 20


def test_absurd_nobits_size(edit):
    i = edit.find_section(".bss")
    at = edit.set_section(i, "sh_size", (1 << 40) if edit.cls == 64 else 0xF0000000)
    rejected(edit.bytes(), f"section [{i}] .bss", "NOBITS size", "absurd", f"file offset {at:#x}")


@pytest.mark.parametrize("align", [3, 6, 0x30])
def test_alignment_not_a_power_of_two(edit, align):
    i = edit.find_section(".data")
    at = edit.set_section(i, "sh_addralign", align)
    rejected(edit.bytes(), f"section [{i}] .data", f"sh_addralign {align:#x} is not a power of two",
             f"file offset {at:#x}")


def test_absurd_alignment(edit):
    i = edit.find_section(".text")
    at = edit.set_section(i, "sh_addralign", 1 << 31)
    rejected(edit.bytes(), f"section [{i}] .text", "sh_addralign 0x80000000 is larger than "
             "any kernel module asks for (at most 0x1000, one page)", f"file offset {at:#x}")


@pytest.mark.parametrize("align", [0x2000, 0x40000000])
def test_an_alignment_above_a_page_is_refused_before_any_image_exists(edit, align):
    i = edit.find_section(".data")
    at = edit.set_section(i, "sh_addralign", align)
    rejected(edit.bytes(), f"section [{i}] .data", f"sh_addralign {align:#x} is larger",
             f"file offset {at:#x}")


def test_a_page_alignment_is_accepted(edit):
    from kemu.elf import ObjectFile
    i = edit.find_section(".data")
    edit.set_section(i, "sh_addralign", 0x1000)
    assert ObjectFile.parse(edit.bytes(), "ok.o").sections[i].addralign == 0x1000


@pytest.mark.parametrize("field, value, shown", [
    ("sh_type", 4, "sh_type SHT_RELA"), ("sh_type", 17, "sh_type SHT_GROUP"),
    ("sh_type", 9, "sh_type SHT_REL"), ("sh_flags", 2, "sh_flags 0x2"),
    ("sh_offset", 0x40, "sh_offset 0x40"), ("sh_entsize", 24, "sh_entsize 0x18")])
def test_section_zero_must_stay_the_null_section(edit, field, value, shown):
    edit.set_section(0, "sh_link", 5000)        # the out-of-range link that once escaped
    at = edit.set_section(0, field, value)
    rejected(edit.bytes(), "section [0] <unnamed>", f"section header 0 (the null section) has "
             f"{shown}; it must be 0", f"file offset {at:#x}")


def test_an_inactive_section_header_holds_no_bytes(edit):
    """`.bss` retyped SHT_NULL: the header is inactive, its offset and size mean nothing."""
    from kemu.elf import ObjectFile
    i = edit.find_section(".bss")
    edit.set_section(i, "sh_type", 0)
    edit.set_section(i, "sh_offset", 0xFFFFFF00)
    obj = ObjectFile.parse(edit.bytes(), "null.o")
    assert obj.section_data(i) == b""


def test_link_out_of_range(edit):
    i = edit.find_section(".text")
    at = edit.set_section(i, "sh_link", 999)
    rejected(edit.bytes(), f"section [{i}] .text", "sh_link 999 is out of range",
             f"{edit.section_count()} sections", f"file offset {at:#x}")


def test_section_name_index_out_of_range(edit):
    i = edit.find_section(".data")
    at = edit.set_section(i, "sh_name", 0x7FFF)
    rejected(edit.bytes(), f"section [{i}]", "sh_name 32767 is out of range", ".shstrtab",
             f"file offset {at:#x}")


def test_section_name_without_terminating_nul(edit):
    names = edit.header("e_shstrndx")
    end = edit.section(names, "sh_offset") + edit.section(names, "sh_size")
    edit.data[end - 1] = ord("X")     # the last name now runs off the end of .shstrtab
    err = rejected(edit.bytes(), "sh_name", "no terminating NUL", ".shstrtab")
    assert err.section is not None and err.offset is not None


def test_second_symbol_table(edit):
    i = edit.find_section(".data")
    real = edit.symtab()
    edit.set_section(i, "sh_type", SHT_SYMTAB)
    rejected(edit.bytes(), "second SHT_SYMTAB", "at most one", f"[{i}] .data",
             f"section [{real}] .symtab", f"file offset {edit.shdr_offset(real, 'sh_type'):#x}")


def test_symbol_table_entry_size_wrong(edit):
    i = edit.symtab()
    at = edit.set_section(i, "sh_entsize", 20)
    want = 16 if edit.cls == 32 else 24
    rejected(edit.bytes(), f"section [{i}] .symtab", f"sh_entsize is 20, expected {want}",
             f"file offset {at:#x}")


def test_symbol_table_size_not_a_multiple(edit):
    i = edit.symtab()
    at = edit.set_section(i, "sh_size", edit.section(i, "sh_size") - 1)
    rejected(edit.bytes(), f"section [{i}] .symtab", "not a multiple of its entry size",
             f"file offset {at:#x}")


def test_symbol_table_linked_to_a_non_string_table(edit):
    i = edit.symtab()
    text = edit.find_section(".text")
    at = edit.set_section(i, "sh_link", text)
    rejected(edit.bytes(), f"section [{i}] .symtab", f"sh_link {text}",
             "should name the symbol string table", "SHT_PROGBITS", f"file offset {at:#x}")


def test_symbol_table_linked_to_section_zero(edit):
    i = edit.symtab()
    at = edit.set_section(i, "sh_link", 0)
    rejected(edit.bytes(), "sh_link 0", "should name the symbol string table",
             f"file offset {at:#x}")


def test_symbol_table_first_global_beyond_the_table(edit):
    i = edit.symtab()
    at = edit.set_section(i, "sh_info", 500)
    rejected(edit.bytes(), f"section [{i}] .symtab", "sh_info 500", "beyond the",
             f"file offset {at:#x}")


def test_symbol_table_running_past_the_file(edit):
    i = edit.symtab()
    edit.set_section(i, "sh_size", edit.section(i, "sh_entsize") * 1_000_000)
    rejected(edit.bytes(), f"section [{i}] .symtab", "outside the file")


def test_string_table_turned_into_a_note_breaks_the_symbol_table_link(edit):
    strtab = edit.section(edit.symtab(), "sh_link")
    edit.set_section(strtab, "sh_type", SHT_NOTE)
    rejected(edit.bytes(), ".symtab", "should name the symbol string table", "SHT_NOTE")
