"""A fault inside a device entry point (nullread.o: d_read reads through NULL) fails the read
with EFAULT and prints an oops whose backtrace holds the entry point's own frames only —
none of the load hook's finished printf — and the device and machine stay usable."""
from __future__ import annotations

import pytest

from kemu.kernel import SyscallError

from .conftest import run


@pytest.fixture
def nullread(system, modules):
    result = run(system, "modload", "-e", "nullread_lkmentry", modules.nullread)
    assert result.status == 0, result
    assert run(system, "mknod", "/dev/nullread0", "c", "29", "0").status == 0
    return system


def oops_of(system) -> str:
    log = system.dmesg()
    return log[log.rindex("kemu oops:"):]


def test_a_fault_in_d_read_fails_the_read_with_efault(nullread):
    fd = nullread.open("/dev/nullread0", "r")
    with pytest.raises(SyscallError) as e:
        nullread.read(fd, 4)
    assert e.value.errno == nullread.errno.EFAULT
    nullread.close(fd)


def test_the_oops_backtrace_holds_only_the_entry_points_frames(nullread):
    fd = nullread.open("/dev/nullread0", "r")
    with pytest.raises(SyscallError):
        nullread.read(fd, 4)
    oops = oops_of(nullread)
    assert "NULL pointer dereference" in oops
    trace = oops[oops.index("backtrace:"):oops.index("guest calls")]
    frames = [line.split()[-1] for line in trace.splitlines()[1:]]
    assert frames and all(f.startswith("nullread_read") for f in frames), trace
    assert "printf" not in trace and "lkmentry" not in trace


def test_the_device_still_opens_and_the_module_unloads_after_the_fault(nullread):
    fd = nullread.open("/dev/nullread0", "r")
    with pytest.raises(SyscallError):
        nullread.read(fd, 4)
    nullread.close(fd)
    fd = nullread.open("/dev/nullread0", "r")
    nullread.close(fd)
    nullread.modunload(name="nullread")
    assert nullread.modstat() == []


def nullread_line(text: str) -> int:
    from kemu.paths import GUEST
    lines = (GUEST / "netbsd-lkm" / "tests" / "nullread.c").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_with_dwarf_the_oops_names_the_faulting_source_line(system, modules):
    result = run(system, "modload", "-e", "nullread_lkmentry", modules.__getattr__("nullread-g"))
    assert result.status == 0, result
    run(system, "mknod", "/dev/nullread0", "c", "29", "0")
    fd = system.open("/dev/nullread0", "r")
    with pytest.raises(SyscallError):
        system.read(fd, 4)
    system.close(fd)
    line = nullread_line("return (*nullread_target);")
    oops = oops_of(system)
    assert f"(nullread.c:{line}): " in oops
    assert f"nullread_read+" in oops and f" at nullread.c:{line}\n" in oops


def test_unloading_removes_the_modules_source_locator(system, modules):
    machine = system.kernel.machine
    before = list(machine.source_locators)
    assert run(system, "modload", "-e", "nullread_lkmentry", modules.nullread).status == 0
    assert len(machine.source_locators) == len(before) + 1
    system.modunload(name="nullread")
    assert machine.source_locators == before
