"""register_key_type (services/registries.py): a key type goes on the key type list once;
its name again, or the name of one of the kernel's own types, is -EEXIST."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


def _key_type(system, name: bytes) -> int:
    lay, mem = system.layout, system.machine.mem
    text = system.kernel.heap.alloc(len(name) + 1, "test", zero=True)
    mem.write(text, name + b"\0")
    ktype = system.kernel.heap.alloc(lay.size("struct key_type"), "test", zero=True)
    mem.write_ptr(ktype + lay.offset("struct key_type", "name"), text)
    return ktype


def _signed(ret: int) -> int:
    ret &= 0xFFFFFFFF
    return ret - (1 << 32) if ret & 0x80000000 else ret


@pytest.mark.parametrize("arch", ARCHES)
def test_a_key_type_registers_once_and_unregisters(arch):
    system = kemu.boot("linux", arch)
    ceph = _key_type(system, b"ceph")
    assert system.call("register_key_type", ceph) == 0
    assert "Key type ceph registered" in system.dmesg()
    assert _signed(system.call("register_key_type", _key_type(system, b"ceph"))) == -system.errno.EEXIST
    system.call("unregister_key_type", ceph)
    assert system.registries["key_types"].entries == []
    assert system.call("register_key_type", ceph) == 0


@pytest.mark.parametrize("arch", ARCHES)
def test_the_kernels_own_key_type_names_are_taken(arch):
    system = kemu.boot("linux", arch)
    assert _signed(system.call("register_key_type", _key_type(system, b"keyring"))) == -system.errno.EEXIST
