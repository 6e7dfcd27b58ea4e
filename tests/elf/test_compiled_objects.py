"""Objects straight from the toolchain on this machine (gcc, clang, as), built into tmp_path.

Each test skips cleanly when its tool is missing; the committed fixtures cover the same ground
for machines without compilers.
"""
from __future__ import annotations

import pytest

from kemu.elf import ObjectFile
from kemu.elf.constants import SHN_COMMON, SHN_XINDEX, SHT_NOBITS, STT_FUNC

from .conftest import assemble, compile_c

DRIVER = r"""
extern int printf(const char *fmt, ...);
int open_count;
static int table[4] = {1, 2, 3, 4};
static char scratch[64];
int drv_read(int i) { open_count++; scratch[i & 63] = 1; printf("read %d\n", table[i & 3]);
                      return table[i & 3] + scratch[(i + 1) & 63]; }
"""


@pytest.mark.needs_tool
@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_compiled_driver_reads_with_its_functions_and_string_literals(tmp_path, arch, compiler):
    obj = ObjectFile.load(compile_c(tmp_path, DRIVER, arch, compiler, ("-fcommon",)))
    assert obj.arch == arch
    fn = obj.symbol_by_name("drv_read")
    assert fn.type == STT_FUNC and obj.sections[fn.section].execinstr
    assert obj.symbol_by_name("printf").undefined
    assert any(s.name.startswith(".rodata") for s in obj.sections)


@pytest.mark.needs_tool
@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_compiled_driver_with_fcommon_has_a_common_symbol(tmp_path, arch, compiler):
    obj = ObjectFile.load(compile_c(tmp_path, DRIVER, arch, compiler, ("-fcommon",)))
    assert obj.symbol_by_name("open_count").shndx == SHN_COMMON


@pytest.mark.needs_tool
def test_gcc_static_buffer_lands_in_nobits_bss(tmp_path, arch):
    obj = ObjectFile.load(compile_c(tmp_path, DRIVER, arch, "gcc", ("-fcommon",)))
    bss = obj.section_by_name(".bss")
    assert bss.type == SHT_NOBITS and bss.size >= 64 and obj.section_data(bss) == b""


@pytest.mark.needs_tool
def test_gcc_call_relocation_names_printf(tmp_path, arch):
    obj = ObjectFile.load(compile_c(tmp_path, DRIVER, arch, "gcc", ("-fcommon",)))
    (text_rel,) = [r for r in obj.relocations if r.target.name == ".text"]
    names = {obj.symbol_name(i) for i in text_rel.entries["sym"].tolist()}
    assert "printf" in names
    assert text_rel.is_rela == (arch == "x86_64")


@pytest.mark.needs_tool
def test_function_sections_each_get_their_own_relocation_table(tmp_path, arch):
    obj = ObjectFile.load(compile_c(tmp_path, DRIVER, arch, "gcc",
                                    ("-fcommon", "-ffunction-sections", "-fdata-sections")))
    assert obj.section_by_name(".text.drv_read") is not None
    assert any(r.target.name == ".text.drv_read" for r in obj.relocations)


@pytest.mark.needs_tool
def test_assembled_comdat_group_lists_its_members(tmp_path, arch):
    source = """
        .section .text.foo,"axG",@progbits,foo,comdat
        .globl foo
    foo: ret
        .section .data.foo,"awG",@progbits,foo,comdat
        .long 7
    """
    obj = ObjectFile.load(assemble(tmp_path, source, arch))
    (group,) = obj.groups
    assert group.comdat and group.signature == "foo"
    assert sorted(obj.sections[i].name for i in group.members) == [".data.foo", ".text.foo"]


@pytest.mark.needs_tool
@pytest.mark.slow
def test_more_than_0xff00_sections_use_section_zero_and_shn_xindex(tmp_path):
    """65,300 sections: e_shnum and e_shstrndx overflow into section 0, symbols into
    SHT_SYMTAB_SHNDX."""
    n = 65300
    source = "".join(f'.section .s{i},"a"\n.globl sym{i}\nsym{i}: .byte {i & 255}\n'
                     for i in range(n))
    path = assemble(tmp_path, source, "x86_64", "many")
    raw = path.read_bytes()
    assert int.from_bytes(raw[60:62], "little") == 0                 # e_shnum
    assert int.from_bytes(raw[62:64], "little") == SHN_XINDEX        # e_shstrndx
    obj = ObjectFile.load(path)
    assert len(obj.sections) > n
    last = obj.symbol_by_name(f"sym{n - 1}")
    assert last.shndx > 0xFF00 and obj.sections[last.section].name == f".s{n - 1}"
    assert obj.section_data(obj.sections[last.section]) == bytes([(n - 1) & 255])
