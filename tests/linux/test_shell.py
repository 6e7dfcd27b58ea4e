"""`kemu shell --os linux`: the module tools and /proc, /sys files in their real formats."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import pytest

import kemu
from kemu.paths import ROOT

from .conftest import ARCHES, FIXTURE_DIR


@pytest.fixture(params=ARCHES)
def shell(request):
    system = kemu.boot("linux", request.param)
    return system.shell(cwd=str(FIXTURE_DIR / request.param))


def run(shell, line):
    out, err = io.StringIO(), io.StringIO()
    status = shell.run_line(line, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_insmod_lsmod_rmmod(shell):
    assert run(shell, "insmod stack_base.ko")[0] == 0
    assert run(shell, "insmod stack_user.ko")[0] == 0
    status, out, _ = run(shell, "lsmod")
    rows = out.splitlines()
    assert rows[0] == "Module                  Size  Used by"
    assert rows[1].split() == ["stack_user", rows[1].split()[1], "0"]
    assert rows[2].split()[0::2] == ["stack_base", "1"] and rows[2].endswith("  1 stack_user")
    assert run(shell, "rmmod stack_base")[::2] == (1, "rmmod: ERROR: Module stack_base is in use by: stack_user\n")
    assert run(shell, "rmmod stack_user stack_base")[0] == 0
    assert run(shell, "lsmod")[1] == "Module                  Size  Used by\n"


def test_insmod_refusal_prints_insmods_line(shell):
    status, console, err = run(shell, "insmod initfail.ko")
    assert (status, err) == (1, "insmod: ERROR: could not insert module initfail.ko: No such device\n")
    assert console.endswith("] initfail: probing for a device that is not there\n")   # the kernel's console


def test_cat_proc_modules_and_sys_module(shell):
    run(shell, "insmod hello.ko")
    status, out, _ = run(shell, "cat /proc/modules")
    name, size, refs, deps, state, addr, flags = out.split()
    assert (name, refs, deps, state, flags) == ("hello", "0", "-", "Live", "(OE)")
    assert run(shell, "cat /sys/module/hello/initstate")[1] == "live\n"
    assert run(shell, "cat /sys/module/hello/taint")[1] == "OE\n"
    assert run(shell, "cat /sys/module/nothere/refcnt") == (1, "", "cat: /sys/module/nothere/refcnt: "
                                                                  "No such file or directory\n")


def test_uname_r_is_the_emulated_release(shell):
    assert run(shell, "uname -r")[1] == shell.system.release + "\n"


def test_fibo_nodes_in_gnu_ls_and_od(shell):
    run(shell, "insmod fibo.ko")
    out = run(shell, "ls -l /dev/fibo0")[1]
    assert out.startswith("crw------- 1 root root 254, 0 ")
    assert run(shell, "od -N 16 -t u4 /dev/fibo0")[1].split()[1:5] == ["1", "1", "2", "3"]
    assert "254 fibo\n" in run(shell, "cat /proc/devices")[1]


def test_modinfo_lists_tags_in_kmod_format(shell):
    out = run(shell, "modinfo hello.ko")[1].splitlines()
    assert out[0].startswith("filename:       /") and out[0].endswith("hello.ko")
    assert "license:        Dual BSD/GPL" in out
    assert any(line.startswith("vermagic:       6.1.0-57-") for line in out)


def test_dmesg_shows_timestamped_kernel_messages(shell):
    run(shell, "insmod hello.ko")
    assert run(shell, "dmesg")[1].splitlines()[-1] == "[    0.000000] Hello, world"


@pytest.mark.skipif(shutil.which("true") is None, reason="needs a POSIX host")
def test_kemu_shell_command_line_runs_a_script():
    proc = subprocess.run([sys.executable, "-m", "kemu", "shell", "--os", "linux", "--arch", "x86_64",
                           "-c", "insmod hello.ko; lsmod; rmmod hello"],
                          cwd=FIXTURE_DIR / "x86_64", capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "Hello, world" in proc.stdout and "hello " in proc.stdout and "Goodbye" in proc.stdout


@pytest.mark.parametrize("arch", ARCHES)
def test_demo_runs_hello_and_fibo_end_to_end(arch):
    from kemu.os.linux.demo import run_demo
    out = io.StringIO()
    assert run_demo(out, arch) == 0
    text = out.getvalue()
    assert "] Hello, world\n" in text and "] Goodbye\n" in text
    assert "0000000          1          1          2          3\n" in text
    assert "rmmod: ERROR: Module fibo is in use\n" in text
    assert text.endswith("# cat /proc/modules\n")


def test_insmod_lenient_stubs_missing_kernel_functions(shell, tmp_path):
    data = (FIXTURE_DIR / shell.system.arch / "hello.ko").read_bytes()
    # rename the module's import of _printk to a function kemu does not have
    (tmp_path / "odd.ko").write_bytes(data.replace(b"_printk\0", b"_printq\0"))
    shell.cwd = str(tmp_path)
    status, _, err = run(shell, "insmod odd.ko")
    assert status == 1 and err.endswith(": Unknown symbol in module\n")
    status, console, err = run(shell, "insmod --lenient odd.ko")
    assert status == 0 and "call to missing kernel function _printq" in console
