"""vm_mmap / vm_munmap (services/vm_mmap.py): anonymous user memory a module maps for itself
is zeroed, page-aligned, copyable to and from, and faults (-EFAULT copies) once unmapped."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES

PROT_RW, MAP_PRIVATE_ANON = 0x3, 0x22


def _signed(system, ret: int) -> int:
    bits = 8 * system.machine.word_size
    return ret - (1 << bits) if ret >> (bits - 1) else ret


@pytest.mark.parametrize("arch", ARCHES)
def test_an_anonymous_mapping_is_user_memory_until_unmapped(arch):
    system = kemu.boot("linux", arch)
    addr = system.call("vm_mmap", 0, 0, 5000, PROT_RW, MAP_PRIVATE_ANON, 0)
    assert addr % 4096 == 0 and system.kernel.user.contains(addr, 8192)
    src = system.kernel.heap.alloc(16, "test")
    system.machine.mem.write(src, b"sixteen bytes!!\0")
    assert system.call("_copy_to_user", addr + 4090, src, 16) == 0
    assert system.machine.mem.read(addr + 4090, 16) == b"sixteen bytes!!\0"
    assert system.call("vm_munmap", addr, 5000) == 0
    assert system.call("_copy_to_user", addr, src, 16) == 16


@pytest.mark.parametrize("arch", ARCHES)
def test_file_and_non_anonymous_mappings_are_refused(arch):
    system = kemu.boot("linux", arch)
    assert _signed(system, system.call("vm_mmap", 0x1234, 0, 4096, PROT_RW, 0x2, 0)) == -system.errno.ENODEV
    assert _signed(system, system.call("vm_mmap", 0, 0, 4096, PROT_RW, 0x2, 0)) == -system.errno.EINVAL
    assert _signed(system, system.call("vm_mmap", 0, 0, 0, PROT_RW, MAP_PRIVATE_ANON, 0)) == -system.errno.EINVAL
