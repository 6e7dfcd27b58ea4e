"""Struct layouts measured from the real headers, checked against the built modules."""
from __future__ import annotations

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from kemu.os.linux import layouts
from kemu.toolchain import linux_headers

from .conftest import ARCHES, ko, load_tool, require_headers

RELEASES = {arch: linux_headers.header_set(arch).release for arch in ARCHES}


def this_module(path):
    """(size of .gnu.linkonce.this_module, {symbol: offset} of its relocations)."""
    with path.open("rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        relocs = {}
        for sec in elf.iter_sections():
            if isinstance(sec, RelocationSection) and sec.name.endswith(".gnu.linkonce.this_module"):
                relocs = {symtab.get_symbol(r["r_info_sym"]).name: r["r_offset"] for r in sec.iter_relocations()}
        return elf.get_section_by_name(".gnu.linkonce.this_module").data_size, relocs


@pytest.mark.parametrize("arch", ARCHES)
def test_struct_module_matches_what_modpost_laid_out(arch):
    lay = layouts.layout(RELEASES[arch])
    size, relocs = this_module(ko(arch, "hello"))
    assert lay.size("struct module") == size
    assert lay.offset("struct module", "init") == relocs["init_module"]
    assert lay.offset("struct module", "exit") == relocs["cleanup_module"]


@pytest.mark.parametrize("arch", ARCHES)
def test_the_module_name_sits_after_state_and_list(arch):
    lay = layouts.layout(RELEASES[arch])
    word = lay.size("void *")
    assert lay.offset("struct module", "name") == lay.offset("struct module", "list") + 2 * word
    with ko(arch, "hello").open("rb") as f:
        data = ELFFile(f).get_section_by_name(".gnu.linkonce.this_module").data()
    at = lay.offset("struct module", "name")
    assert data[at:at + 6] == b"hello\0"


@pytest.mark.parametrize("arch,word", [("x86_64", 8), ("i386", 4)])
def test_pointer_and_long_sizes_follow_the_arch(arch, word):
    lay = layouts.layout(RELEASES[arch])
    assert lay.size("void *") == lay.size("unsigned long") == word
    assert lay.size("loff_t") == 8
    assert lay.field_size("struct file_operations", "read") == word
    assert lay.size("struct list_head") == 2 * word


@pytest.mark.parametrize("arch", ARCHES)
def test_file_operations_slots_are_pointer_sized_and_in_declaration_order(arch):
    lay = layouts.layout(RELEASES[arch])
    word = lay.size("void *")
    order = ["owner", "llseek", "read", "write", "read_iter", "write_iter"]
    offsets = [lay.offset("struct file_operations", f) for f in order]
    assert offsets == [i * word for i in range(len(order))]
    assert lay.offset("struct file_operations", "open") < lay.offset("struct file_operations", "release")


@pytest.mark.parametrize("arch", ARCHES)
def test_a_field_the_configuration_leaves_out_is_a_clear_error(arch):
    lay = layouts.layout(RELEASES[arch])
    assert not lay.has("struct module", "ei_funcs")      # CONFIG_FUNCTION_ERROR_INJECTION is off
    with pytest.raises(layouts.LayoutError, match="no field ei_funcs in this kernel's configuration"):
        lay.offset("struct module", "ei_funcs")
    with pytest.raises(layouts.LayoutError, match="struct module.nosuch was not measured"):
        lay.offset("struct module", "nosuch")
    with pytest.raises(layouts.LayoutError, match="no measured layout for 'struct nosuch'"):
        lay.size("struct nosuch")


def test_an_unknown_release_names_what_kemu_ships():
    with pytest.raises(layouts.LayoutError, match="kemu ships: .*6.1.0-57-686-pae"):
        layouts.layout("5.10.0-1-amd64")


@pytest.mark.needs_tool
def test_a_fresh_measurement_equals_the_committed_data():
    require_headers()
    generator = load_tool("gen_linux_layouts")
    for arch in ARCHES:
        assert generator.measure(arch)["structs"] == layouts.layout(RELEASES[arch]).structs, arch


def test_bug_table_entries_are_relative_on_x86_64_and_absolute_on_i386():
    x86_64 = layouts.layout(RELEASES["x86_64"])
    i386 = layouts.layout(RELEASES["i386"])
    assert x86_64.has("struct bug_entry", "bug_addr_disp") and not x86_64.has("struct bug_entry", "bug_addr")
    assert i386.has("struct bug_entry", "bug_addr") and not i386.has("struct bug_entry", "bug_addr_disp")
    assert x86_64.size("struct bug_entry") == i386.size("struct bug_entry")


@pytest.mark.parametrize("arch", ARCHES)
def test_export_entries_are_three_pc_relative_ints_on_both_arches(arch):
    lay = layouts.layout(RELEASES[arch])
    assert lay.size("struct kernel_symbol") == 12
    assert [lay.offset("struct kernel_symbol", f) for f in ("value_offset", "name_offset", "namespace_offset")] \
        == [0, 4, 8]
