"""Corrupted symbol table entries: the BadObject names the symbol (index and name when it has
one), the .symtab section, and the offset of the broken field."""
from __future__ import annotations

import pytest

from .conftest import ELF_FIXTURES
from .elfedit import ElfEdit, rejected


@pytest.fixture
def edit(arch) -> ElfEdit:
    return ElfEdit(ELF_FIXTURES / f"symbols_{arch}.o")


def test_symbol_name_index_out_of_range(edit):
    i = edit.find_symbol("global_func")
    edit.set_symbol(i, "st_name", 0x10000)
    rejected(edit.bytes(), f"section [{edit.symtab()}] .symtab", f"symbol {i}: st_name 65536",
             "out of range", ".strtab", f"file offset {edit.sym_offset(i, 'st_name'):#x}")


def test_symbol_name_without_terminating_nul(edit):
    strtab = edit.section(edit.symtab(), "sh_link")
    end = edit.section(strtab, "sh_offset") + edit.section(strtab, "sh_size")
    edit.data[end - 1] = ord("!")
    rejected(edit.bytes(), ".symtab", "st_name", "no terminating NUL", ".strtab")


def test_symbol_in_a_section_that_does_not_exist(edit):
    i = edit.find_symbol("global_func")
    at = edit.set_symbol(i, "st_shndx", 500)
    rejected(edit.bytes(), f"symbol {i} ('global_func')", "st_shndx 500",
             "names a section that does not exist", f"{edit.section_count()} sections",
             f"section [{edit.symtab()}] .symtab", f"file offset {at:#x}")


def test_symbol_in_an_unsupported_reserved_section_index(edit):
    i = edit.find_symbol("bss_array")
    at = edit.set_symbol(i, "st_shndx", 0xFF02)   # SHN_X86_64_LCOMMON / processor specific
    rejected(edit.bytes(), f"symbol {i} ('bss_array')", "st_shndx 0xff02", "special section index",
             f"file offset {at:#x}")


def test_symbol_with_extended_index_but_no_shndx_table(edit):
    i = edit.find_symbol("global_func")
    at = edit.set_symbol(i, "st_shndx", 0xFFFF)
    rejected(edit.bytes(), f"symbol {i} ('global_func')", "SHN_XINDEX",
             "no SHT_SYMTAB_SHNDX", f"file offset {at:#x}")


@pytest.mark.parametrize("bind", [3, 7, 15])
def test_symbol_with_unknown_binding(edit, bind):
    i = edit.find_symbol("weak_func")
    at = edit.set_symbol(i, "st_info", bind << 4 | 2)
    rejected(edit.bytes(), f"symbol {i} ('weak_func')", f"unknown binding {bind}",
             f"file offset {at:#x}")


def test_common_symbol_alignment_not_a_power_of_two(edit):
    i = edit.find_symbol("common_buf")
    at = edit.set_symbol(i, "st_value", 12)
    rejected(edit.bytes(), f"symbol {i} ('common_buf')", "COMMON alignment 0xc",
             "not a power of two", f"file offset {at:#x}")


def test_common_symbol_of_absurd_size(edit):
    i = edit.find_symbol("common_buf")
    at = edit.set_symbol(i, "st_size", 0xF0000000)
    rejected(edit.bytes(), f"symbol {i} ('common_buf')", "COMMON size 0xf0000000", "absurd",
             f"file offset {at:#x}")


def test_defined_symbol_value_is_not_the_readers_business(edit):
    """A value past its section's end is legal ELF (end markers); the reader keeps it."""
    from kemu.elf import ObjectFile
    i = edit.find_symbol("global_func")
    edit.set_symbol(i, "st_value", 0x7FFF0000)
    assert ObjectFile.parse(edit.bytes(), "x.o").symbol_by_name("global_func").value == 0x7FFF0000


def test_common_symbol_aligned_above_a_page(edit):
    i = edit.find_symbol("common_buf")
    at = edit.set_symbol(i, "st_value", 0x40000000)
    rejected(edit.bytes(), f"symbol {i} ('common_buf')", "COMMON alignment 0x40000000",
             "at most 0x1000", f"file offset {at:#x}")


@pytest.mark.parametrize("kind, shown", [(3, "STT_SECTION"), (4, "STT_FILE")])
@pytest.mark.parametrize("bind", [1, 2])
def test_a_section_or_file_symbol_cannot_be_global(edit, kind, shown, bind):
    """Else a lookup by name (modload's entry check) would take it for a definition."""
    i = edit.find_symbol("global_func")
    at = edit.set_symbol(i, "st_info", bind << 4 | kind)
    rejected(edit.bytes(), f"symbol {i} ('global_func')", f"a {shown} symbol must be STB_LOCAL",
             f"file offset {at:#x}")


def test_control_bytes_in_a_name_are_escaped_in_the_message(edit):
    i = edit.find_symbol("global_func")
    strtab = edit.section(edit.symtab(), "sh_link")
    name_at = edit.section(strtab, "sh_offset") + edit.symbol(i, "st_name")
    edit.data[name_at:name_at + 3] = b"\x08\x1b["
    edit.set_symbol(i, "st_info", 1 << 4 | 3)
    from kemu.elf import BadObject, ObjectFile
    with pytest.raises(BadObject) as info:
        ObjectFile.parse(edit.bytes(), "ctl.o")
    text = str(info.value)
    assert "\\x08\\x1b[bal_func" in text and "\x08" not in text and "\x1b" not in text
