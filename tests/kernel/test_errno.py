"""Errno tables: each OS's numbers and strerror texts, chosen by the personality."""
import errno as host_errno
import os
import sys

import pytest

from kemu.kernel import Errno, SyscallError


@pytest.mark.parametrize("name, netbsd, freebsd, linux", [
    ("EPERM", 1, 1, 1), ("ENOENT", 2, 2, 2), ("ENXIO", 6, 6, 6), ("ENOEXEC", 8, 8, 8),
    ("EDEADLK", 11, 11, 35), ("ENOMEM", 12, 12, 12), ("EFAULT", 14, 14, 14), ("EBUSY", 16, 16, 16),
    ("EEXIST", 17, 17, 17), ("ENODEV", 19, 19, 19), ("EINVAL", 22, 22, 22), ("ENFILE", 23, 23, 23),
    ("ENOTTY", 25, 25, 25), ("ENOSPC", 28, 28, 28), ("EAGAIN", 35, 35, 11), ("EWOULDBLOCK", 35, 35, 11),
    ("EOPNOTSUPP", 45, 45, 95), ("ENOSYS", 78, 78, 38),
])
def test_numbers_follow_each_os(name, netbsd, freebsd, linux):
    assert getattr(Errno.netbsd(), name) == netbsd
    assert getattr(Errno.freebsd(), name) == freebsd
    assert getattr(Errno.linux(), name) == linux


def test_bsd_only_errnos_are_absent_on_linux():
    assert Errno.netbsd().EFTYPE == 79
    assert Errno.freebsd().EPROGMISMATCH == 75
    with pytest.raises(AttributeError, match="Linux has no errno named EFTYPE"):
        Errno.linux().EFTYPE


def test_eprogmismatch_is_75_as_in_sys_errno_h_not_52():
    assert Errno.netbsd().EPROGMISMATCH == 75
    assert Errno.netbsd().name(52) == "ENETRESET"


@pytest.mark.parametrize("os_name, number, text", [
    ("netbsd", 16, "Device busy"), ("netbsd", 19, "Operation not supported by device"),
    ("netbsd", 6, "Device not configured"), ("freebsd", 16, "Device busy"),
    ("linux", 16, "Device or resource busy"), ("linux", 19, "No such device"),
    ("linux", 6, "No such device or address"), ("netbsd", 22, "Invalid argument"),
])
def test_strerror_uses_the_os_libc_text(os_name, number, text):
    assert Errno.for_os(os_name).strerror(number) == text


def test_unknown_numbers_get_each_libc_unknown_form():
    assert Errno.netbsd().strerror(4242) == "Unknown error: 4242"
    assert Errno.linux().strerror(4242) == "Unknown error 4242"
    assert Errno.netbsd().name(4242) == "E?4242"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="compares with the host glibc")
def test_linux_table_matches_the_host_glibc_numbers_and_texts():
    table = Errno.linux()
    for name, number in table:
        if 0 < number < 200:
            assert os.strerror(number) == table.strerror(number), name
            if hasattr(host_errno, name):
                assert getattr(host_errno, name) == number, name


def test_error_builds_a_syscall_error_with_name_and_text():
    err = Errno.netbsd().error("EBUSY", "modunload")
    assert isinstance(err, SyscallError) and isinstance(err, OSError)
    assert (err.errno, err.name, err.message) == (16, "EBUSY", "Device busy")
    assert str(err) == "modunload: Device busy (EBUSY, errno 16)"


def test_aliases_resolve_to_the_primary_name():
    linux = Errno.linux()
    assert linux.name(linux.EWOULDBLOCK) == "EAGAIN"
    assert linux.value("EDEADLOCK") == linux.EDEADLK
    assert "EWOULDBLOCK" in linux and 11 in linux


def test_kernel_internal_pseudo_errors_are_known():
    assert Errno.netbsd().ERESTART == -3 and Errno.freebsd().ERESTART == -1
    assert Errno.linux().ERESTARTSYS == 512


def test_for_os_rejects_an_unknown_os():
    with pytest.raises(ValueError, match="no errno table for OS 'plan9'"):
        Errno.for_os("plan9")


def test_value_of_unknown_name_names_the_os():
    with pytest.raises(KeyError, match="NetBSD has no errno named EHWPOISON"):
        Errno.netbsd().value("EHWPOISON")
