"""sysctl: the kernel's own nodes and a kld's static oids, read and written through the
kld's handlers with a real struct sysctl_req."""
from __future__ import annotations

from .conftest import expect_error


def value(system, name):
    return system.sysctl.read(system.sysctl.find(name))


def test_the_kernel_reports_its_release_and_machine(system, arch):
    assert value(system, "kern.ostype") == "FreeBSD"
    assert value(system, "kern.osrelease") == "14.3-RELEASE"
    assert value(system, "kern.osreldate") == 1403000
    assert value(system, "hw.machine") == {"x86_64": "amd64", "i386": "i386"}[arch]


def test_a_kld_static_sysctls_appear_after_load_and_go_on_unload(system):
    fid = system.kldload("sysctlmod")
    assert value(system, "debug.kemu.answer") == 42
    assert value(system, "debug.kemu.greeting") == "hello"
    assert value(system, "debug.kemu.version") == 3
    system.kldunload(fid)
    expect_error(system, "ENOENT", system.sysctl.find, "debug.kemu.answer")


def test_writes_go_through_the_handlers_and_a_proc_handler_can_refuse(system):
    system.kldload("sysctlmod")
    oid = system.sysctl.find
    system.sysctl.write(oid("debug.kemu.doubled"), 10)
    assert value(system, "debug.kemu.answer") == 5
    assert value(system, "debug.kemu.doubled") == 10
    expect_error(system, "EINVAL", system.sysctl.write, oid("debug.kemu.doubled"), 11)
    system.sysctl.write(oid("debug.kemu.greeting"), "bonjour")
    assert value(system, "debug.kemu.greeting") == "bonjour"
    expect_error(system, "EINVAL", system.sysctl.write, oid("debug.kemu.greeting"), "x" * 40)
    expect_error(system, "EPERM", system.sysctl.write, oid("debug.kemu.version"), 4)


def test_securelevel_can_only_be_raised(system):
    oid = system.sysctl.find("kern.securelevel")
    assert system.sysctl.read(oid) == -1
    system.sysctl.write(oid, 2)
    expect_error(system, "EPERM", system.sysctl.write, oid, 1)
    assert system.sysctl.read(oid) == 2


def test_module_path_is_the_host_directories_joined_with_semicolons(system, tmp_path):
    oid = system.sysctl.find("kern.module_path")
    system.sysctl.write(oid, f"{tmp_path};/elsewhere")
    assert system.module_path == [str(tmp_path), "/elsewhere"]
    expect_error(system, "ENOENT", system.kldload, "fibo")
