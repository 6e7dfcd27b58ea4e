"""uiomove through the echodev module: data in both directions, several iovecs, short
buffers, bad user pointers; ioctls with in and out arguments; malloc/free accounting."""
from __future__ import annotations

import struct

import pytest

from kemu.kernel import SyscallError

ECHOIOCGLEN = 0x40044501        # _IOR('E', 1, int)
ECHOIOCSCAP = 0x80044502        # _IOW('E', 2, int)
ECHOIOCGCAP = 0x40044503        # _IOR('E', 3, int)
ECHOIOCCLEAR = 0x20004504       # _IO('E', 4)


def _int(result) -> int:
    return struct.unpack("<i", result.data)[0]


def test_what_is_written_reads_back(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    assert echodev.write(fd, b"hello, kernel") == 13
    assert echodev.read(fd, 100) == b"hello, kernel"
    assert echodev.read(fd, 100) == b""          # empty: end of file


def test_a_short_read_leaves_the_rest(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    echodev.write(fd, b"abcdefgh")
    assert echodev.read(fd, 3) == b"abc"
    assert echodev.read(fd, 3) == b"def"
    assert echodev.read(fd, 3) == b"gh"


def test_readv_fills_several_iovecs_in_order(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    echodev.write(fd, b"0123456789")
    assert echodev.readv(fd, [3, 0, 4, 10]) == [b"012", b"", b"3456", b"789"]


def test_writev_gathers_several_iovecs(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    assert echodev.writev(fd, [b"ab", b"", b"cde", b"f"]) == 6
    assert echodev.read(fd, 10) == b"abcdef"


def test_bad_user_pointer_is_EFAULT(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    echodev.write(fd, b"data")
    unmapped = echodev.machine.layout["user"].start + 0x10000000
    with pytest.raises(SyscallError) as info:
        echodev.readv(fd, [(unmapped, 4)])
    assert info.value.name == "EFAULT"
    assert echodev.read(fd, 4) == b"data"       # the failed move took nothing


def test_kernel_pointer_passed_as_user_buffer_is_EFAULT(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    kernel_addr = echodev.kernel_data(16)
    with pytest.raises(SyscallError) as info:
        echodev.writev(fd, [(kernel_addr, 4)])
    assert info.value.name == "EFAULT"


def test_fault_in_a_later_iovec_fails_the_read_and_the_driver_keeps_its_data(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    echodev.write(fd, b"abcdef")
    unmapped = echodev.machine.layout["user"].start + 0x10000000
    with pytest.raises(SyscallError) as info:
        echodev.readv(fd, [2, (unmapped, 4)])
    assert info.value.name == "EFAULT"
    assert echodev.read(fd, 10) == b"abcdef"    # echo_read drops data only after uiomove succeeds


def test_write_beyond_capacity_is_ENOSPC_when_full(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    assert echodev.write(fd, b"x" * 600) == 512   # the buffer takes what fits
    with pytest.raises(SyscallError) as info:
        echodev.write(fd, b"y")
    assert info.value.name == "ENOSPC"


def test_ioctl_out_arguments_come_back(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    echodev.write(fd, b"12345")
    assert _int(echodev.ioctl(fd, ECHOIOCGLEN, bytes(4))) == 5
    assert _int(echodev.ioctl(fd, ECHOIOCGCAP, bytes(4))) == 512


def test_ioctl_in_argument_resizes_and_void_ioctl_clears(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    echodev.write(fd, b"keep")
    echodev.ioctl(fd, ECHOIOCSCAP, struct.pack("<i", 2048))
    assert _int(echodev.ioctl(fd, ECHOIOCGCAP, bytes(4))) == 2048
    assert echodev.read(fd, 10) == b"keep"
    echodev.write(fd, b"gone")
    echodev.ioctl(fd, ECHOIOCCLEAR)
    assert _int(echodev.ioctl(fd, ECHOIOCGLEN, bytes(4))) == 0


def test_ioctl_needing_write_access_on_a_read_only_open_is_EBADF(echodev):
    fd = echodev.open("/dev/echo0", "r")
    with pytest.raises(SyscallError) as info:
        echodev.ioctl(fd, ECHOIOCSCAP, struct.pack("<i", 1024))
    assert info.value.name == "EBADF"


def test_unknown_ioctl_is_ENOTTY(echodev):
    fd = echodev.open("/dev/echo0", "r")
    with pytest.raises(SyscallError) as info:
        echodev.ioctl(fd, 0x20004599)
    assert info.value.name == "ENOTTY"


def test_minor_1_is_ENXIO(echodev):
    major = echodev.modstat(name="echodev")[0].offset
    echodev.devfs.mknod("/dev/echo1", "c", major, 1, 0o666)
    with pytest.raises(SyscallError) as info:
        echodev.open("/dev/echo1")
    assert info.value.name == "ENXIO"


def _echo_openmask(system) -> int:
    """echodev's per-minor open flags (bit n: minor n; set by d_open, cleared by d_close)."""
    slot = next(s for s in system.lkm.used_slots() if system.lkm.module_name(s) == "echodev")
    return system.machine.mem.read_int(slot.image.symbols["echo_openmask"], 4)


def test_d_open_runs_per_open_but_d_close_only_on_the_last_close(echodev):
    """NetBSD's specfs calls d_close once, when the device's last reference goes (spec_close):
    after two opens and two closes the driver knows it is closed and may be unloaded."""
    a = echodev.open("/dev/echo0", "r")
    b = echodev.open("/dev/echo0", "r")
    assert _echo_openmask(echodev) == 0b1
    echodev.close(a)
    assert _echo_openmask(echodev) == 0b1      # no d_close yet: b still holds the device
    with pytest.raises(SyscallError) as busy:
        echodev.modunload(name="echodev")
    assert busy.value.name == "EBUSY"
    echodev.close(b)
    assert _echo_openmask(echodev) == 0        # the last close reached d_close
    echodev.modunload(name="echodev")
    assert "echodev" not in [m.name for m in echodev.modstat()]


def test_module_memory_is_freed_on_unload_so_nothing_leaks(echodev):
    fd = echodev.open("/dev/echo0", "rw")
    echodev.ioctl(fd, ECHOIOCSCAP, struct.pack("<i", 4096))
    echodev.close(fd)
    echodev.modunload(name="echodev")
    assert echodev.leaks() == []
    assert "still holds" not in echodev.dmesg()


def test_leaky_module_is_reported_at_unload(system, modules):
    system.modload(modules.leaky)
    system.modunload(name="leaky")
    leaks = system.leaks()
    assert sorted(a.size for _, a, _ in leaks) == [28, 100]
    assert all(module == "leaky" and a.tag == "devbuf" and where.startswith(("leaky_load+", "leaky_lkmentry+"))
               for module, a, where in leaks)
    text = system.dmesg()
    assert "kemu: leaky still holds 2 allocation(s) after unload:\n" in text
    assert "100 bytes of devbuf at 0x" in text


def test_an_unloaded_modules_leaks_are_never_blamed_on_the_next_module_at_its_address(system, modules):
    leaky = system.modload(modules.leaky)
    system.modunload(name="leaky")
    with pytest.raises(SyscallError):
        system.modload(modules.nullderef)            # loads at leaky's old address, then faults
    assert system.modstat() == []
    assert "nullderef still holds" not in system.dmesg()
    echo = system.modload(modules.echodev)
    assert echo.area == leaky.area
    system.modunload(name="echodev")
    assert "echodev still holds" not in system.dmesg()
    assert [m for m, _, _ in system.leaks()] == ["leaky", "leaky"]
