"""`kemu demo --os netbsd`: the modern fibo driver and a required-module chain, end to end.

Every command runs in kemu's NetBSD 10 console with the committed fixtures as the module
directory, so what is printed is what the emulated system answered. The demo checks the
answers that matter (the numbers, the reference counts, the auto-unload) and fails otherwise.
"""
from __future__ import annotations

import struct
from typing import TextIO

import kemu
from kemu.paths import fixture


class DemoFailed(Exception):
    """The emulated system did not do what NetBSD 10 does."""


def run_demo(out: TextIO, arch: str, compiler: str = "gcc") -> int:
    modules = fixture("netbsd", arch, compiler)
    if not (modules / "fibo" / "fibo.kmod").is_file():
        raise DemoFailed(f"missing fixture {modules / 'fibo' / 'fibo.kmod'}")
    system = kemu.boot("netbsd", arch, modules=str(modules))
    shell = system.shell(out=out, err=out, echo=True)

    def step(line: str, expect_status: int = 0) -> None:
        status = shell.run_line(line)
        if status != expect_status:
            raise DemoFailed(f"`{line}' exited {status}, expected {expect_status}")

    step("modload fibo")
    major = system.devsw.conv["fibo"][1]
    step(f"mknod /dev/fibo0 c {major} 0")
    step("ls -l /dev/fibo0")
    step("od -An -tu4 -N 48 /dev/fibo0")
    fd = system.open("/dev/fibo0")
    numbers = struct.unpack("<6I", system.read(fd, 24))
    system.close(fd)
    if numbers != (1, 1, 2, 3, 5, 8):
        raise DemoFailed(f"/dev/fibo0 read {numbers}, not the Fibonacci numbers")
    step("modstat")
    step("modunload fibo")
    step("modload chain_a")
    step("modstat")
    step("modunload chain_c", expect_status=1)
    step("modunload chain_a")
    step("sysctl kern.module.autotime")
    step("sleep 11")
    step("modstat")
    if system.modctl_stat():
        raise DemoFailed("chain_b and chain_c were not auto-unloaded")
    return 0
