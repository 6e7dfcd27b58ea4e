"""Corrupted SHT_GROUP sections: the BadObject names the group, the member and its offset."""
from __future__ import annotations

import pytest

from .conftest import ELF_FIXTURES
from .elfedit import ElfEdit, rejected


@pytest.fixture
def edit(arch) -> ElfEdit:
    return ElfEdit(ELF_FIXTURES / f"symbols_{arch}.o")


def group_word(edit: ElfEdit, k: int) -> int:
    """File offset of word k of the group (0 is the flag word, 1.. the members)."""
    return edit.section(edit.find_section(".group"), "sh_offset") + 4 * k


@pytest.mark.parametrize("member", [0, 999])
def test_group_member_out_of_range(edit, member):
    g = edit.find_section(".group")
    at = edit.put(group_word(edit, 1), "I", member)
    rejected(edit.bytes(), f"section [{g}] .group", f"group member 0 is section index {member}",
             "out of range", f"file offset {at:#x}")


def test_group_containing_itself(edit):
    g = edit.find_section(".group")
    at = edit.put(group_word(edit, 2), "I", g)
    rejected(edit.bytes(), f"section [{g}] .group", "group member 1 is the group section itself",
             f"file offset {at:#x}")


def test_section_listed_twice_in_groups(edit):
    g = edit.find_section(".group")
    first = edit.get(group_word(edit, 1), "I")
    at = edit.put(group_word(edit, 2), "I", first)
    rejected(edit.bytes(), f"section [{g}] .group", "group member 1", "already belongs to group",
             f"file offset {at:#x}")


def test_group_member_that_is_the_null_section_type(edit):
    g = edit.find_section(".group")
    member = edit.get(group_word(edit, 2), "I")   # the group's relocation section
    edit.set_section(member, "sh_type", 0)
    rejected(edit.bytes(), f"section [{g}] .group", "group member 1", "SHT_NULL",
             f"file offset {group_word(edit, 2):#x}")


def test_group_entry_size_wrong(edit):
    g = edit.find_section(".group")
    at = edit.set_section(g, "sh_entsize", 8)
    rejected(edit.bytes(), f"section [{g}] .group", "group sh_entsize is 8, expected 4",
             f"file offset {at:#x}")


@pytest.mark.parametrize("size", [0, 6])
def test_group_size_not_a_positive_multiple_of_four(edit, size):
    g = edit.find_section(".group")
    at = edit.set_section(g, "sh_size", size)
    rejected(edit.bytes(), f"section [{g}] .group", f"group size {size}",
             f"file offset {at:#x}")


def test_group_signature_symbol_out_of_range(edit):
    g = edit.find_section(".group")
    at = edit.set_section(g, "sh_info", 4000)
    rejected(edit.bytes(), f"section [{g}] .group", "sh_info 4000", "signature symbol",
             "out of range", f"file offset {at:#x}")


def test_group_linked_to_something_other_than_the_symbol_table(edit):
    g = edit.find_section(".group")
    at = edit.set_section(g, "sh_link", edit.find_section(".text"))
    rejected(edit.bytes(), f"section [{g}] .group", "should name the symbol table",
             f"file offset {at:#x}")
