"""`kemu demo`: the NetBSD 1.6 LKM tutorial from start to end, as a console transcript.

The steps are the tutorial's (bmeurer, "Introduction to NetBSD loadable kernel modules"):
load fibo.o with its post-install script, look at modstat and the device nodes, run the test
program that prints the numbers read from /dev/fibo0 (the first 50, so the wrap after
2971215073 shows), try to unload while a device is open, close it, unload, modstat again.
Every command runs in kemu's shell against the built-in fixture, so what is printed is what the
emulated system answered — the test program too: the console's `./fibotest` opens /dev/fibo0
and prints each 4-byte read with %u until head has its 50 lines and the pipe closes.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import TextIO

from kemu.paths import GUEST, fixture

TEST_PROGRAM = "./fibotest | head -n 50"


class DemoFailed(Exception):
    """The emulated system did not do what the tutorial says it does."""


def fixture_paths(arch: str, compiler: str) -> tuple[str, str]:
    module = fixture("netbsd-lkm", arch, compiler, "fibo.o")
    script = GUEST / "netbsd-lkm" / "fibo" / "fibo_postinstall.sh"
    for path in (module, script):
        if not path.is_file():
            raise DemoFailed(f"missing {path}: the built-in fixtures come with kemu's source tree "
                             f"(rebuild them with tools/build_lkm_fixtures.py)")
    return str(module), str(script)


def run_demo(out: TextIO, arch: str = "i386", compiler: str = "gcc") -> int:
    """Print the transcript to `out`; 0 if every step behaved as in the tutorial."""
    from .system import NetBSDLKM

    module, script = fixture_paths(arch, compiler)
    workdir = tempfile.mkdtemp(prefix="kemu-demo-")
    try:
        # The user's directory: fibo.o and fibo_postinstall.sh side by side, as in the tutorial.
        shutil.copyfile(module, os.path.join(workdir, "fibo.o"))
        shutil.copyfile(script, os.path.join(workdir, "fibo_postinstall.sh"))
        system = NetBSDLKM(arch)
        shell = system.shell(out=out, err=out, cwd=workdir, echo=True)
        return _transcript(system, shell, out)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _step(shell, line: str, expect_status: int = 0) -> None:
    status = shell.run_line(line)
    if status != expect_status:
        raise DemoFailed(f"`{line}' exited {status}, the tutorial expects {expect_status}")


def _transcript(system, shell, out: TextIO) -> int:
    _step(shell, "modload -e fibo_lkmentry -p fibo_postinstall.sh fibo.o")
    _step(shell, "modstat")
    _step(shell, "ls -l /dev/fibo*")
    _step(shell, TEST_PROGRAM)
    _step(shell, "exec 3< /dev/fibo0")
    _step(shell, "modunload -n fibo", expect_status=5)
    _step(shell, "exec 3<&-")
    _step(shell, "modunload -n fibo")
    _step(shell, "modstat")
    return 0
