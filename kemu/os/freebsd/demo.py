"""`kemu demo --os freebsd`: the fibo driver on FreeBSD 14.3 from start to end, as a console
transcript.

Every command runs in kemu's FreeBSD console against the built-in fibo.ko fixture of the arch,
so what is printed is what the emulated system answered: kldload, kldstat -v, the device
nodes make_dev made, numbers read from /dev/fibo0 through the driver's uiomove, an unload
refused while a device is held open (MOD_QUIESCE says EBUSY), then the unload and kldstat.
"""
from __future__ import annotations

from typing import TextIO

from kemu.paths import fixture


class DemoFailed(Exception):
    """The emulated system did not do what FreeBSD does."""


STEPS = (
    ("kldload -v fibo", 0),
    ("kldstat -v -n fibo.ko", 0),
    ("ls -l /dev/fibo*", 0),
    ("od -An -tu4 -N 64 /dev/fibo0", 0),
    ("exec 3< /dev/fibo0", 0),
    ("kldunload -v fibo", 1),
    ("exec 3<&-", 0),
    ("kldunload -v fibo", 0),
    ("kldstat", 0),
)


def run_demo(out: TextIO, arch: str = "x86_64", compiler: str = "gcc") -> int:
    """Print the transcript to `out`; 0 if every step behaved as on FreeBSD."""
    from .system import FreeBSD

    directory = fixture("freebsd", arch, compiler)
    if not (directory / "fibo.ko").is_file():
        raise DemoFailed(f"missing {directory / 'fibo.ko'}: the built-in fixtures come with kemu's "
                         f"source tree (rebuild them with tools/build_freebsd_fixtures.py)")
    system = FreeBSD(arch, module_path=[str(directory)])
    shell = system.shell(out=out, err=out, cwd=str(directory), echo=True)
    try:
        for line, expect in STEPS:
            status = shell.run_line(line)
            if status != expect:
                raise DemoFailed(f"`{line}' exited {status}, FreeBSD exits {expect}")
    finally:
        shell.close_all()
    return 0
