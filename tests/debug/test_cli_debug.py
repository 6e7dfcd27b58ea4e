"""The `kemu debug` command line: --break, --ex, and clear errors for bad arguments."""
import os
import re
import subprocess
import sys

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
    assert not_elf.returncode == 1 and "not an ELF file" in not_elf.stderr
