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


def _cdevsw(system, version: int, name: bytes = b"bad") -> int:
    lay = system.layouts
    devsw = system.kernel_data(lay.size("cdevsw"))
    name_at = system.kernel_data(len(name) + 1, value=name + b"\0")
    system.machine.mem.write_int(devsw + lay.offset("cdevsw", "d_version"), 4, version)
    system.machine.mem.write_int(devsw + lay.offset("cdevsw", "d_name"), system.machine.word_size, name_at)
    return devsw


def test_a_cdevsw_of_the_wrong_version_is_disabled_with_freebsds_warning(system):
    devsw = _cdevsw(system, 0x17122009)                     # D_VERSION_03: a FreeBSD 12 driver
    error, cdev = system.devices.make(devsw, 0, 0, 0, 0o600, b"bad0", flags=0, caller=None)
    assert error == 0 and cdev
    assert ('WARNING: Device driver "bad" has wrong version and is disabled.  Recompile KLD module.'
            in system.dmesg())
    expect_error(system, "ENXIO", system.open, "/dev/bad0")
    flags = system.machine.mem.read_int(devsw + system.layouts.offset("cdevsw", "d_flags"), 4)
    assert flags & system.layouts.const("D_INIT")


def test_null_entries_default_open_succeeds_and_read_is_enodev(system):
    devsw = _cdevsw(system, system.layouts.const("D_VERSION"), b"plain")
    system.devices.make(devsw, 0, 0, 0, 0o666, b"plain", flags=0, caller=None)
    fd = system.open("/dev/plain")
    expect_error(system, "ENODEV", system.read, fd, 4)
    system.close(fd)


def test_bad_device_names_are_errors_with_checkname_and_panics_without(system):
    import pytest
    from kemu.kernel import KernelPanic
    devsw = _cdevsw(system, system.layouts.const("D_VERSION"), b"n")
    check = system.layouts.const("MAKEDEV_CHECKNAME")
    e = system.errno
    system.devices.make(devsw, 0, 0, 0, 0o600, b"taken", flags=0, caller=None)
    for name, errno in ((b"taken", e.EEXIST), (b"a b", e.EINVAL), (b"x/../y", e.EINVAL), (b"", e.EINVAL),
                        (b"d/", e.EINVAL), (b"z" * 256, e.ENAMETOOLONG)):
        assert system.devices.make(devsw, 0, 0, 0, 0o600, name, flags=check, caller=None) == (errno, 0)
    with pytest.raises(KernelPanic, match=r"make_dev_sv: bad si_name \(error=17, si_name=taken\)"):
        system.devices.make(devsw, 0, 0, 0, 0o600, b"taken", flags=0, caller=None)
    assert system.devices.make(devsw, 0, 0, 0, 0o600, b"//sub//dir", flags=check, caller=None)[0] == 0
    assert system.devfs.lookup("/dev/sub/dir") is not None
