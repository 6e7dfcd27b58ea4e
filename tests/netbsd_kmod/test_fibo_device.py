"""The modern fibo: devsw_attach picks a major, reads go through NetBSD 10's cdevsw and uio
(64-bit dev_t: two stack slots on i386), FINI refuses while a minor is open, devsw_detach."""
from __future__ import annotations

import struct

import pytest

from kemu.kernel import SyscallError


def attach(system) -> int:
    system.modctl_load("fibo")
    major = system.devsw.conv["fibo"][1]
    for minor in (0, 1, 8):
        system.devfs.mknod(f"/dev/fibo{minor}", "c", major, minor, 0o444, 0, 0)
    return major


def test_reads_return_fibonacci_numbers(system):
    major = attach(system)
    assert f"fibo: FIBONACCI driver loaded successfully (major {major})" in system.dmesg()
    fd = system.open("/dev/fibo0")
    assert struct.unpack("<10I", system.read(fd, 40)) == (1, 1, 2, 3, 5, 8, 13, 21, 34, 55)
    system.close(fd)


def test_one_open_per_minor_and_enxio_past_seven(system):
    attach(system)
    fd = system.open("/dev/fibo1")
    with pytest.raises(SyscallError) as info:
        system.open("/dev/fibo1")
    assert info.value.name == "EBUSY"
    with pytest.raises(SyscallError) as info:
        system.open("/dev/fibo8")
    assert info.value.name == "ENXIO"
    system.close(fd)


def test_unload_is_refused_while_open_then_detaches(system):
    attach(system)
    fd = system.open("/dev/fibo0")
    with pytest.raises(SyscallError) as info:
        system.modctl_unload("fibo")
    assert info.value.name == "EBUSY"
    system.close(fd)
    system.modctl_unload("fibo")
    with pytest.raises(SyscallError) as info:
        system.open("/dev/fibo0")
    assert info.value.name == "ENXIO"
    loaded = system.kernel.loader.retired[-1]
    assert loaded.left_behind == [] and loaded.leaked == []


def test_the_same_name_gets_the_same_major_again(system):
    major = attach(system)
    system.modctl_unload("fibo")
    system.modctl_load("fibo")
    assert system.devsw.conv["fibo"][1] == major and system.devsw.cdev_at(major) is not None


def test_an_ioctl_reaches_the_drivers_noioctl_which_answers_enodev(system):
    attach(system)
    fd = system.open("/dev/fibo0")
    with pytest.raises(SyscallError) as info:
        system.ioctl(fd, 0x20006601, 0)                  # _IO('f', 1): fibo's d_ioctl is noioctl
    assert info.value.name == "ENODEV"
    system.close(fd)


def test_a_write_reaches_nowrite(system):
    attach(system)
    fd = system.open("/dev/fibo0", "rw")
    with pytest.raises(SyscallError) as info:
        system.write(fd, b"1234")
    assert info.value.name == "ENODEV"
    system.close(fd)
