"""dev_err/dev_info/dev_printk/dev_dbg as a driver calls them: Linux 6.1's
"<driver> <device>: message" prefix, the NULL-device form, and the message's level."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def strings(linux, *texts: bytes) -> list[int]:
    """Each text as a NUL-terminated string in kernel memory."""
    out = []
    for t in texts:
        a = linux.kernel.heap.alloc(len(t) + 1, "test", zero=True)
        linux.machine.mem.write(a, t + b"\0")
        out.append(a)
    return out


def device(linux, *, init_name: bytes | None = None, driver: bytes | None = None) -> int:
    """A zeroed struct device with an init_name and a bound driver whose name is `driver`."""
    lay, mem = linux.layout, linux.machine.mem
    dev = linux.kernel.heap.alloc(lay.size("struct device"), "test", zero=True)
    if init_name is not None:
        mem.write_ptr(dev + lay.offset("struct device", "init_name"), strings(linux, init_name)[0])
    if driver is not None:
        drv = linux.kernel.heap.alloc(64, "test", zero=True)
        mem.write_ptr(drv, strings(linux, driver)[0])
        mem.write_ptr(dev + lay.offset("struct device", "driver"), drv)
    return dev


def call(linux, name: str, *args: int) -> None:
    linux.machine.call(linux.kernel.installed[name][1], *args, abi="cdecl" if linux.arch == "i386" else None)


def test_dev_err_prefixes_driver_and_device_name(linux):
    dev = device(linux, init_name=b"eth7", driver=b"e1000e")
    fmt, = strings(linux, b"probe failed: %d\n")
    call(linux, "_dev_err", dev, fmt, (-19) & 0xFFFFFFFF)
    assert "e1000e eth7: probe failed: -19" in linux.dmesg()


def test_dev_info_on_a_null_device_says_so(linux):
    fmt, = strings(linux, b"hello %s\n")
    arg, = strings(linux, b"world")
    call(linux, "_dev_info", 0, fmt, arg)
    assert "(NULL device *): hello world" in linux.dmesg()


def test_device_without_driver_bus_or_class_has_an_empty_driver_string(linux):
    dev = device(linux, init_name=b"foo0")
    fmt, = strings(linux, b"up\n")
    call(linux, "_dev_warn", dev, fmt)
    assert " foo0: up" in linux.dmesg()


def test_dynamic_dev_dbg_prints_the_device_message(linux):
    dev = device(linux, init_name=b"dbg0", driver=b"drv")
    fmt, = strings(linux, b"state %d\n")
    call(linux, "__dynamic_dev_dbg", 0, dev, fmt, 3)
    assert "drv dbg0: state 3" in linux.dmesg()


def test_dev_printk_takes_its_level_from_the_kern_string(linux):
    dev = device(linux, init_name=b"x0", driver=b"d")
    level, fmt = strings(linux, b"\x016", b"ok\n")
    call(linux, "_dev_printk", level, dev, fmt)
    assert "d x0: ok" in linux.dmesg()
