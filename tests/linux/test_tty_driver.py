"""The tty driver registry (services/tty_driver.py) driven through its stubs the way a tty
driver's init and exit drive it: tty_alloc_driver, fill in the fields, tty_register_driver;
tty_unregister_driver and tty_driver_kref_put on the way out."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.services import tty_driver

from .conftest import ARCHES

REAL_RAW, DYNAMIC_DEV, UNNUMBERED = 0x4, 0x8, 0x80
TYPE_SERIAL = 3


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def field(linux, driver: int, name: str) -> int:
    return linux.layout.offset("struct tty_driver", name) + driver


def new_driver(linux, lines: int = 4, major: int = 0, name: bytes = b"ttyKM") -> int:
    """tty_alloc_driver + what usbserial's init fills in."""
    mem = linux.machine.mem
    driver = call(linux, "__tty_alloc_driver", lines, 0, REAL_RAW | DYNAMIC_DEV)
    for f, text in (("driver_name", b"kemuserial\0"), ("name", name + b"\0")):
        s = linux.kernel.heap.alloc(len(text), "test")
        mem.write(s, text)
        mem.write_ptr(field(linux, driver, f), s)
    mem.write_u32(field(linux, driver, "major"), major)
    mem.write_u16(field(linux, driver, "type"), TYPE_SERIAL)
    return driver


def read(linux, path: str) -> str:
    fd = linux.open(path)
    try:
        return linux.read(fd, 1 << 16).decode()
    finally:
        linux.close(fd)


def test_alloc_sets_one_reference_lines_and_flags_and_per_line_arrays(linux):
    mem, word = linux.machine.mem, linux.machine.word_size
    driver = call(linux, "__tty_alloc_driver", 8, 0, REAL_RAW | DYNAMIC_DEV)
    assert mem.read_u32(field(linux, driver, "kref")) == 1
    assert mem.read_u32(field(linux, driver, "num")) == 8
    assert mem.read_int(field(linux, driver, "flags"), word) == REAL_RAW | DYNAMIC_DEV
    for f in ("ttys", "termios", "ports", "cdevs"):
        array = mem.read_ptr(field(linux, driver, f))
        assert linux.kernel.heap.block_containing(array).size == 8 * word


@pytest.mark.parametrize("lines, flags", [(0, 0), (2, UNNUMBERED)])
def test_alloc_refuses_no_lines_and_numbered_unnumbered_nodes(linux, lines, flags):
    word = linux.machine.word_size
    assert call(linux, "__tty_alloc_driver", lines, 0, flags) == (-22) & ((1 << 8 * word) - 1)


def test_register_takes_a_dynamic_major_and_lists_the_driver(linux):
    mem = linux.machine.mem
    driver = new_driver(linux)
    assert call(linux, "tty_register_driver", driver) == 0
    major = mem.read_u32(field(linux, driver, "major"))
    assert f"{major:3d} ttyKM" in read(linux, "/proc/devices")
    assert read(linux, "/proc/tty/drivers") == f"kemuserial           /dev/ttyKM    {major:3d} 0-3 serial\n"
    assert mem.read_int(field(linux, driver, "flags"), linux.machine.word_size) & tty_driver.TTY_DRIVER_INSTALLED
    head = tty_driver.drivers(linux.kernel).head
    assert mem.read_ptr(head) == field(linux, driver, "tty_drivers")


def test_a_taken_major_is_refused_with_ebusy(linux):
    first = new_driver(linux, major=240)
    assert call(linux, "tty_register_driver", first) == 0
    second = new_driver(linux, major=240, name=b"ttyXX")
    assert call(linux, "tty_register_driver", second) & 0xFFFFFFFF == (-16) & 0xFFFFFFFF
    assert tty_driver.drivers(linux.kernel).registered == [first]


def test_unregister_and_last_put_free_everything(linux):
    driver = new_driver(linux)
    call(linux, "tty_register_driver", driver)
    call(linux, "tty_unregister_driver", driver)
    assert "ttyKM" not in read(linux, "/proc/devices")
    assert read(linux, "/proc/tty/drivers") == ""
    head = tty_driver.drivers(linux.kernel).head
    assert linux.machine.mem.read_ptr(head) == head
    call(linux, "tty_driver_kref_put", driver)
    assert linux.kernel.heap.block_containing(driver) is None
    assert not [b for b in linux.kernel.heap.leaks() if b.tag == "kmalloc"]
