"""Corrupted ELF headers: each defect is a BadObject naming the field and its offset."""
from __future__ import annotations

import pytest

from .conftest import ELF_FIXTURES
from .elfedit import ElfEdit, rejected


@pytest.fixture
def edit(arch) -> ElfEdit:
    return ElfEdit(ELF_FIXTURES / f"symbols_{arch}.o")


@pytest.mark.parametrize("size", [0, 1, 3, 15])
def test_file_shorter_than_the_identification_is_not_elf(size):
    raw = (ELF_FIXTURES / "symbols_i386.o").read_bytes()[:size]
    rejected(raw, "not an ELF file", f"only {size} bytes", "file offset 0x0")


def test_bad_magic_is_not_elf_and_shows_the_bytes(edit):
    edit.data[0:4] = b"MZ\x90\x00"
    rejected(edit.bytes(), "not an ELF file", "bad magic 4d 5a 90 00", "file offset 0x0")


def test_text_file_is_not_elf():
    rejected(b"#!/bin/sh\necho hello\n", "not an ELF file", "bad magic")


@pytest.mark.parametrize("value", [0, 3, 0xFF])
def test_bad_class_byte_is_named(edit, value):
    edit.data[4] = value
    rejected(edit.bytes(), f"bad e_ident[EI_CLASS] {value}", "file offset 0x4")


def test_big_endian_is_refused_by_name(edit):
    edit.data[5] = 2
    rejected(edit.bytes(), "big-endian", "EI_DATA", "file offset 0x5")


@pytest.mark.parametrize("value", [0, 3])
def test_bad_data_encoding_byte_is_named(edit, value):
    edit.data[5] = value
    rejected(edit.bytes(), f"bad e_ident[EI_DATA] {value}", "file offset 0x5")


def test_bad_identification_version_is_named(edit):
    edit.data[6] = 0
    rejected(edit.bytes(), "bad e_ident[EI_VERSION] 0", "file offset 0x6")


def test_class_byte_flipped_disagrees_with_the_machine(arch):
    edit = ElfEdit(ELF_FIXTURES / f"symbols_{arch}.o")
    edit.data[4] = 2 if arch == "i386" else 1
    machine, cls = ("EM_386", "ELF64") if arch == "i386" else ("EM_X86_64", "ELF32")
    rejected(edit.bytes(), f"e_machine {machine} in an {cls} file", "file offset 0x12")


def test_header_shorter_than_its_class_needs(arch):
    raw = (ELF_FIXTURES / f"symbols_{arch}.o").read_bytes()
    need = 52 if arch == "i386" else 64
    rejected(raw[:need - 1], f"header needs {need} bytes", f"only {need - 1}")


@pytest.mark.parametrize("e_type,words", [
    (2, ["ET_EXEC", "executable"]), (4, ["ET_CORE", "core"]),
    (0, ["ET_NONE"]), (0x1234, ["0x1234"])])
def test_non_relocatable_file_type_is_named(edit, e_type, words):
    at = edit.set_header("e_type", e_type)
    rejected(edit.bytes(), "e_type is", "ET_REL", "ET_DYN", *words, f"file offset {at:#x}")


def test_a_relocatable_object_retyped_shared_has_no_program_headers(edit):
    edit.set_header("e_type", 3)
    rejected(edit.bytes(), "an ET_DYN object needs program headers", "e_phnum is 0")


@pytest.mark.parametrize("machine,name", [(40, "EM_ARM"), (183, "EM_AARCH64"), (8, "EM_MIPS"),
                                          (0x7777, "EM_30583")])
def test_unsupported_machine_is_named(edit, machine, name):
    at = edit.set_header("e_machine", machine)
    rejected(edit.bytes(), f"e_machine is {name}", "EM_386 and EM_X86_64", f"file offset {at:#x}")


def test_x86_64_machine_in_elf32_file_is_refused():
    edit = ElfEdit(ELF_FIXTURES / "symbols_i386.o")
    edit.set_header("e_machine", 62)
    rejected(edit.bytes(), "EM_X86_64 in an ELF32 file", "x32", "file offset 0x12")


def test_i386_machine_in_elf64_file_is_refused():
    edit = ElfEdit(ELF_FIXTURES / "symbols_x86_64.o")
    edit.set_header("e_machine", 3)
    rejected(edit.bytes(), "EM_386 in an ELF64 file", "file offset 0x12")


def test_bad_e_version_is_named(edit):
    at = edit.set_header("e_version", 2)
    rejected(edit.bytes(), "bad e_version 2", f"file offset {at:#x}")


def test_missing_section_header_table(edit):
    at = edit.set_header("e_shoff", 0)
    rejected(edit.bytes(), "e_shoff is 0", "no section header table", f"file offset {at:#x}")


@pytest.mark.parametrize("where", ["past_end", "straddling_end"])
def test_section_header_table_outside_the_file(edit, where):
    size = len(edit.data)
    at = edit.set_header("e_shoff", size + 8 if where == "past_end" else size - 10)
    rejected(edit.bytes(), "e_shoff", "section header table", "outside the file",
             f"{size:#x} bytes", f"file offset {at:#x}")


def test_wrong_section_header_entry_size(edit):
    want = 40 if edit.cls == 32 else 64
    at = edit.set_header("e_shentsize", 32)
    rejected(edit.bytes(), f"e_shentsize is 32, expected {want}", f"file offset {at:#x}")


def test_section_count_running_past_the_file(edit):
    at = edit.set_header("e_shnum", 0xFFFF)
    rejected(edit.bytes(), "e_shnum 65535", "section header table of 65535 entries",
             "outside the file", f"file offset {edit.header_offset('e_shoff'):#x}")
    assert at == edit.header_offset("e_shnum")


def test_two_to_the_40_sections_fail_at_once_without_allocating(edit):
    """e_shnum 0 defers the count to section 0's sh_size; 2**40 entries must fail fast."""
    edit.set_header("e_shnum", 0)
    edit.set_section(0, "sh_size", 1 << 40 if edit.cls == 64 else 0xFFFFFFFF)
    rejected(edit.bytes(), "section header table of", "outside the file")


def test_zero_section_count_with_no_count_in_section_zero(edit):
    at = edit.set_header("e_shnum", 0)
    rejected(edit.bytes(), "e_shnum is 0", "section 0 gives no section count",
             f"file offset {at:#x}")


def test_name_table_index_out_of_range(edit):
    at = edit.set_header("e_shstrndx", 200)
    rejected(edit.bytes(), "e_shstrndx 200 is out of range", f"{edit.section_count()} sections",
             f"file offset {at:#x}")


def test_name_table_index_pointing_at_code(edit):
    text = edit.find_section(".text")
    at = edit.set_header("e_shstrndx", text)
    rejected(edit.bytes(), f"e_shstrndx {text} names a SHT_PROGBITS section",
             "not a string table", f"section [{text}]", f"file offset {at:#x}")


def test_xindex_name_table_index_read_from_section_zero_is_checked(edit):
    edit.set_header("e_shstrndx", 0xFFFF)
    edit.set_section(0, "sh_link", 5000)
    rejected(edit.bytes(), "e_shstrndx 5000 is out of range")
