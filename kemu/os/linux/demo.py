"""`kemu demo --os linux`: the chapter's hello module and the fibo char driver end to end,
as a console transcript. Every command runs in kemu's Linux shell against the committed
kbuild fixtures copied into a scratch directory (the user's current directory), so what is
printed is what the emulated 6.1 kernel answered."""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import TextIO

from kemu.paths import fixture

MODULES = ("hello.ko", "fibo.ko")


class DemoFailed(Exception):
    """The emulated system did not behave as a real 6.1 kernel does."""


STEPS = [
    ("insmod hello.ko", 0),
    ("lsmod", 0),
    ("rmmod hello", 0),
    ("dmesg", 0),
    ("insmod fibo.ko", 0),
    ("cat /proc/devices", 0),
    ("ls -l /dev/fibo0 /dev/fibo1", 0),
    ("od -A d -t u4 -N 48 /dev/fibo0", 0),
    ("exec 3< /dev/fibo0", 0),
    ("lsmod", 0),
    ("rmmod fibo", 1),
    ("exec 3<&-", 0),
    ("rmmod fibo", 0),
    ("ls -l /dev", 0),
    ("cat /proc/modules", 0),
]


def run_demo(out: TextIO, arch: str = "x86_64") -> int:
    """Print the transcript to `out`; 0 if every step answered as a real kernel would."""
    from .system import Linux

    workdir = tempfile.mkdtemp(prefix="kemu-demo-")
    try:
        for name in MODULES:
            path = fixture("linux", arch, name)
            if not path.is_file():
                raise DemoFailed(f"missing {path}: rebuild with tools/build_linux_fixtures.py")
            shutil.copyfile(path, os.path.join(workdir, name))
        system = Linux(arch)
        shell = system.shell(out=out, err=out, cwd=workdir, echo=True)
        for line, expect in STEPS:
            status = shell.run_line(line)
            if status != expect:
                raise DemoFailed(f"`{line}' exited {status}, a real kernel gives {expect}")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
