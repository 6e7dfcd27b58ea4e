"""Fixtures for the NetBSD 1.6 LKM personality: a freshly booted system per test, and the
committed module objects (fixtures/netbsd-lkm/<arch>/<compiler>/<name>.o) for every arch and
compiler that is present."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from kemu.os.netbsd_lkm.system import NetBSDLKM
from kemu.paths import FIXTURES, GUEST

LKM_FIXTURES = FIXTURES / "netbsd-lkm"
ARCHES = ("i386", "x86_64")
COMPILERS = ("gcc", "clang")
COMBOS = [(a, c) for a in ARCHES for c in COMPILERS if (LKM_FIXTURES / a / c / "fibo.o").is_file()]
POSTINSTALL = GUEST / "netbsd-lkm" / "fibo" / "fibo_postinstall.sh"
# seconds of wall time per guest call: short, so `spin` ends soon, yet with room for a loaded
# machine (at 0.3 s, fibo's modload timed out under a full test run beside other jobs)
FAST_TIMEOUT = 1.0


class Modules:
    """Paths of one arch/compiler's fixture objects: `modules.fibo` → ".../fibo.o"."""

    def __init__(self, arch: str, compiler: str):
        self.arch, self.compiler = arch, compiler
        self.dir = LKM_FIXTURES / arch / compiler

    def __getattr__(self, name: str) -> str:
        path = self.dir / f"{name}.o"
        if not path.is_file():
            pytest.skip(f"fixture {path} is not built")
        return str(path)


@pytest.fixture(params=COMBOS, ids=[f"{a}-{c}" for a, c in COMBOS])
def modules(request) -> Modules:
    return Modules(*request.param)


@pytest.fixture
def system(modules) -> NetBSDLKM:
    """A freshly booted kernel of the arch the modules were built for."""
    return NetBSDLKM(modules.arch, call_timeout=FAST_TIMEOUT)


@pytest.fixture(params=ARCHES)
def bare_system(request) -> NetBSDLKM:
    """A booted kernel per arch, for tests that load nothing."""
    return NetBSDLKM(request.param, call_timeout=FAST_TIMEOUT)


class Run:
    """A command's exit status and its two output streams."""

    def __init__(self, status: int, out: str, err: str):
        self.status, self.out, self.err = status, out, err

    def __repr__(self) -> str:
        return f"Run(status={self.status}, out={self.out!r}, err={self.err!r})"


def run(system: NetBSDLKM, *argv: str, cwd: str | None = None) -> Run:
    """Run one NetBSD command (modload, modstat, ls …) and capture what it printed."""
    out, err = io.StringIO(), io.StringIO()
    status = system.run_command(list(argv), out, err, cwd=cwd or os.getcwd())
    return Run(status, out.getvalue(), err.getvalue())


@pytest.fixture
def fibo(system, modules) -> NetBSDLKM:
    """A system with fibo.o loaded and /dev/fibo0..7 made by its post-install script."""
    result = run(system, "modload", "-e", "fibo_lkmentry", "-p", str(POSTINSTALL), modules.fibo)
    assert result.status == 0, result
    return system


@pytest.fixture
def echodev(system, modules) -> NetBSDLKM:
    """A system with echodev.o loaded and /dev/echo0 made for its major."""
    loaded = system.modload(modules.echodev)
    system.devfs.mknod("/dev/echo0", "c", loaded.offset, 0, 0o666)
    return system
