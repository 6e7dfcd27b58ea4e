"""Dynamic sysctls (sysctl_ctx_init/free, sysctl_add_oid through SYSCTL_ADD_*), ioctls with
_IOR/_IOW/_IOWR copied in and out, make_dev_alias and a D_NEEDGIANT cdevsw: fixture dynsys on
both arches."""
from __future__ import annotations

import struct

import kemu

from .conftest import expect_error, fixture_dir
from .test_commands import Console

DYNSYS_GET, DYNSYS_SET, DYNSYS_ADD = 0x40044401, 0x80044402, 0xC0084403


def test_sysctl_lists_the_dynamic_tree_and_sets_its_values(arch):
    console = Console(kemu.boot("freebsd", arch), fixture_dir(arch))
    status, out, _ = console.run("kldload dynsys")
    assert status == 0 and "dynsys: loaded, alias dynsys_alias of dynsys" in out
    assert console.run("sysctl debug.dynsys")[1] == (
        "debug.dynsys.count: 0\ndebug.dynsys.limit: 10\ndebug.dynsys.total: 0\n"
        "debug.dynsys.name: dynsys\ndebug.dynsys.stats.doubled: 0\n")
    assert console.run("sysctl debug.dynsys.count=4 debug.dynsys.name=hello")[1] == (
        "debug.dynsys.count: 0 -> 4\ndebug.dynsys.name: dynsys -> hello\n")
    assert console.run("sysctl -n debug.dynsys.stats.doubled")[1] == "8\n"
    status, _, err = console.run("sysctl debug.dynsys.total=3")
    assert status == 1 and "debug.dynsys.total" in err


def test_the_oids_are_real_dynamic_sysctl_oids_and_go_with_sysctl_ctx_free(system):
    system.kldload("dynsys")
    oid = system.sysctl.find("debug.dynsys.count")
    kind = system.machine.mem.read_int(oid.addr + system.layouts.offset("sysctl_oid", "oid_kind"), 4)
    assert kind & 0x02000000                                        # CTLFLAG_DYN
    assert oid.addr in {a.addr for a in system.kernel.heap.leaks("sysctloid")}
    system.unload("dynsys.ko")
    assert "dynsys" not in system.sysctl.find("debug").children
    assert system.kernel.heap.leaks("sysctloid") == []
    assert system.dmesg().endswith("dynsys: unloaded at count 0\n")


def test_ioctl_copies_in_out_and_both_ways_and_unknown_commands_are_enotty(system):
    system.kldload("dynsys")
    fd = system.open("/dev/dynsys", "rw")
    system.ioctl(fd, DYNSYS_SET, struct.pack("<i", 7))
    assert struct.unpack("<i", system.ioctl(fd, DYNSYS_GET, bytes(4)).data)[0] == 7
    result = system.ioctl(fd, DYNSYS_ADD, struct.pack("<ii", 3, 0))
    assert struct.unpack("<ii", result.data) == (3, 10)
    expect_error(system, "EINVAL", system.ioctl, fd, DYNSYS_SET, struct.pack("<i", 11))
    expect_error(system, "ENOTTY", system.ioctl, fd, 0x40044409, bytes(4))
    assert system.sysctl.read(system.sysctl.find("debug.dynsys.total")) == 2
    system.close(fd)


def test_the_alias_opens_the_same_device_and_goes_with_it(system):
    system.kldload("dynsys")
    assert system.devfs.glob("/dev/dynsys*") == ["/dev/dynsys", "/dev/dynsys_alias"]
    fd = system.open("/dev/dynsys_alias", "rw")
    system.ioctl(fd, DYNSYS_SET, struct.pack("<i", 2))
    system.close(fd)
    assert system.sysctl.read(system.sysctl.find("debug.dynsys.count")) == 2
    system.unload("dynsys.ko")
    assert system.devfs.glob("/dev/dynsys*") == []


def test_sysctl_add_oid_refuses_to_reuse_a_leaf_with_freebsds_message(system):
    system.kldload("dynsys")
    call = lambda name, *a: system.call_guest(system.kernel.symbols.lookup(name), *a, what=name)  # noqa: E731
    name = system.kernel.heap.alloc(8, "test")
    system.machine.mem.write(name, b"count\0")
    parent = system.sysctl.find("debug.dynsys")
    children = parent.addr + system.layouts.offset("sysctl_oid", "oid_children")
    arg2 = (0,) if system.machine.word_size == 8 else (0, 0)
    assert call("sysctl_add_oid", 0, children, -1, name, 2, 0, *arg2, 0, 0, 0, 0) == 0
    assert "can't re-use a leaf (debug.dynsys.count)!" in system.dmesg()


def test_per_open_data_from_devfs_set_cdevpriv_is_per_file_and_freed_on_close(system):
    system.kldload("dynsys")
    mine = 0x40044404                                   # DYNSYS_MINE _IOR('D', 4, int)
    a, b = system.open("/dev/dynsys", "r"), system.open("/dev/dynsys_alias", "r")
    uses = lambda fd: struct.unpack("<i", system.ioctl(fd, mine, bytes(4)).data)[0]  # noqa: E731
    assert [uses(a), uses(a), uses(b), uses(a)] == [1, 2, 1, 3]
    system.close(a)
    assert system.dmesg().endswith("dynsys: per-open data freed after 3 uses\n")
    system.close(b)
    assert system.dmesg().endswith("dynsys: per-open data freed after 1 uses\n")
    assert system.kernel.heap.leaks("dynsys") == []
