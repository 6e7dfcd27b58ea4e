"""The `kemu debug` command line: --break, --ex, and clear errors for bad arguments."""
import os
import re
import subprocess
import sys

import pytest

from debug_helpers import fibo_path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def kemu(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kemu", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_break_option_is_set_once_the_module_is_linked():
    p = kemu("debug", "--no-context", fibo_path("x86_64", "clang", debug=True), "-e", "fibo_lkmentry",
             "--break", "fibo_handle", "--break", "nosuch", "--ex", "continue", "--ex", "continue")
    assert p.returncode == 0, p.stderr
    assert re.search(r"Breakpoint 1, fibo_handle \(lkmtp=0x[0-9a-f]+, cmd=1\) at fibo\.c:82", p.stdout)
    assert "Module loaded as ID 0" in p.stdout
    assert '--break nosuch: Function "nosuch" not defined.' in p.stderr


def test_bad_gdb_address_missing_module_and_non_elf_are_clear_errors():
    bad_port = kemu("debug", "--gdb", "localhost:http", fibo_path("i386"))
    assert bad_port.returncode == 2
    assert "--gdb 'localhost:http': the port must be a number" in bad_port.stderr
    missing = kemu("debug", "no/such/module.o")
    assert missing.returncode == 1 and "no/such/module.o: No such file or directory" in missing.stderr
    not_elf = kemu("debug", "README.md")
    assert not_elf.returncode == 1 and "README.md: not an ELF object" in not_elf.stderr


@pytest.mark.parametrize("command", ["debug", "trace"])
def test_a_directory_a_device_and_a_pipe_are_named_for_what_they_are(command, tmp_path):
    fifo = tmp_path / "module.o"
    os.mkfifo(fifo)
    for path, what in ((str(tmp_path), "is a directory"), ("/dev/null", "not a regular file"),
                       (str(fifo), "not a regular file")):
        p = kemu(command, path)
        assert p.returncode == 1
        assert p.stderr == f"kemu {command}: {path}: {what}\n"


def test_a_failing_guest_command_fails_a_batch_run():
    p = kemu("debug", "--no-context", fibo_path("i386"), "-e", "fibo_lkmentry",
             "--ex", "continue", "--ex", "od -N 4 /dev/fibo9", "--ex", "modstat")
    assert p.returncode == 1
    assert "od: /dev/fibo9: No such file or directory" in p.stderr
    assert "kemu debug: 'od -N 4 /dev/fibo9' failed with exit status 1" in p.stderr
    assert "fibo" in p.stdout.split("(kemu) modstat", 1)[1]      # the batch went on after it


def test_target_is_another_spelling_of_os():
    p = kemu("debug", "--target", "netbsd-lkm", "--no-context", fibo_path("i386"), "-e", "fibo_lkmentry",
             "--ex", "continue")
    assert p.returncode == 0 and "Module loaded as ID 0" in p.stdout
