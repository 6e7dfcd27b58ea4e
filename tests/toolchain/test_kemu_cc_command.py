"""`kemu cc`: what it prints, where it writes, and how it refuses bad requests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


from kemu.paths import ROOT

from .conftest import FIBO_C, elf_facts, require, run_kemu_cc

BASE = ["--target", "netbsd-lkm", "--arch", "i386"]


def test_missing_source_is_an_error_naming_the_file(tmp_path):
    status, err = run_kemu_cc([*BASE, "-c", "nosuch.c", "-o", str(tmp_path / "x.o")])
    assert status == 2
    assert "kemu cc: error: source file not found: nosuch.c" in err
    assert not (tmp_path / "x.o").exists()


def test_unknown_target_is_an_error_listing_the_known_targets(tmp_path):
    status, err = run_kemu_cc(["--target", "freebsd-kld", "--arch", "i386", "-c", str(FIBO_C),
                               "-o", str(tmp_path / "x.o")])
    assert status == 2
    assert "unknown target 'freebsd-kld': expected one of " in err
    assert "netbsd-lkm" in err.split("expected one of ", 1)[1].strip().split(", ")


def test_unknown_arch_is_an_error_listing_the_known_arches(tmp_path):
    status, err = run_kemu_cc(["--target", "netbsd-lkm", "--arch", "arm", "-c", str(FIBO_C),
                               "-o", str(tmp_path / "x.o")])
    assert status == 2
    assert "unknown arch 'arm' for target netbsd-lkm: expected one of i386, x86_64" in err


def test_unknown_compiler_is_an_error(tmp_path):
    status, err = run_kemu_cc([*BASE, "--compiler", "tcc", "-c", str(FIBO_C), "-o", str(tmp_path / "x.o")])
    assert status == 2
    assert "unknown compiler 'tcc': expected one of gcc, clang" in err


def test_compiler_missing_from_PATH_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    status, err = run_kemu_cc([*BASE, "--compiler", "clang", "-c", str(FIBO_C), "-o", str(tmp_path / "x.o")])
    assert status == 2
    assert "compiler 'clang' not found on PATH" in err


def test_bad_optimisation_level_is_an_error(tmp_path):
    status, err = run_kemu_cc([*BASE, "-O9", "-c", str(FIBO_C), "-o", str(tmp_path / "x.o")])
    assert status == 2
    assert "bad optimisation level -O9" in err


def test_output_into_a_missing_directory_is_an_error(tmp_path):
    status, err = run_kemu_cc([*BASE, "-c", str(FIBO_C), "-o", str(tmp_path / "no" / "x.o")])
    assert status == 2
    assert "output directory does not exist" in err


def test_missing_target_option_is_a_usage_error(tmp_path):
    status, err = run_kemu_cc(["--arch", "i386", "-c", str(FIBO_C)])
    assert status == 2
    assert "--target" in err


def test_compiler_diagnostics_pass_through_and_status_is_1(tmp_path):
    require("gcc")
    broken = tmp_path / "broken.c"
    broken.write_text("int broken(void) { return undeclared_thing; }\n")
    status, err = run_kemu_cc([*BASE, "-c", str(broken), "-o", str(tmp_path / "broken.o")])
    assert status == 1
    assert "undeclared_thing" in err
    assert "kemu cc: gcc failed with exit status 1" in err


def test_verbose_prints_the_full_compiler_command(tmp_path):
    require("gcc")
    status, err = run_kemu_cc([*BASE, "-v", "-DEXTRA=1", "-I", str(tmp_path), "-c", str(FIBO_C),
                               "-o", str(tmp_path / "fibo.o")])
    assert status == 0
    words = err.splitlines()[0].split()
    assert Path(words[0]).name == "gcc"
    assert words[-4:-3] == ["-c"] and words[-2] == "-o"
    assert (Path.cwd() / words[-3]).resolve() == FIBO_C.resolve()
    for piece in ("-m32", "-march=i486", "-ffreestanding", "-fno-builtin", "-nostdinc",
                  "-fno-pic", "-D_KERNEL", "-D_LKM", "-D__NetBSD__", "-D__NetBSD_Version__=106000000",
                  "-DEXTRA=1", "-O2", f"-I{tmp_path}"):
        assert piece in words, piece


def test_user_include_dirs_come_before_the_sdk(tmp_path):
    require("gcc")
    (tmp_path / "sys").mkdir()
    (tmp_path / "sys" / "lkm.h").write_text('#error "the user header won"\n')
    status, err = run_kemu_cc([*BASE, "-I", str(tmp_path), "-c", str(FIBO_C), "-o", str(tmp_path / "f.o")])
    assert status == 1
    assert "the user header won" in err


def test_default_output_is_the_source_stem_in_the_working_directory(tmp_path, monkeypatch):
    require("gcc")
    monkeypatch.chdir(tmp_path)
    status, err = run_kemu_cc([*BASE, "-c", str(FIBO_C)])
    assert (status, err) == (0, "")
    assert elf_facts(tmp_path / "fibo.o").machine == "EM_386"


def test_clang_builds_for_both_arches_through_the_same_command(tmp_path):
    require("clang")
    for arch, machine in (("i386", "EM_386"), ("x86_64", "EM_X86_64")):
        out = tmp_path / f"{arch}.o"
        status, err = run_kemu_cc(["--target", "netbsd-lkm", "--arch", arch, "--compiler", "clang",
                                   "-c", str(FIBO_C), "-o", str(out)])
        assert (status, err) == (0, "")
        assert elf_facts(out).machine == machine


def test_kemu_command_line_dispatches_to_cc(tmp_path):
    require("gcc")
    out = tmp_path / "fibo.o"
    done = subprocess.run(
        [sys.executable, "-m", "kemu", "cc", *BASE, "-c", str(FIBO_C), "-o", str(out)],
        cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert out.stat().st_size > 0


def test_toolchain_imports_nothing_of_the_emulator():
    code = ("import sys, kemu.toolchain.cc, kemu.cli.cmd_cc\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('unicorn', 'capstone', 'keystone')\n"
            "             or m.split('.')[:2] in (['kemu', p] for p in ('elf', 'link', 'machine', 'kernel', 'os', 'debug')))\n"
            "print(' '.join(bad))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_diagnostics_quoting_bytes_that_are_not_utf8_pass_through_escaped(tmp_path):
    require("gcc")
    broken = tmp_path / "latin1.c"
    broken.write_bytes(b"int f(void) { return \xca\xfe; }\n")
    status, err = run_kemu_cc([*BASE, "-c", str(broken), "-o", str(tmp_path / "latin1.o")])
    assert status == 1
    assert "\\xca" in err
    assert "kemu cc: gcc failed with exit status 1" in err and "internal error" not in err
