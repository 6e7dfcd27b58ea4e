"""Corrupted relocation tables: the BadObject names the relocation section, the entry index,
the field and the entry's offset."""
from __future__ import annotations

import pytest

from .conftest import ELF_FIXTURES
from .elfedit import ElfEdit, rejected

SHT_REL, SHT_RELA = 9, 4


@pytest.fixture
def edit(arch) -> ElfEdit:
    return ElfEdit(ELF_FIXTURES / f"symbols_{arch}.o")


def data_relocs(edit: ElfEdit) -> tuple[int, str]:
    name = ".rela.data" if edit.cls == 64 else ".rel.data"
    return edit.find_section(name), name


def test_relocation_symbol_index_out_of_range_names_the_entry(edit):
    i, name = data_relocs(edit)
    edit.set_rel(i, 1, "r_info", edit.r_info(777, 1))
    rejected(edit.bytes(), f"section [{i}] {name}", "relocation entry 1",
             "r_info symbol index 777 is out of range", f"has {edit.symbol_count()} symbols",
             f"file offset {edit.rel_offset(i, 1):#x}")


def test_relocation_symbol_index_just_past_the_last_symbol(edit):
    i, name = data_relocs(edit)
    n = edit.symbol_count()
    edit.set_rel(i, 2, "r_info", edit.r_info(n, 1))
    rejected(edit.bytes(), "relocation entry 2", f"symbol index {n} is out of range")


def test_relocation_offset_past_the_target_section(edit):
    i, name = data_relocs(edit)
    edit.set_rel(i, 0, "r_offset", 0x1000)
    target_size = edit.section(edit.find_section(".data"), "sh_size")
    rejected(edit.bytes(), f"section [{i}] {name}", "relocation entry 0", "r_offset 0x1000",
             "past the end of", ".data", f"{target_size:#x} bytes",
             f"file offset {edit.rel_offset(i, 0):#x}")


def test_relocation_offset_exactly_at_the_target_end(edit):
    i, _ = data_relocs(edit)
    size = edit.section(edit.find_section(".data"), "sh_size")
    edit.set_rel(i, 0, "r_offset", size)
    rejected(edit.bytes(), "relocation entry 0", f"r_offset {size:#x}", "past the end")


def test_relocation_entry_size_wrong(edit):
    i, name = data_relocs(edit)
    want = {32: 8, 64: 24}[edit.cls]
    kind = "SHT_RELA" if edit.cls == 64 else "SHT_REL"
    at = edit.set_section(i, "sh_entsize", want + 4)
    rejected(edit.bytes(), f"section [{i}] {name}", f"{kind} sh_entsize is {want + 4}",
             f"expected {want}", f"file offset {at:#x}")


def test_rel_section_in_elf64_with_rela_entry_size(arch):
    """Swapping REL and RELA without fixing sh_entsize is caught by the entry size."""
    edit = ElfEdit(ELF_FIXTURES / f"symbols_{arch}.o")
    i, _ = data_relocs(edit)
    edit.set_section(i, "sh_type", SHT_REL if edit.cls == 64 else SHT_RELA)
    rejected(edit.bytes(), "sh_entsize", "expected")


def test_relocation_table_size_not_a_multiple_of_the_entry(edit):
    i, name = data_relocs(edit)
    at = edit.set_section(i, "sh_size", edit.section(i, "sh_size") - 3)
    rejected(edit.bytes(), f"section [{i}] {name}", "not a multiple of its entry size",
             f"file offset {at:#x}")


def test_relocation_table_larger_than_the_file(edit):
    i, name = data_relocs(edit)
    edit.set_section(i, "sh_size", edit.section(i, "sh_entsize") * 10_000_000)
    rejected(edit.bytes(), f"section [{i}] {name}", "outside the file")


@pytest.mark.parametrize("info", [0, 300])
def test_relocated_section_index_out_of_range(edit, info):
    i, name = data_relocs(edit)
    at = edit.set_section(i, "sh_info", info)
    rejected(edit.bytes(), f"section [{i}] {name}", f"sh_info {info}", "out of range",
             f"file offset {at:#x}")


@pytest.mark.parametrize("target", [".symtab", ".bss", ".strtab"])
def test_relocating_a_section_that_cannot_be_relocated(edit, target):
    i, name = data_relocs(edit)
    t = edit.find_section(target)
    at = edit.set_section(i, "sh_info", t)
    rejected(edit.bytes(), f"section [{i}] {name}", f"sh_info {t} names [{t}] {target}",
             "cannot be relocated", f"file offset {at:#x}")


def test_relocation_table_linked_to_something_other_than_the_symbol_table(edit):
    i, name = data_relocs(edit)
    text = edit.find_section(".text")
    at = edit.set_section(i, "sh_link", text)
    rejected(edit.bytes(), f"section [{i}] {name}", f"sh_link {text}",
             "should name the symbol table", "SHT_PROGBITS", f"file offset {at:#x}")


def test_every_entry_is_checked_not_only_the_first(edit):
    """A bad symbol index deep in a large table is found (the check is table-at-a-time)."""
    i, _ = data_relocs(edit)
    last = edit.section(i, "sh_size") // edit.rel_entsize(i) - 1
    edit.set_rel(i, last, "r_info", edit.r_info(0xABCDE, 1))
    rejected(edit.bytes(), f"relocation entry {last}", "r_info symbol index 703710")
