"""Real Debian 6.1 modules as end-to-end tests: where they are, and a booted kernel with
them loaded. The corpus is fetched by tools/fetch_debian_modules.py (never committed); a test
needing a module that is not there is skipped, naming the command that fetches it."""
from __future__ import annotations

import pytest

import kemu

from .conftest import load_tool


def debian_module(name: str, arch: str) -> str:
    """The path of Debian's `name`.ko for `arch`, or skip the test."""
    path = load_tool("fetch_debian_modules").find_cached_module(name, arch=arch)
    if path is None:
        pytest.skip(f"Debian's {arch} {name}.ko is not fetched "
                    f"(python3 tools/fetch_debian_modules.py --arch {arch})")
    return str(path)


def boot_with(arch: str, *names: str, lenient: bool = False):
    """A fresh Linux with Debian's modules `names` inserted in order."""
    paths = [debian_module(n, arch) for n in names]
    system = kemu.boot("linux", arch)
    for path in paths:
        system.insmod(path, lenient=lenient)
    return system


def read_text(system, path: str, limit: int = 1 << 16) -> str:
    """The text of a /proc or /sys file as a console's cat would read it."""
    fd = system.open(path)
    try:
        return system.read(fd, limit).decode()
    finally:
        system.close(fd)
