"""A misc driver with _IO/_IOR/_IOW/_IOWR ioctls (guest/linux/ioctl), both arches."""
from __future__ import annotations

import struct

import pytest

import kemu
from kemu.kernel import SyscallError

from .conftest import ARCHES, ko


def IOC(direction: int, kind: str, nr: int, size: int) -> int:
    return (direction << 30) | (size << 16) | (ord(kind) << 8) | nr


RESET, GET, SET, ADD = IOC(0, "k", 0, 0), IOC(2, "k", 1, 4), IOC(1, "k", 2, 4), IOC(3, "k", 3, 8)


@pytest.fixture(params=ARCHES)
def dev(request):
    linux = kemu.boot("linux", request.param)
    linux.insmod(str(ko(linux.arch, "kemu_ioctl")))
    return linux, linux.open("/dev/kemu_ioctl", "rw")


def test_iow_then_ior_round_trip_the_counter(dev):
    linux, fd = dev
    assert linux.ioctl(fd, SET, struct.pack("<I", 5)).value == 0
    assert linux.ioctl(fd, GET, bytes(4)).data == struct.pack("<I", 5)


def test_iowr_reads_its_argument_and_writes_the_result_back(dev):
    linux, fd = dev
    linux.ioctl(fd, SET, struct.pack("<I", 5))
    result = linux.ioctl(fd, ADD, struct.pack("<II", 3, 4))
    assert (result.value, struct.unpack("<II", result.data)) == (0, (12, 2))
    assert linux.read(fd, 16) == b"12\n"


def test_io_without_argument_resets(dev):
    linux, fd = dev
    linux.ioctl(fd, SET, struct.pack("<I", 5))
    assert linux.ioctl(fd, RESET, 0).value == 0
    assert linux.ioctl(fd, GET, bytes(4)).data == bytes(4)


@pytest.mark.parametrize("cmd", [IOC(0, "x", 0, 0), IOC(0, "k", 9, 0), IOC(2, "k", 1, 8)])
def test_unknown_commands_are_enotty(dev, cmd):
    linux, fd = dev
    with pytest.raises(SyscallError, match="ENOTTY"):
        linux.ioctl(fd, cmd, bytes(8))


def test_a_bad_user_pointer_is_efault_and_a_bad_value_einval(dev):
    linux, fd = dev
    with pytest.raises(SyscallError, match="EFAULT"):
        linux.ioctl(fd, GET, 0x10)
    with pytest.raises(SyscallError, match="EINVAL"):
        linux.ioctl(fd, SET, struct.pack("<I", 5000))
