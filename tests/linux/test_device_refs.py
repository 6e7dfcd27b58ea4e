"""struct device lifetime as drivers use it: dev_set_name, device_initialize, get_device and
put_device, the release callback on the last put, the kernel's WARNs for misuse."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int, variadic: bool = False) -> int:
    abi = "cdecl" if variadic and linux.arch == "i386" else None
    return linux.machine.call(linux.kernel.installed[name][1], *args, abi=abi)


def new_device(linux, *, release: str | None = "kfree") -> int:
    """A kzalloc'd struct device whose release() is `release` (kfree, as many drivers do)."""
    lay = linux.layout
    dev = linux.kernel.heap.alloc(lay.size("struct device"), "test", zero=True)
    if release:
        linux.machine.mem.write_ptr(dev + lay.offset("struct device", "release"),
                                    linux.kernel.installed[release][1])
    return dev


def cstring(linux, text: bytes) -> int:
    a = linux.kernel.heap.alloc(len(text) + 1, "test", zero=True)
    linux.machine.mem.write(a, text + b"\0")
    return a


def kobj_name(linux, dev: int) -> bytes:
    lay = linux.layout
    slot = dev + lay.offset("struct device", "kobj") + lay.offset("struct kobject", "name")
    return linux.kernel.read_str(linux.machine.mem.read_ptr(slot))


def test_dev_set_name_formats_and_replaces_slashes(linux):
    dev = new_device(linux)
    assert call(linux, "dev_set_name", dev, cstring(linux, b"card%d/%s"), 2, cstring(linux, b"pcm"),
                variadic=True) == 0
    assert kobj_name(linux, dev) == b"card2!pcm"


def test_last_put_device_calls_release(linux):
    dev = new_device(linux)
    call(linux, "device_initialize", dev)
    assert call(linux, "get_device", dev) == dev
    call(linux, "put_device", dev)
    assert dev in linux.kernel.heap            # one reference left
    call(linux, "put_device", dev)
    assert dev not in linux.kernel.heap        # release() was kfree


def test_last_put_frees_the_name(linux):
    dev = new_device(linux, release=None)
    linux.machine.mem.write_ptr(dev + linux.layout.offset("struct device", "release"),
                                linux.kernel.installed["get_device"][1])   # a release that frees nothing
    call(linux, "device_initialize", dev)
    call(linux, "dev_set_name", dev, cstring(linux, b"gone"), variadic=True)
    names_before = len(linux.kernel.heap.leaks("kobject name"))
    call(linux, "put_device", dev)
    assert len(linux.kernel.heap.leaks("kobject name")) == names_before - 1


def test_device_without_release_warns_like_the_kernel(linux):
    dev = new_device(linux, release=None)
    call(linux, "device_initialize", dev)
    call(linux, "dev_set_name", dev, cstring(linux, b"broken0"), variadic=True)
    call(linux, "put_device", dev)
    assert "Device 'broken0' does not have a release() function, it is broken" in linux.dmesg()
    assert "W" in linux.taints


def test_put_device_on_a_dead_count_is_an_underflow(linux):
    dev = new_device(linux, release=None)
    call(linux, "put_device", dev)
    assert "refcount_t: underflow; use-after-free." in linux.dmesg()


def test_null_is_ignored(linux):
    assert call(linux, "get_device", 0) == 0
    call(linux, "put_device", 0)
    assert "cut here" not in linux.dmesg()
