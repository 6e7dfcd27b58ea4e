"""Corrupted shared objects (ET_DYN): program headers, `.dynamic` and the dynamic relocation
tables. Each defect is a BadObject naming the file, the program header (or section), the field
and its file offset — the same quality as for ET_REL objects."""
from __future__ import annotations

import pytest

from kemu.elf import ObjectFile
from kemu.paths import FIXTURES

from .dynedit import PT_DYNAMIC, PT_LOAD, DynEdit
from .elfedit import rejected

SHARED = {"i386": "i386_pic.so", "x86_64": "x86_64_pic.so"}


@pytest.fixture
def edit(arch) -> DynEdit:
    return DynEdit(FIXTURES / "dyn" / SHARED[arch])


def test_the_intact_fixture_reads(edit):
    obj = ObjectFile.parse(edit.bytes(), "ok.so")
    assert obj.shared and len(obj.loads) == 4 and obj.dynamic_relocations


def test_no_program_headers(edit):
    at = edit.set_header("e_phnum", 0)
    rejected(edit.bytes(), "an ET_DYN object needs program headers", "e_phnum is 0",
             f"file offset {at:#x}")


def test_wrong_program_header_entry_size(edit):
    at = edit.set_header("e_phentsize", 40)
    rejected(edit.bytes(), "e_phentsize is 40", f"file offset {at:#x}")


def test_program_header_table_outside_the_file(edit):
    at = edit.set_header("e_phoff", len(edit.data) - 8)
    rejected(edit.bytes(), "program header table", "lies outside the file", f"file offset {at:#x}")


def test_load_with_more_file_bytes_than_memory(edit):
    i = edit.phdrs_of_type(PT_LOAD)[1]
    at = edit.set_phdr(i, "p_filesz", edit.phdr(i, "p_memsz") + 1)
    rejected(edit.bytes(), f"program header [{i}] PT_LOAD", "larger than p_memsz",
             f"file offset {at:#x}")


def test_load_bytes_outside_the_file(edit):
    i = edit.phdrs_of_type(PT_LOAD)[2]
    at = edit.set_phdr(i, "p_offset", len(edit.data) - 4)
    rejected(edit.bytes(), f"program header [{i}] PT_LOAD", "lie outside the file",
             f"file offset {at:#x}")


@pytest.mark.parametrize("memsz", [0x40000001, 0xFFFFFFF0])
def test_load_of_absurd_memory_size(edit, memsz):
    i = edit.phdrs_of_type(PT_LOAD)[3]
    at = edit.set_phdr(i, "p_memsz", memsz)
    rejected(edit.bytes(), f"program header [{i}] PT_LOAD", "is absurd for a kernel module",
             f"file offset {at:#x}")


def test_loads_out_of_address_order(edit):
    i = edit.phdrs_of_type(PT_LOAD)[2]
    at = edit.set_phdr(i, "p_vaddr", 0)
    rejected(edit.bytes(), f"program header [{i}] PT_LOAD", "ascending, non-overlapping",
             f"file offset {at:#x}")


def test_load_alignment_not_a_power_of_two(edit):
    i = edit.phdrs_of_type(PT_LOAD)[0]
    at = edit.set_phdr(i, "p_align", 0x3000)
    rejected(edit.bytes(), "p_align 0x3000 is not a power of two", f"file offset {at:#x}")


def test_no_dynamic_segment(edit):
    edit.set_phdr(edit.phdrs_of_type(PT_DYNAMIC)[0], "p_type", 0)
    rejected(edit.bytes(), "needs a PT_DYNAMIC segment")


def test_two_dynamic_segments(edit):
    dyn = edit.phdrs_of_type(PT_DYNAMIC)[0]
    other = next(i for i in range(edit.header("e_phnum")) if i > dyn)
    at = edit.set_phdr(other, "p_type", PT_DYNAMIC)
    rejected(edit.bytes(), "second PT_DYNAMIC segment", f"file offset {at:#x}")


def test_thread_local_storage_is_refused(edit):
    last = edit.header("e_phnum") - 1
    at = edit.set_phdr(last, "p_type", 7)
    rejected(edit.bytes(), "PT_TLS", "does not exist in a kernel", f"file offset {at:#x}")


def test_dynamic_outside_every_load(edit):
    dyn = edit.phdrs_of_type(PT_DYNAMIC)[0]
    at = edit.set_phdr(dyn, "p_vaddr", 0x7000000)
    rejected(edit.bytes(), f"program header [{dyn}] PT_DYNAMIC", "does not lie in the file bytes "
             "of a PT_LOAD segment", f"file offset {at:#x}")


