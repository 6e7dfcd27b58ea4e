"""Debian's fs/qnx4/qnx4.ko and fs/minix/minix.ko register their filesystem types: while
loaded they are in /proc/filesystems (as the kernel prints it: built-in types first, "nodev"
for those needing no block device) and on the kernel's list through their own `next`
fields; unloading unregisters them and destroys their inode caches.

They are loaded leniently: the VFS functions their mount path needs (iget_locked,
sb_bread …) are not in kemu, and become logging stubs; the tests check that init and exit
never reach one — registration, the inode cache and its teardown are all real services."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus


def proc_filesystems(system) -> str:
    fd = system.open("/proc/filesystems")
    try:
        return system.read(fd, 8192).decode()
    finally:
        system.close(fd)


def _signed(system, value: int) -> int:
    bits = 8 * system.machine.word_size
    return value - (1 << bits) if value >> (bits - 1) else value


@pytest.mark.parametrize("arch", ARCHES)
def test_qnx4_is_listed_in_proc_filesystems_only_while_loaded(arch):
    system = boot_with(arch, "qnx4", lenient=True)
    text = proc_filesystems(system)
    assert text.startswith("nodev\tsysfs\nnodev\ttmpfs\n")
    assert text.endswith("nodev\tpstore\n\tqnx4\n")           # FS_REQUIRES_DEV: no "nodev"
    qnx4 = system.filesystems.types[-1]
    assert qnx4.module is system.find_module("qnx4")
    system.rmmod("qnx4")
    assert "qnx4" not in proc_filesystems(system)
    assert system.kernel.missing_calls == []                  # init and exit used real services only
    assert system.leaks() == [] and system.caches.keys().isdisjoint({qnx4.addr})


@pytest.mark.parametrize("arch", ARCHES)
def test_registered_types_are_chained_through_their_next_fields(arch):
    system = boot_with(arch, "qnx4", "minix", lenient=True)
    qnx4, minix = system.filesystems.types[-2], system.filesystems.types[-1]
    lay, mem = system.layout, system.machine.mem
    next_of = lambda fs: mem.read_ptr(fs.addr + lay.offset("struct file_system_type", "next"))   # noqa: E731
    name_of = lambda fs: system.kernel.read_str(                                                   # noqa: E731
        mem.read_ptr(fs.addr + lay.offset("struct file_system_type", "name"))).decode()
    assert (name_of(qnx4), name_of(minix)) == ("qnx4", "minix")
    assert next_of(qnx4) == minix.addr and next_of(minix) == 0
    system.rmmod("qnx4")
    assert proc_filesystems(system).endswith("nodev\tpstore\n\tminix\n")
    assert _signed(system, system.call("register_filesystem", minix.addr)) == -system.errno.EBUSY
    system.rmmod("minix")
    assert _signed(system, system.call("unregister_filesystem", minix.addr)) == -system.errno.EINVAL
    assert system.kernel.missing_calls == []
