"""The NetBSD 10 personality under kemu's other faces: `kemu demo --os netbsd`, the pytest
plugin's fixtures, `kemu shell --os netbsd --modules DIR`, and module_at for the debugger."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest

from kemu.os.netbsd.demo import run_demo
from kemu.paths import ROOT

FIBO_X86_64 = str(ROOT / "fixtures/netbsd/x86_64/gcc/fibo/fibo.kmod")


@pytest.mark.parametrize("arch", ["x86_64", "i386"])
def test_demo_runs_fibo_and_the_chain_to_the_end(arch):
    out = io.StringIO()
    assert run_demo(out, arch) == 0
    assert "chain_c: unloaded" in out.getvalue()


@pytest.mark.kemu(os="netbsd", arch="x86_64")
def test_the_pytest_plugin_loads_a_kmod_by_path(kemu_system, kemu_load):
    module = kemu_load(FIBO_X86_64)
    assert module.name == "fibo"
    assert kemu_system.module_at(module.base) is module
    assert [r.name for r in kemu_system.modctl_stat()] == ["fibo"]


def test_kemu_shell_reads_names_from_the_modules_directory():
    modules = ROOT / "fixtures/netbsd/i386/clang"
    done = subprocess.run([sys.executable, "-m", "kemu", "shell", "--os", "netbsd", "--arch", "i386",
                           "--modules", str(modules), "-c", "modload chain_a; modstat chain_c"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("chain_c          misc     filesys  a        2 ")


def test_kemu_shell_refuses_a_modules_directory_that_is_not_one(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kemu", "shell", "--os", "netbsd",
                           "--modules", str(tmp_path / "none"), "-c", "modstat"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "not a directory" in done.stderr
