"""`kemu cc --target netbsd`: a NetBSD 10 .kmod built as bsd.kmodule.mk builds one -- compiled
with the kernel-module flags, linked with `ld -r` and the kmodule script into an ET_REL file."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cc_helpers import run_kemu_cc
from kemu.paths import ROOT
from kemu.toolchain import cc, netbsd_kmod

from .modinfo_reader import Kmod

MODULES = ROOT / "guest" / "netbsd" / "modules"

pytestmark = [pytest.mark.needs_tool,
              pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("ld") is None,
                                 reason="needs gcc and GNU ld")]


@pytest.mark.parametrize("arch,machine,elfclass", [("amd64", "EM_X86_64", 64), ("x86_64", "EM_X86_64", 64),
                                                   ("i386", "EM_386", 32)])
def test_builds_an_et_rel_kmod_for_the_arch(tmp_path, arch, machine, elfclass):
    out = tmp_path / "fibo.kmod"
    status, err = run_kemu_cc(["--target", "netbsd", "--arch", arch, "-o", str(out),
                               str(MODULES / "fibo" / "fibo.c")])
    assert (status, err) == (0, "")
    kmod = Kmod(out)
    assert (kmod.elf["e_type"], kmod.elf["e_machine"], kmod.elf.elfclass) == ("ET_REL", machine, elfclass)
    record = kmod.module_record()
    assert (record.name, record.modclass, record.version) == ("fibo", 3, 1000000000)


def test_bss_is_merged_into_data_by_the_kmodule_script(tmp_path):
    out = tmp_path / "fibo.kmod"
    assert run_kemu_cc(["--target", "netbsd", "--arch", "i386", "-o", str(out),
                        str(MODULES / "fibo" / "fibo.c")])[0] == 0
    kmod = Kmod(out)
    assert kmod.section(".bss") is None
    softc = next(s for s in kmod.symtab.iter_symbols() if s.name == "fibo_scs")
    assert kmod.elf.get_section(softc["st_shndx"]).name == ".data"
    assert softc["st_size"] == 8 * 12


def test_verbose_shows_the_compile_and_the_ld_r_link(tmp_path):
    out = tmp_path / "chain_c.kmod"
    status, err = run_kemu_cc(["--target", "netbsd", "--arch", "amd64", "-v", "-o", str(out),
                               str(MODULES / "chain_c" / "chain_c.c")])
    assert status == 0
    compile_line, link_line = err.strip().splitlines()
    for flag in ("-D_KERNEL", "-D_MODULE", "-mcmodel=kernel", "-mno-red-zone", "-ffreestanding"):
        assert flag in compile_line.split()
    assert link_line.split()[1:5] == ["-r", "-m", "elf_x86_64", "-T"]
    assert link_line.split()[-1].endswith("chain_c.o")


def test_a_compile_error_is_reported_and_writes_no_kmod(tmp_path):
    source = tmp_path / "broken.c"
    source.write_text("#include <sys/module.h>\nMODULE(MODULE_CLASS_MISC, broken, NULL);\nint x = ;\n")
    out = tmp_path / "broken.kmod"
    status, err = run_kemu_cc(["--target", "netbsd", "--arch", "i386", "-o", str(out), str(source)])
    assert status == 1
    assert "broken.c" in err and "error" in err
    assert not out.exists()


def test_unknown_arch_names_the_known_ones(tmp_path):
    status, err = run_kemu_cc(["--target", "netbsd", "--arch", "sparc64", "-o", str(tmp_path / "x.kmod"),
                               str(MODULES / "fibo" / "fibo.c")])
    assert status == 2
    assert "unknown arch 'sparc64' for target netbsd: expected one of i386, x86_64" in err


def test_missing_linker_is_an_error_saying_what_to_install(tmp_path, monkeypatch):
    gcc_dir = Path(shutil.which("gcc")).parent
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gcc").symlink_to(gcc_dir / "gcc")
    monkeypatch.setenv("PATH", str(bin_dir))
    status, err = run_kemu_cc(["--target", "netbsd", "--arch", "i386", "-o", str(tmp_path / "x.kmod"),
                               str(MODULES / "fibo" / "fibo.c")])
    assert status == 2
    assert "GNU ld not found on PATH" in err


def test_the_target_is_registered_beside_netbsd_lkm():
    assert cc.TARGETS["netbsd"].include_dir == netbsd_kmod.INCLUDE_DIR
    assert "netbsd-lkm" in cc.TARGETS and cc.TARGETS["netbsd-lkm"].defines[-1] == "__NetBSD_Version__=106000000"
    assert netbsd_kmod.canonical_arch("amd64") == "x86_64"
