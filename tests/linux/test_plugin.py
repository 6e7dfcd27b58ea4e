"""The pytest plugin boots a Linux kernel: a module author's regression test."""
from __future__ import annotations

import struct

import pytest

from .conftest import ko


@pytest.mark.kemu(os="linux", arch="x86_64")
def test_plugin_loads_fibo_on_x86_64(kemu_system, kemu_load, kemu_open):
    module = kemu_load(str(ko("x86_64", "fibo")))
    assert module.name == "fibo"
    fd = kemu_open("/dev/fibo0", "r")
    assert struct.unpack("<4I", kemu_system.read(fd, 16)) == (1, 1, 2, 3)


@pytest.mark.kemu(os="linux", arch="i386")
def test_plugin_loads_a_stack_on_i386(kemu_system, kemu_load):
    kemu_load(str(ko("i386", "stack_base")))
    kemu_load(str(ko("i386", "stack_user")))
    assert "stack_user: 2 + 3 = 5" in kemu_system.dmesg()
