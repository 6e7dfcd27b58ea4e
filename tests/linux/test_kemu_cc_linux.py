"""`kemu cc --target linux`: kbuild builds, and every bad request is a clear error."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from elftools.elf.elffile import ELFFile

from kemu.paths import ROOT
from kemu.toolchain import linux_headers, linux_kbuild
from kemu.toolchain.cc import ToolchainError

from .conftest import modinfo, require_headers, section_names

HELLO = ROOT / "guest" / "linux" / "hello" / "hello.c"
FIBO = ROOT / "guest" / "linux" / "fibo"


def kemu_cc(*args, cwd):
    return subprocess.run([sys.executable, "-m", "kemu", "cc", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)


@pytest.mark.needs_tool
@pytest.mark.parametrize("arch,machine", [("x86_64", "EM_X86_64"), ("i386", "EM_386")])
def test_builds_a_loadable_module_for_each_arch(tmp_path, arch, machine):
    require_headers(arch)
    done = kemu_cc("--target", "linux", "--arch", arch, "-o", "hi.ko", HELLO, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "hi.ko"
    with out.open("rb") as f:
        assert ELFFile(f)["e_machine"] == machine
    assert dict(modinfo(out))["name"] == "hi"
    assert not list(tmp_path.glob("*.o")), "kbuild's intermediate files stay in its scratch directory"


@pytest.mark.needs_tool
def test_several_sources_make_one_module(tmp_path):
    require_headers("x86_64")
    done = kemu_cc("--target", "linux", "--arch", "x86_64", "-o", "fibo.ko",
                   FIBO / "cdev_main.c", FIBO / "fibo_ops.c", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "__versions" in section_names(tmp_path / "fibo.ko")


@pytest.mark.needs_tool
def test_a_compile_error_is_shown_and_exits_1(tmp_path):
    require_headers("x86_64")
    (tmp_path / "bad.c").write_text('#include <linux/module.h>\nMODULE_LICENSE("GPL");\nint f(void) { return x; }\n')
    done = kemu_cc("--target", "linux", "--arch", "x86_64", "-o", "bad.ko", "bad.c", cwd=tmp_path)
    assert done.returncode == 1
    assert "bad.c:3" in done.stderr and re.search("['‘]x['’] undeclared", done.stderr)
    assert "bad.ko not written" in done.stderr
    assert not (tmp_path / "bad.ko").exists()


def test_missing_headers_name_the_package_and_the_command(monkeypatch):
    monkeypatch.setattr(linux_kbuild, "header_set", lambda arch: linux_headers.header_set(arch, abi=9999))
    with pytest.raises(ToolchainError) as err:
        linux_kbuild.locate_headers("i386")
    assert "linux-headers-6.1.0-9999-686-pae:i386" in str(err.value)
    assert "tools/install_linux_headers.py" in str(err.value)
    with pytest.raises(ToolchainError) as err:
        linux_kbuild.locate_headers("x86_64")
    assert "apt-get install linux-headers-6.1.0-9999-amd64" in str(err.value)


@pytest.mark.parametrize("args,message", [
    (["--arch", "mips", "-o", "h.ko", HELLO], "unknown arch 'mips' for target linux"),
    (["--arch", "x86_64", "-o", "h.o", HELLO], "must be a .ko file"),
    (["--arch", "x86_64", "-o", "h.ko", "nothere.c"], "source file not found: nothere.c"),
    (["--arch", "x86_64", "-g", "-o", "h.ko", HELLO], "-g not accepted"),
    (["--arch", "x86_64", "--compiler", "clang", "-o", "h.ko", HELLO], "--compiler not accepted"),
    (["--arch", "x86_64", "-o", "fibo_ops.ko", FIBO / "cdev_main.c", FIBO / "fibo_ops.c"],
     "cannot have a source named fibo_ops.c"),
    (["--arch", "x86_64", "--extra-symbols", "none.symvers", "-o", "h.ko", HELLO],
     "extra symbols file not found: none.symvers"),
])
def test_bad_requests_exit_2_with_a_clear_message(tmp_path, args, message):
    done = kemu_cc("--target", "linux", *args, cwd=tmp_path)
    if "Linux headers" in done.stderr:
        pytest.skip(done.stderr.strip())
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_linux_only_options_are_refused_for_other_targets(tmp_path):
    done = kemu_cc("--target", "netbsd-lkm", "--arch", "i386", "--allow-undefined", "-c", HELLO, cwd=tmp_path)
    assert done.returncode == 2
    assert "--allow-undefined: only for --target linux" in done.stderr


def test_other_targets_still_take_one_source(tmp_path):
    done = kemu_cc("--target", "netbsd-lkm", "--arch", "i386", "-c", HELLO, HELLO, cwd=tmp_path)
    assert done.returncode == 2
    assert "one source at a time" in done.stderr
