"""The BadObject error itself: one type, a ValueError, carrying file, section and offset."""
from __future__ import annotations

import pytest

from kemu.elf import BadObject, ElfError, ObjectFile

from .conftest import ELF_FIXTURES
from .elfedit import ElfEdit


def test_bad_object_is_an_elf_error_and_a_value_error():
    assert issubclass(BadObject, ElfError) and issubclass(ElfError, ValueError)


def test_message_names_file_section_and_offset():
    err = BadObject("m.o", "sh_link 9 is out of range", section=(3, ".rel.text"), offset=0x1F4)
    assert str(err) == "m.o: section [3] .rel.text, file offset 0x1f4: sh_link 9 is out of range"
    assert (err.file, err.section, err.offset) == ("m.o", (3, ".rel.text"), 0x1F4)


def test_message_without_section_or_offset_names_the_file():
    assert str(BadObject("m.o", "not an ELF file")) == "m.o: not an ELF file"


def test_unnamed_section_is_shown_as_unnamed():
    assert "section [4] <unnamed>" in str(BadObject("m.o", "x", section=(4, "")))


def test_load_names_the_path_in_the_error(tmp_path):
    path = tmp_path / "junk.o"
    path.write_bytes(b"\x7fELF" + bytes(12))
    with pytest.raises(BadObject) as info:
        ObjectFile.load(path)
    assert str(info.value).startswith(f"{path}: ")


def test_error_attributes_locate_the_broken_field():
    edit = ElfEdit(ELF_FIXTURES / "symbols_x86_64.o")
    text = edit.find_section(".text")
    at = edit.set_section(text, "sh_link", 77)
    with pytest.raises(BadObject) as info:
        ObjectFile.parse(edit.bytes(), "x.o")
    assert info.value.section == (text, ".text") and info.value.offset == at


def test_load_of_a_missing_file_is_an_os_error_not_bad_object(tmp_path):
    with pytest.raises(FileNotFoundError):
        ObjectFile.load(tmp_path / "absent.o")
