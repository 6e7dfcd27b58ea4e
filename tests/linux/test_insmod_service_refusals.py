"""A service refusing what a module's init asks of it ends that insmod cleanly: the kernel's
error, the module retired, the machine loading it again once the obstacle is gone."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.insmod import InsmodError

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def test_a_device_node_in_the_way_fails_insmod_with_eexist_and_retires_the_module(linux):
    linux.kernel.devfs.mknod("/dev/fibo3", "c", 1, 1, 0o600)       # fibo's init makes fibo0..7
    with pytest.raises(InsmodError) as info:
        linux.insmod(str(ko(linux.arch, "fibo")))
    assert info.value.name == "EEXIST"
    assert "mknod: /dev/fibo3: File exists" in linux.dmesg()
    assert linux.modules() == []
    linux.kernel.devfs.unlink("/dev/fibo3")
    linux.insmod(str(ko(linux.arch, "fibo")))
    assert [m.name for m in linux.modules()] == ["fibo"]
