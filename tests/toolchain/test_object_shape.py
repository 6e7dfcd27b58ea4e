"""Objects from kemu cc are kernel-loadable: ET_REL of the right class/machine, no GOT/PLT.

Checked twice: on the committed fixtures (no compiler needed) and on a fresh `kemu cc`
build of every guest module with each installed compiler.
"""
from __future__ import annotations

import pytest

from kemu.toolchain import cc

from .conftest import (ALLOWED_ALLOC_RELOCS, CALL_RELOCS, ELF_IDENTITY, FIXTURE_DIR, GUEST,
                       elf_facts, load_manifest, require, run_kemu_cc)

MANIFEST = load_manifest()
MODULE_SOURCES = [GUEST / "fibo" / "fibo.c", *sorted((GUEST / "tests").glob("*.c"))]


def assert_kernel_loadable(facts, arch):
    assert facts.type == "ET_REL"
    assert (facts.elfclass, facts.machine) == ELF_IDENTITY[arch]
    alloc = [r for r in facts.relocs if r.section in facts.alloc_sections]
    assert alloc, "a module always has relocations in its allocated sections"
    assert {r.type for r in alloc} <= ALLOWED_ALLOC_RELOCS[arch]
    # a module may also read an imported variable from its code (importer.o): calls are the
    # relocations at a call or jmp instruction
    calls = [r for r in alloc if r.section == ".text" and r.symbol_undefined and r.opcode in (0xe8, 0xe9)]
    assert calls, "every guest module calls the kernel or another module"
    assert {r.type for r in calls} <= CALL_RELOCS[arch]
    assert not any(name.startswith(("_GLOBAL_OFFSET_TABLE_", "__x86.get_pc_thunk"))
                   for name in facts.symbols)
    assert not any(s["shndx"] == "SHN_COMMON" for s in facts.symbols.values())


@pytest.mark.parametrize("relpath", sorted(MANIFEST["files"]))
def test_fixture_is_kernel_loadable_relocatable_object(relpath):
    assert_kernel_loadable(elf_facts(FIXTURE_DIR / relpath), MANIFEST["files"][relpath]["arch"])


@pytest.mark.parametrize("relpath", sorted(p for p in MANIFEST["files"] if p.startswith("i386/")))
def test_i386_fixture_calls_the_kernel_with_R_386_PC32(relpath):
    facts = elf_facts(FIXTURE_DIR / relpath)
    calls = [r for r in facts.relocs if r.symbol_undefined and r.section == ".text"
             and r.opcode in (0xe8, 0xe9)]
    assert {r.type for r in calls} == {"R_386_PC32"}
    # kernel functions stored as data (enodev in a cdevsw) are plain 32-bit addresses
    stored = [r for r in facts.relocs if r.symbol_undefined and r.section == ".data"]
    assert {r.type for r in stored} <= {"R_386_32"}


@pytest.mark.parametrize("compiler", cc.COMPILERS)
@pytest.mark.parametrize("arch", cc.ARCHES)
def test_kemu_cc_builds_kernel_loadable_objects_from_every_guest_module(arch, compiler, tmp_path):
    require(compiler)
    for source in MODULE_SOURCES:
        out = tmp_path / f"{source.stem}.o"
        status, err = run_kemu_cc(["--target", "netbsd-lkm", "--arch", arch, "--compiler", compiler,
                                   "-c", str(source), "-o", str(out)])
        assert (status, err) == (0, ""), f"{source.name}: {err}"
        assert_kernel_loadable(elf_facts(out), arch)


@pytest.mark.parametrize("arch", cc.ARCHES)
def test_debug_build_keeps_debug_relocations_out_of_loaded_sections(arch, tmp_path):
    require("gcc")
    out = tmp_path / "fibo-g.o"
    status, err = run_kemu_cc(["--target", "netbsd-lkm", "--arch", arch, "-g", "-O0",
                               "-c", str(GUEST / "fibo" / "fibo.c"), "-o", str(out)])
    assert status == 0, err
    facts = elf_facts(out)
    assert_kernel_loadable(facts, arch)
    assert {".debug_info", ".debug_line"} <= set(facts.sections)
    assert not ({".debug_info", ".debug_line"} & facts.alloc_sections)
