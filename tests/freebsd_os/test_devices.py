"""devfs and the cdevsw: nodes appear with make_dev and go with destroy_dev (or the kld),
and open/read/write/ioctl reach the module's entry points with a real struct uio."""
from __future__ import annotations

import struct

from .conftest import expect_error


def test_make_dev_nodes_appear_with_owner_group_and_mode_and_go_on_unload(system):
    fid = system.kldload("fibo")
    nodes = [system.devfs.stat(f"/dev/fibo{i}") for i in range(8)]
    assert all((n.kind, n.uid, n.gid, n.mode) == ("c", 0, 0, 0o444) for n in nodes)
    system.kldunload(fid)
    assert system.devfs.glob("/dev/fibo*") == []


def test_make_dev_s_node_has_the_mode_of_its_args(system):
    system.kldload("echo")
    assert system.devfs.stat("/dev/echo").mode == 0o600


def test_fibo_reads_the_sequence_through_uiomove_and_the_offset_advances(system):
    system.kldload("fibo")
    fd = system.open("/dev/fibo3")
    data = system.read(fd, 4 * 6)
    assert struct.unpack("<6I", data) == (1, 1, 2, 3, 5, 8)
    assert system.kernel.files.get(fd).offset == 24
    expect_error(system, "EINVAL", system.read, fd, 3)
    system.close(fd)


def test_an_open_device_makes_unload_busy_and_a_second_open_is_refused(system):
    fid = system.kldload("fibo")
    fd = system.open("/dev/fibo0")
    expect_error(system, "EBUSY", system.open, "/dev/fibo0")
    expect_error(system, "EBUSY", system.kldunload, fid)
    system.close(fd)
    system.kldunload(fid)


def test_echo_keeps_what_was_written_and_reads_it_back_from_the_file_offset(system):
    system.kldload("echo")
    fd = system.open("/dev/echo", "w")
    assert system.write(fd, b"hello world") == 11
    system.close(fd)
    fd = system.open("/dev/echo", "r")
    assert system.read(fd, 5) == b"hello"
    assert system.read(fd, 100) == b" world"
    assert system.read(fd, 100) == b""
    system.close(fd)
    assert "echo: open echo" in system.dmesg() and "echo: close echo" in system.dmesg()


def test_echo_refuses_a_write_longer_than_its_buffer(system):
    system.kldload("echo")
    fd = system.open("/dev/echo", "w")
    expect_error(system, "EINVAL", system.write, fd, b"x" * 300)
    system.close(fd)


def test_ioctl_out_data_comes_back_through_the_kernel_buffer(system):
    system.kldload("cdev")
    fd = system.open("/dev/cdev", "rw")
    system.write(fd, b"abc")
    result = system.ioctl(fd, 0x40044301, bytes(4))      # CDEV_IOCTL1 _IOR('C', 1, u_int)
    assert struct.unpack("<I", result.data)[0] == 1
    assert "cdev: CDEV_IOCTL1 called" in system.dmesg()
    system.close(fd)
    fd = system.open("/dev/cdev", "r")
    assert system.read(fd, 10) == b"cba"
    system.close(fd)


def test_a_node_without_a_device_is_enxio_after_its_kld_goes(system):
    fid = system.kldload("fibo")
    system.kldunload(fid)
    expect_error(system, "ENOENT", system.open, "/dev/fibo0")
