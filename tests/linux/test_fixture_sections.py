"""The committed .ko fixtures carry what real kbuild-built modules carry."""
from __future__ import annotations

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from kemu.toolchain import linux_headers

from .conftest import ARCHES, ko, manifest, modinfo, section_names

MODULES = sorted({rel.split("/")[1][:-3] for rel in manifest()["files"] if rel.endswith(".ko")})
EVERY_MODULE = {".modinfo", "__versions", ".gnu.linkonce.this_module", "__mcount_loc", ".init.text"}
# objtool's output: x86-64 only (the 686-pae kernel has no ORC unwinder and no rethunk).
X86_64_ONLY = {".return_sites", ".orc_unwind", ".orc_unwind_ip"}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", MODULES)
def test_every_module_carries_the_kbuild_sections(arch, name):
    sections = section_names(ko(arch, name))
    assert EVERY_MODULE <= sections
    if arch == "x86_64":
        assert X86_64_ONLY <= sections
    else:
        assert not (X86_64_ONLY & sections)


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name,expected", [
    ("stack_base", {"__ksymtab", "__ksymtab_gpl", "__kcrctab", "__kcrctab_gpl", "__ksymtab_strings"}),
    ("params", {"__param", "__bug_table", "__jump_table", "__dyndbg"}),
    ("echo_misc", {"__ex_table", ".altinstructions"}),
])
def test_module_specific_sections_are_present(arch, name, expected):
    assert expected <= section_names(ko(arch, name))


def test_an_indirect_call_goes_through_a_retpoline_thunk_on_x86_64():
    path = ko("x86_64", "stack_user")
    assert ".retpoline_sites" in section_names(path)
    with path.open("rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        called = {symtab.get_symbol(r["r_info_sym"]).name
                  for sec in elf.iter_sections() if isinstance(sec, RelocationSection) and sec.name == ".rela.init.text"
                  for r in sec.iter_relocations()}
    assert any(name.startswith("__x86_indirect_thunk_") for name in called)
    assert ".retpoline_sites" not in section_names(ko("i386", "stack_user"))


@pytest.mark.parametrize("arch", ARCHES)
def test_elf_identity_matches_the_arch(arch):
    with ko(arch, "hello").open("rb") as f:
        elf = ELFFile(f)
        assert elf["e_type"] == "ET_REL"
        assert elf["e_machine"] == ("EM_X86_64" if arch == "x86_64" else "EM_386")
        assert elf.elfclass == (64 if arch == "x86_64" else 32)


@pytest.mark.parametrize("arch", ARCHES)
def test_vermagic_names_the_release_with_modversions(arch):
    info = dict(modinfo(ko(arch, "hello")))
    release = linux_headers.header_set(arch).release
    assert info["vermagic"].startswith(release + " SMP ")
    assert "mod_unload modversions" in info["vermagic"]
    assert info["license"] == "Dual BSD/GPL"
    assert info["name"] == "hello"
    assert info["retpoline"] == "Y"


@pytest.mark.parametrize("arch", ARCHES)
def test_params_modinfo_lists_each_parameter_with_its_type(arch):
    pairs = modinfo(ko(arch, "params"))
    types = dict(v.split(":", 1) for k, v in pairs if k == "parmtype")
    assert types == {"count": "int", "whom": "charp", "shout": "bool", "values": "array of int"}
    assert {v.split(":", 1)[0] for k, v in pairs if k == "parm"} == set(types)


def _this_module_relocs(path):
    with path.open("rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        found = {}
        for sec in elf.iter_sections():
            if isinstance(sec, RelocationSection) and sec.name.endswith(".gnu.linkonce.this_module"):
                for rel in sec.iter_relocations():
                    found[symtab.get_symbol(rel["r_info_sym"]).name] = rel["r_offset"]
        return found, elf.get_section_by_name(".gnu.linkonce.this_module").data_size


@pytest.mark.parametrize("arch,init,exit_,size", [("x86_64", 0x138, 0x350, 0x380), ("i386", 0xCC, 0x20C, 0x240)])
def test_struct_module_init_and_exit_slots_are_where_debian_modules_have_them(arch, init, exit_, size):
    relocs, struct_size = _this_module_relocs(ko(arch, "hello"))
    assert relocs == {"init_module": init, "cleanup_module": exit_}
    assert struct_size == size


@pytest.mark.parametrize("arch", ARCHES)
def test_a_module_without_exit_has_no_cleanup_module(arch):
    relocs, _ = _this_module_relocs(ko(arch, "noexit"))
    assert set(relocs) == {"init_module"}


@pytest.mark.parametrize("arch", ARCHES)
def test_stacked_module_versions_the_symbols_it_takes_from_its_base(arch):
    with ko(arch, "stack_user").open("rb") as f:
        data = ELFFile(f).get_section_by_name("__versions").data()
    entry = 64
    names = {data[i + (8 if arch == "x86_64" else 4):i + entry].split(b"\0")[0].decode()
             for i in range(0, len(data), entry)}
    assert {"stack_base_add", "stack_base_secret", "stack_base_calls", "module_layout"} <= names


@pytest.mark.parametrize("arch", ARCHES)
def test_proprietary_module_has_no_version_for_the_gpl_symbol_it_tries(arch):
    with ko(arch, "stack_proprietary").open("rb") as f:
        data = ELFFile(f).get_section_by_name("__versions").data()
    assert b"stack_base_secret" not in data
    assert dict(modinfo(ko(arch, "stack_proprietary")))["license"] == "Proprietary"
