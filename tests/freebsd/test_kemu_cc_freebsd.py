"""`kemu cc --target freebsd`: builds a loadable kld as kmod.mk does, names amd64 as FreeBSD
does, and refuses bad requests with a clear message and no output file."""
from __future__ import annotations

from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from cc_helpers import run_kemu_cc
from kemu.paths import ROOT
from kemu.toolchain import cc, freebsd_kmod

from .conftest import FIXTURE_DIR, GUEST, load_manifest, require

FIBO_C = GUEST / "fibo" / "fibo.c"


def elf_kind(path: Path) -> tuple[str, str, str]:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        return elf.header["e_type"], elf.header["e_machine"], elf.header["e_ident"]["EI_OSABI"]


@pytest.mark.needs_tool
def test_amd64_build_is_a_freebsd_relocatable_kld(tmp_path):
    require("clang", "ld.lld")
    out = tmp_path / "fibo.ko"
    status, err = run_kemu_cc(["--target", "freebsd", "--arch", "amd64", "--compiler", "clang",
                               "-o", str(out), str(FIBO_C)])
    assert (status, err) == (0, "")
    assert elf_kind(out) == ("ET_REL", "EM_X86_64", "ELFOSABI_FREEBSD")


@pytest.mark.needs_tool
def test_i386_build_is_a_freebsd_shared_object_kld(tmp_path):
    require("gcc", "ld.lld")
    out = tmp_path / "fibo.ko"
    status, err = run_kemu_cc(["--target", "freebsd", "--arch", "i386", "-o", str(out), str(FIBO_C)])
    assert (status, err) == (0, "")
    assert elf_kind(out) == ("ET_DYN", "EM_386", "ELFOSABI_FREEBSD")


@pytest.mark.needs_tool
def test_amd64_is_another_name_for_x86_64(tmp_path):
    require("gcc", "ld.lld")
    for arch in ("amd64", "x86_64"):
        assert run_kemu_cc(["--target", "freebsd", "--arch", arch, "-o", str(tmp_path / f"{arch}.ko"),
                            str(FIBO_C)])[0] == 0
    assert (tmp_path / "amd64.ko").read_bytes() == (tmp_path / "x86_64.ko").read_bytes()


@pytest.mark.needs_tool
def test_kemu_cc_builds_the_committed_fixture_byte_for_byte(tmp_path, monkeypatch):
    require("clang", "ld.lld")
    manifest = load_manifest()
    if manifest["compilers"]["clang"] != cc.Compiler.find("clang").version:
        pytest.skip("the fixtures were built by another clang version")
    monkeypatch.chdir(ROOT)
    out = tmp_path / "fibo.ko"
    assert run_kemu_cc(["--target", "freebsd", "--arch", "x86_64", "--compiler", "clang", "-o", str(out),
                        "guest/freebsd/fibo/fibo.c"])[0] == 0
    assert out.read_bytes() == (FIXTURE_DIR / "x86_64" / "clang" / "fibo.ko").read_bytes()


@pytest.mark.needs_tool
def test_verbose_shows_each_kmod_step_in_order(tmp_path):
    require("gcc", "ld.lld")
    status, err = run_kemu_cc(["--target", "freebsd", "--arch", "i386", "-v", "-o", str(tmp_path / "f.ko"),
                               str(FIBO_C)])
    assert status == 0
    tools = [Path(line.split()[0]).name for line in err.splitlines()]
    assert tools == ["gcc", "ld.lld", "nm", "objcopy", "ld.lld", "objcopy"]
    assert "-Bshareable" in err.splitlines()[4]


@pytest.mark.needs_tool
def test_g_keeps_debug_information_and_its_absence_strips_it(tmp_path):
    require("gcc", "ld.lld")
    for flag, name in (([], "plain.ko"), (["-g"], "debug.ko")):
        assert run_kemu_cc(["--target", "freebsd", "--arch", "x86_64", *flag, "-o", str(tmp_path / name),
                            str(FIBO_C)])[0] == 0
    with open(tmp_path / "plain.ko", "rb") as f:
        assert ELFFile(f).get_section_by_name(".debug_info") is None
    with open(tmp_path / "debug.ko", "rb") as f:
        assert ELFFile(f).get_section_by_name(".debug_info") is not None


