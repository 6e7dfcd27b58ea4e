"""The errors fibo's own code returns, reaching the caller as NetBSD errno values."""
from __future__ import annotations

import struct

import pytest

from kemu.kernel import SyscallError


def _errno_of(call, *args):
    with pytest.raises(SyscallError) as info:
        call(*args)
    return info.value


def test_opening_minor_8_is_ENODEV(fibo):
    fibo.devfs.mknod("/dev/fibo8", "c", 29, 8, 0o666)
    err = _errno_of(fibo.open, "/dev/fibo8")
    assert (err.errno, err.name, err.message) == (19, "ENODEV", "Operation not supported by device")


def test_second_open_of_a_minor_is_EBUSY(fibo):
    fibo.open("/dev/fibo2")
    err = _errno_of(fibo.open, "/dev/fibo2")
    assert (err.errno, err.name, err.message) == (16, "EBUSY", "Device busy")


def test_read_shorter_than_4_bytes_is_EINVAL(fibo):
    fd = fibo.open("/dev/fibo0")
    err = _errno_of(fibo.read, fd, 3)
    assert (err.errno, err.name) == (22, "EINVAL")


def test_read_of_6_bytes_returns_one_whole_number(fibo):
    fd = fibo.open("/dev/fibo0")
    assert fibo.read(fd, 6) == struct.pack("<I", 1)


def test_write_is_ENODEV(fibo):
    fd = fibo.open("/dev/fibo1", "w")
    err = _errno_of(fibo.write, fd, b"1234")
    assert (err.errno, err.name) == (19, "ENODEV")


def test_ioctl_is_ENODEV(fibo):
    fd = fibo.open("/dev/fibo1")
    err = _errno_of(fibo.ioctl, fd, 0x20004501)
    assert err.name == "ENODEV"


def test_a_failed_open_does_not_count_as_open(fibo):
    fibo.devfs.mknod("/dev/fibo9", "c", 29, 9, 0o666)
    _errno_of(fibo.open, "/dev/fibo9")
    fibo.modunload(name="fibo")          # nothing is open, so fibo agrees


def test_reopening_restarts_the_sequence(fibo):
    fd = fibo.open("/dev/fibo4")
    fibo.read(fd, 40)
    fibo.close(fd)
    fd = fibo.open("/dev/fibo4")
    assert struct.unpack("<3I", fibo.read(fd, 12)) == (1, 1, 2)


def test_node_for_a_major_nobody_drives_is_ENXIO(fibo):
    fibo.devfs.mknod("/dev/wd0", "c", 3, 0, 0o640)     # a built-in driver kemu does not emulate
    assert _errno_of(fibo.open, "/dev/wd0").name == "ENXIO"


def test_missing_node_is_ENOENT(fibo):
    assert _errno_of(fibo.open, "/dev/nosuch").name == "ENOENT"


def test_makedev_is_netbsd_1_6s_encoding():
    from kemu.os.netbsd_lkm.devices import major, makedev, minor
    assert makedev(29, 0) == 0x1D00 and makedev(29, 7) == 0x1D07
    dev = makedev(4095, 0x12345)
    assert (major(dev), minor(dev)) == (4095, 0x12345)


def test_the_module_sees_the_minor_of_the_node_opened(fibo):
    fibo.devfs.mknod("/dev/fibo-seven", "c", 29, 7, 0o666)
    fd = fibo.open("/dev/fibo-seven")
    with pytest.raises(SyscallError) as info:
        fibo.open("/dev/fibo7")                 # same minor: fibo's per-minor count says busy
    assert info.value.name == "EBUSY"
    fibo.close(fd)