def test_dynamic_without_a_terminating_null(edit):
    dyn = edit.phdrs_of_type(PT_DYNAMIC)[0]
    count = edit.phdr(dyn, "p_filesz") // edit.dyn_entsize
    for k in range(count):
        if edit.get(edit.dyn_offset(k), "q" if edit.cls == 64 else "i") == 0:
            edit.set_entry(k, tag=0x6FFFFFF0)      # DT_VERSYM: harmless, but not DT_NULL
    rejected(edit.bytes(), f"the {count} entries of .dynamic end without DT_NULL",
             "PT_DYNAMIC")


def test_symbol_table_address_outside_every_load(edit):
    k = edit.find_tag("DT_SYMTAB")
    at = edit.set_entry(k, value=0x7FFF0000)
    rejected(edit.bytes(), f".dynamic entry {k}: DT_SYMTAB 0x7fff0000", "does not lie in the "
             "file bytes of a PT_LOAD segment", f"file offset {at:#x}")


def test_string_table_size_past_its_segment(edit):
    k = edit.find_tag("DT_STRSZ")
    edit.set_entry(k, value=0x100000)
    rejected(edit.bytes(), "DT_STRTAB", "dynamic string table (0x100000 bytes)", "does not lie")


def test_a_tag_given_twice(edit):
    first = edit.find_tag("DT_STRTAB")
    k = next(k for k, tag, _ in edit.dynamic_entries() if tag not in (0, 5, 6, 10))
    at = edit.set_entry(k, tag=5, value=edit.tag_value("DT_STRTAB"))
    if k < first:
        k, first = first, k
        at = edit.dyn_offset(k)
    rejected(edit.bytes(), f".dynamic entry {k}: DT_STRTAB appears twice (first in entry {first})",
             f"file offset {at:#x}")


def test_wrong_symbol_entry_size(edit):
    k = edit.find_tag("DT_SYMENT")
    at = edit.set_entry(k, value=20)
    rejected(edit.bytes(), "DT_SYMENT is 20", f"file offset {at:#x}")


def test_relocation_table_size_not_a_multiple_of_its_entries(edit, arch):
    tag = "DT_RELSZ" if arch == "i386" else "DT_RELASZ"
    k = edit.find_tag(tag)
    at = edit.set_entry(k, value=edit.tag_value(tag) + 1)
    rejected(edit.bytes(), f".dynamic entry {k}: {tag}", "is not a multiple", f"file offset {at:#x}")


def test_wrong_relocation_entry_size(edit, arch):
    tag = "DT_RELENT" if arch == "i386" else "DT_RELAENT"
    k = edit.find_tag(tag)
    at = edit.set_entry(k, value=4)
    rejected(edit.bytes(), f"{tag} is 4", f"file offset {at:#x}")


def test_plt_relocation_kind_that_is_neither_rel_nor_rela(edit):
    k = edit.find_tag("DT_PLTREL")
    at = edit.set_entry(k, value=3)
    rejected(edit.bytes(), "DT_PLTREL is 3, neither DT_REL (17) nor DT_RELA (7)",
             f"file offset {at:#x}")


def test_relocation_symbol_index_out_of_range(edit, arch):
    table = "DT_REL" if arch == "i386" else "DT_RELA"
    at = edit.set_reloc(table, 0, sym=5000)
    rejected(edit.bytes(), f"{table} entry 0: r_info symbol index 5000 is out of range",
             f"file offset {at:#x}", "PT_DYNAMIC")


def test_relocation_offset_in_no_segment(edit):
    at = edit.set_reloc("DT_JMPREL", 0, r_offset=0x7FFF0000)
    rejected(edit.bytes(), "DT_JMPREL entry 0: r_offset 0x7fff0000 lies in no PT_LOAD segment",
             f"file offset {at:#x}")


def test_hash_table_claiming_too_many_symbols(edit):
    hash_at = edit.file_offset(edit.tag_value("DT_HASH"))
    edit.put(hash_at + 4, "I", 0x7FFFFFFF)
    rejected(edit.bytes(), "DT_HASH", "does not lie in the file bytes")


def test_without_dt_hash_the_symbol_count_comes_from_gnu_hash(edit, arch):
    k = edit.find_tag("DT_HASH")
    edit.set_entry(k, tag=0x6FFFFFF0)       # no DT_HASH any more (DT_VERSYM is ignored)
    obj = ObjectFile.parse(edit.bytes(), "gnuhash.so")
    intact = ObjectFile.load(FIXTURES / "dyn" / SHARED[arch])
    assert len(obj.dynsym) == len(intact.dynsym) > 1
    assert [obj.dynsym_name(i) for i in range(len(obj.dynsym))] == \
        [intact.dynsym_name(i) for i in range(len(intact.dynsym))]
