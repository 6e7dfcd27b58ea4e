"""What real objects carry beyond the textbook layout, and the reader accepts."""
from __future__ import annotations

import pytest

from kemu.elf import ObjectFile

from .conftest import ELF_FIXTURES
from .elfedit import ElfEdit

LINUX_SIGNATURE = (b"\x30\x82\x01\x00" + bytes(256) + b"\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00"
                   b"\x01\x02~Module signature appended~\n")


@pytest.fixture(params=["driver_i386_gcc.o", "driver_x86_64_gcc.o", "driver_i386_clang.o",
                        "driver_x86_64_clang.o"])
def compiled(request):
    return ELF_FIXTURES / request.param


def test_module_signature_after_the_section_table_is_ignored(compiled):
    plain = ObjectFile.load(compiled)
    signed = ObjectFile.parse(compiled.read_bytes() + LINUX_SIGNATURE, "signed.ko")
    assert [s.name for s in signed.sections] == [s.name for s in plain.sections]
    assert len(signed.symbols) == len(plain.symbols)


def test_comment_and_note_sections_are_read_but_not_allocated(compiled):
    obj = ObjectFile.load(compiled)
    comment = obj.section_by_name(".comment")
    assert comment is not None and not comment.alloc
    assert obj.section_data(comment).rstrip(b"\0")
    stack = obj.section_by_name(".note.GNU-stack")
    assert stack is not None and not stack.alloc


def test_gcc_eh_frame_relocations_are_read(arch):
    obj = ObjectFile.load(ELF_FIXTURES / f"driver_{arch}_gcc.o")
    assert any(r.target.name == ".eh_frame" for r in obj.relocations)


def test_string_literal_section_is_merge_strings(compiled):
    obj = ObjectFile.load(compiled)
    (sec,) = [s for s in obj.sections if s.name.startswith(".rodata.str1.")]
    assert sec.entsize == 1 and b"loaded" in obj.section_data(sec)


def test_section_count_from_section_zero_when_e_shnum_is_zero(compiled):
    edit = ElfEdit(compiled)
    count = edit.section_count()
    edit.set_section(0, "sh_size", count)
    edit.set_header("e_shnum", 0)
    obj = ObjectFile.parse(edit.bytes(), "x.o")
    assert len(obj.sections) == count
    assert obj.sections[0].size == count  # section 0 is reported as written


def test_name_table_index_from_section_zero_when_e_shstrndx_is_xindex(compiled):
    edit = ElfEdit(compiled)
    edit.set_section(0, "sh_link", edit.header("e_shstrndx"))
    edit.set_header("e_shstrndx", 0xFFFF)
    obj = ObjectFile.parse(edit.bytes(), "x.o")
    assert obj.section_by_name(".text") is not None


def test_no_section_name_table_gives_empty_names(compiled):
    edit = ElfEdit(compiled)
    edit.set_header("e_shstrndx", 0)
    obj = ObjectFile.parse(edit.bytes(), "x.o")
    assert {s.name for s in obj.sections} == {""}


def test_object_without_symbol_table_has_no_symbols(tmp_path):
    edit = ElfEdit(ELF_FIXTURES / "symbols_x86_64.o")
    for i in range(edit.section_count()):       # turn symtab, relocations and groups into notes
        if edit.section(i, "sh_type") in (2, 4, 9, 17):
            edit.set_section(i, "sh_type", 7)
    obj = ObjectFile.parse(edit.bytes(), "nosyms.o")
    assert obj.symbols == [] and len(obj.symtab) == 0 and obj.relocations == []
    assert obj.symbol_by_name("global_func") is None


def test_parse_accepts_bytearray_and_memoryview():
    raw = (ELF_FIXTURES / "symbols_i386.o").read_bytes()
    for data in (bytearray(raw), memoryview(raw)):
        assert ObjectFile.parse(data, "x.o").data == raw