@pytest.mark.needs_tool
def test_a_compile_error_is_shown_and_leaves_no_kld(tmp_path):
    require("gcc", "ld.lld")
    bad = tmp_path / "bad.c"
    bad.write_text("#include <sys/param.h>\nint broken(void) { return undeclared_thing; }\n")
    out = tmp_path / "bad.ko"
    status, err = run_kemu_cc(["--target", "freebsd", "--arch", "x86_64", "-o", str(out), str(bad)])
    assert status == 1
    assert "undeclared_thing" in err
    assert "kemu cc: gcc failed with exit status 1" in err
    assert not out.exists()


@pytest.mark.needs_tool
def test_warnings_are_errors_as_kmod_mk_makes_them(tmp_path):
    require("gcc", "ld.lld")
    warns = tmp_path / "warns.c"
    warns.write_text("#include <sys/param.h>\nint f(void);\nint f(void) { int unused; return 0; }\n")
    status, err = run_kemu_cc(["--target", "freebsd", "--arch", "i386", "-o", str(tmp_path / "w.ko"), str(warns)])
    assert status == 1 and "-Werror=unused-variable" in err


@pytest.mark.needs_tool
def test_linux_only_predefinitions_are_gone_and_freebsd_ones_present(tmp_path):
    require("gcc", "clang", "ld.lld")
    probe = tmp_path / "probe.c"
    probe.write_text("#include <sys/param.h>\n#ifdef __linux__\n#error linux\n#endif\n"
                     "#if __FreeBSD__ != 14 || __FreeBSD_version != 1403000\n#error version\n#endif\n"
                     "#if !defined(_KERNEL) || !defined(KLD_MODULE)\n#error kmod\n#endif\n"
                     "int probe(void);\nint probe(void) { return 0; }\n")
    for compiler in ("gcc", "clang"):
        for arch in ("i386", "x86_64"):
            status, err = run_kemu_cc(["--target", "freebsd", "--arch", arch, "--compiler", compiler,
                                       "-o", str(tmp_path / "p.ko"), str(probe)])
            assert (status, err) == (0, ""), (compiler, arch)


def test_unknown_arch_lists_the_freebsd_names(tmp_path):
    status, err = run_kemu_cc(["--target", "freebsd", "--arch", "sparc64", "-o", str(tmp_path / "x.ko"),
                               str(FIBO_C)])
    assert status == 2
    assert "unknown arch 'sparc64' for target freebsd: expected one of amd64, i386, x86_64" in err


def test_missing_source_is_an_error_naming_it(tmp_path):
    status, err = run_kemu_cc(["--target", "freebsd", "--arch", "i386", "-o", str(tmp_path / "x.ko"), "nosuch.c"])
    assert status == 2 and "kemu cc: error: source file not found: nosuch.c" in err


def test_missing_linker_is_an_error_naming_the_package(tmp_path, monkeypatch):
    require("gcc")
    real_which = freebsd_kmod.shutil.which
    monkeypatch.setattr(freebsd_kmod.shutil, "which", lambda name: None if name == "ld.lld" else real_which(name))
    status, err = run_kemu_cc(["--target", "freebsd", "--arch", "x86_64", "-o", str(tmp_path / "x.ko"),
                               str(FIBO_C)])
    assert status == 2
    assert "ld.lld not found on PATH; install the Debian package lld" in err
    assert not (tmp_path / "x.ko").exists()


def test_bad_export_list_is_refused(tmp_path):
    with pytest.raises(cc.ToolchainError, match="bad EXPORT_SYMS 'maybe'"):
        freebsd_kmod.build_kmod(freebsd_kmod.KmodRequest(arch="i386", sources=(FIBO_C,),
                                                         output=tmp_path / "x.ko", export_syms="maybe"))


def test_kmod_syms_selection_localizes_defined_symbols_and_strips_commons():
    listing = ("0000000000000000 T exported_fn\n0000000000000010 t helper\n"
               "0000000000000004 C common_thing\n                 U printf\n"
               "0000000000000000 A absolute\n                 w __start_set_x\n")
    symbols = freebsd_kmod.defined_symbols(listing)
    assert symbols == {"exported_fn": "T", "helper": "t", "common_thing": "C"}
    assert freebsd_kmod.export_arguments(symbols, ("exported_fn",)) == ["-Ncommon_thing", "-Lhelper"]
    assert freebsd_kmod.export_arguments(symbols, "YES") == []
    assert freebsd_kmod.export_arguments(symbols, "NO") == ["-Ncommon_thing", "-Lexported_fn", "-Lhelper"]
