"""A booted FreeBSD personality per test, over the committed fixture klds of one arch."""
from __future__ import annotations

import pytest

import kemu
from kemu.paths import fixture

ARCHES = ("x86_64", "i386")


def fixture_dir(arch: str, compiler: str = "gcc") -> str:
    return str(fixture("freebsd", arch, compiler))


@pytest.fixture(params=ARCHES)
def arch(request) -> str:
    return request.param


@pytest.fixture
def system(arch):
    """FreeBSD on `arch` with the gcc fixtures as its only module path."""
    return kemu.boot("freebsd", arch, module_path=[fixture_dir(arch)])


def expect_error(system, name: str, call, *args):
    """Run `call`; it must fail with FreeBSD's errno `name`."""
    from kemu.kernel import SyscallError
    with pytest.raises(SyscallError) as info:
        call(*args)
    assert info.value.errno == system.errno.value(name), info.value
    return info.value
