"""fibo.o is the tutorial's driver: its entry point, its kernel imports, its descriptors."""
from __future__ import annotations

import pytest
from elftools.elf.elffile import ELFFile

from kemu.toolchain import cc

from .conftest import FIXTURE_DIR, elf_facts

FIBO_OBJECTS = [f"{arch}/{compiler}/{name}" for arch in cc.ARCHES for compiler in cc.COMPILERS
                for name in ("fibo.o", "fibo-g.o")]
KERNEL_IMPORTS = {"lkmexists", "uiomove", "bzero", "printf", "enodev", "lkmdispatch"}
SIZEOF = {"i386": {"lkm_dev": 64, "cdevsw": 40, "softc": 12 * 8},
          "x86_64": {"lkm_dev": 120, "cdevsw": 80, "softc": 12 * 8}}


@pytest.mark.parametrize("relpath", FIBO_OBJECTS)
def test_fibo_defines_the_global_entry_point_fibo_lkmentry(relpath):
    facts = elf_facts(FIXTURE_DIR / relpath)
    assert facts.global_functions == {"fibo_lkmentry"}


@pytest.mark.parametrize("relpath", FIBO_OBJECTS)
def test_fibo_imports_exactly_the_kernel_services_the_tutorial_uses(relpath):
    assert elf_facts(FIXTURE_DIR / relpath).undefined == KERNEL_IMPORTS


@pytest.mark.parametrize("relpath", FIBO_OBJECTS)
def test_fibo_descriptors_have_the_NetBSD_1_6_sizes(relpath):
    arch = relpath.split("/")[0]
    symbols = elf_facts(FIXTURE_DIR / relpath).symbols
    assert symbols["_module"]["size"] == SIZEOF[arch]["lkm_dev"]
    assert symbols["fibo_dev"]["size"] == SIZEOF[arch]["cdevsw"]
    assert symbols["fibo_scs"]["size"] == SIZEOF[arch]["softc"]
    assert symbols["_module"]["bind"] == "STB_LOCAL"


@pytest.mark.parametrize("relpath", [p for p in FIBO_OBJECTS if p.endswith("fibo-g.o")])
def test_fibo_debug_info_names_its_source_relative_to_the_checkout(relpath):
    with open(FIXTURE_DIR / relpath, "rb") as f:
        dwarf = ELFFile(f).get_dwarf_info()
        cu = next(dwarf.iter_CUs())
        top = cu.get_top_DIE()
        assert cu.header["version"] == 4
        assert top.attributes["DW_AT_name"].value.decode() == "guest/netbsd-lkm/fibo/fibo.c"
        assert top.attributes["DW_AT_comp_dir"].value.decode() == "."
        functions = {d.attributes["DW_AT_name"].value.decode() for d in cu.iter_DIEs()
                     if d.tag == "DW_TAG_subprogram" and "DW_AT_name" in d.attributes}
        assert {"fibo_lkmentry", "fibo_handle", "fibo_open", "fibo_close", "fibo_read"} <= functions
