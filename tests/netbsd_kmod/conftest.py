"""A booted NetBSD 10 kernel per test, its module directory the committed gcc fixtures."""
from __future__ import annotations

import io

import pytest

import kemu
from kemu.paths import ROOT

FIXTURES = ROOT / "fixtures" / "netbsd"


@pytest.fixture(params=["x86_64", "i386"])
def arch(request) -> str:
    return request.param


@pytest.fixture
def system(arch):
    s = kemu.boot("netbsd", arch, modules=str(FIXTURES / arch / "gcc"))
    return s


def run(system, script: str) -> tuple[int, str, str]:
    """Run console lines; (status of the last, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    status = system.shell(out=out, err=err).run_script(script, stop_on_error=False)
    return status, out.getvalue(), err.getvalue()
