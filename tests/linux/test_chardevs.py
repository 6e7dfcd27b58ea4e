"""Char drivers reached through kemu's /dev: fibo (cdev + class + device_create), its
register_chrdev variant, and a misc device, with real struct file/inode, on both arches."""
from __future__ import annotations

import struct

import pytest

import kemu
from kemu.kernel import SyscallError
from kemu.os.linux.procfs import lsmod
from kemu.os.linux.rmmod import RmmodError

from .conftest import ARCHES, ko

FIBO_IOC_RESET = 0x6600                   # _IO('f', 0)
FIBO_IOC_INDEX = 0x80046601               # _IOR('f', 1, __u32)


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def fibs(n):
    a, b, out = 1, 1, []
    for _ in range(n):
        out.append(a)
        a, b = b, a + b
    return out


def test_fibo_nodes_appear_with_the_dynamic_major(linux):
    linux.insmod(str(ko(linux.arch, "fibo")))
    assert linux.devfs.glob("/dev/fibo*") == [f"/dev/fibo{i}" for i in range(8)]
    node = linux.devfs.lookup("/dev/fibo3")
    assert (node.major, node.minor) == (254, 3)
    assert "254 fibo\n" in linux.chrdevs.proc_devices()


def test_fibo_read_returns_fibonacci_numbers(linux):
    linux.insmod(str(ko(linux.arch, "fibo")))
    fd = linux.open("/dev/fibo0")
    assert list(struct.unpack("<10I", linux.read(fd, 40))) == fibs(10)
    linux.close(fd)


def test_fibo_write_llseek_and_ioctl_move_the_sequence(linux):
    linux.insmod(str(ko(linux.arch, "fibo")))
    fd = linux.open("/dev/fibo1", "rw")
    assert linux.lseek(fd, 8, 0) == 8
    assert struct.unpack("<I", linux.read(fd, 4)) == (2,)
    linux.write(fd, struct.pack("<I", 47))
    assert struct.unpack("<I", linux.read(fd, 4)) == (2971215073,)
    linux.ioctl(fd, FIBO_IOC_RESET, 0)
    assert struct.unpack("<I", linux.read(fd, 4)) == (1,)
    linux.close(fd)


def test_fibo_short_read_is_einval(linux):
    linux.insmod(str(ko(linux.arch, "fibo")))
    fd = linux.open("/dev/fibo0")
    with pytest.raises(SyscallError) as exc:
        linux.read(fd, 3)
    assert exc.value.name == "EINVAL"


def test_an_open_device_holds_its_module(linux):
    linux.insmod(str(ko(linux.arch, "fibo")))
    fd = linux.open("/dev/fibo0")
    assert lsmod(linux).splitlines()[1].split()[2] == "1"
    with pytest.raises(RmmodError) as exc:
        linux.rmmod("fibo")
    assert exc.value.output == "rmmod: ERROR: Module fibo is in use\n"
    linux.close(fd)
    linux.rmmod("fibo")
    assert linux.devfs.glob("/dev/fibo*") == [] and linux.kernel.heap.leaks() == []
    assert "fibo" not in linux.chrdevs.proc_devices()


def test_open_of_a_number_without_cdev_is_enxio(linux):
    linux.devfs.mknod("/dev/nothing", "c", 240, 0)
    with pytest.raises(SyscallError) as exc:
        linux.open("/dev/nothing")
    assert exc.value.name == "ENXIO"


def test_register_chrdev_variant_gets_a_major_and_gives_it_back(linux):
    linux.insmod(str(ko(linux.arch, "fibo_chrdev")))
    assert "254 fibo_chrdev\n" in linux.chrdevs.proc_devices()
    linux.devfs.mknod("/dev/fibo_c0", "c", 254, 0)
    fd = linux.open("/dev/fibo_c0")
    assert list(struct.unpack("<3I", linux.read(fd, 12))) == [1, 1, 2]
    linux.close(fd)
    linux.rmmod("fibo_chrdev")
    assert "fibo_chrdev" not in linux.chrdevs.proc_devices()


def test_misc_device_gets_major_10_and_a_dynamic_minor(linux):
    linux.insmod(str(ko(linux.arch, "echo_misc")))
    node = linux.devfs.lookup("/dev/kemu_echo")
    assert (node.major, node.minor) == (10, 127)
    fd = linux.open("/dev/kemu_echo", "rw")
    linux.write(fd, b"hi there")
    assert linux.read(fd, 20) == b"hi there"
    linux.close(fd)
    linux.rmmod("echo_misc")
    assert linux.devfs.lookup("/dev/kemu_echo") is None
