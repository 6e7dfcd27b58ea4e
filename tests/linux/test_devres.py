"""Managed resources (drivers/base/devres.c) called as drivers call them: devm_kmalloc memory
owned by a device, groups released together, devres_destroy of what is not there."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES

GFP_KERNEL = 0xCC0


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    ret = linux.machine.call(linux.kernel.installed[name][1], *args) & 0xFFFFFFFF
    return ret - (1 << 32) if ret & 0x80000000 else ret


def word(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def device(linux) -> int:
    return linux.kernel.heap.alloc(linux.layout.size("struct device"), "test", zero=True)


def test_devm_kmalloc_memory_belongs_to_the_device_until_released(linux):
    dev = device(linux)
    p = word(linux, "devm_kmalloc", dev, 40, GFP_KERNEL | 0x100)
    assert p in linux.kernel.heap and linux.machine.mem.read(p, 40) == bytes(40)
    assert linux.devres.release_all(dev) == 1
    assert p not in linux.kernel.heap


def test_devm_kfree_frees_early_and_a_stranger_pointer_warns(linux):
    dev = device(linux)
    p = word(linux, "devm_kmalloc", dev, 8, GFP_KERNEL)
    word(linux, "devm_kfree", dev, p)
    assert p not in linux.kernel.heap
    word(linux, "devm_kfree", dev, p)
    assert "is not managed memory of this device" in linux.dmesg()


def test_a_group_releases_only_what_was_added_after_it_opened(linux):
    dev = device(linux)
    before = word(linux, "devm_kmalloc", dev, 8, GFP_KERNEL)
    group = word(linux, "devres_open_group", dev, 0, GFP_KERNEL)
    inside = [word(linux, "devm_kmalloc", dev, 8, GFP_KERNEL) for _ in range(2)]
    word(linux, "devres_close_group", dev, group)
    after = word(linux, "devm_kmalloc", dev, 8, GFP_KERNEL)
    assert call(linux, "devres_release_group", dev, group) == 2
    assert all(p not in linux.kernel.heap for p in inside)
    assert before in linux.kernel.heap and after in linux.kernel.heap


def test_destroying_a_devres_that_is_not_there_is_enoent(linux):
    dev = device(linux)
    assert call(linux, "devres_destroy", dev, linux.kernel.installed["kfree"][1], 0, 0) == -linux.errno.ENOENT
