"""cdev_alloc (services/cdev_alloc.py) as uio's init uses it: a kernel-allocated cdev that
cdev_add makes live and cdev_del removes and frees, unlike a driver's own cdev_init'd one."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def test_cdev_alloc_gives_an_empty_list_and_one_kobject_reference(linux):
    lay, mem = linux.layout, linux.machine.mem
    cdev = call(linux, "cdev_alloc")
    head = cdev + lay.offset("struct cdev", "list")
    assert mem.read_ptr(head) == head
    assert mem.read_u32(cdev + lay.offset("struct cdev", "kobj") + lay.offset("struct kobject", "kref")) == 1
    assert linux.kernel.heap.block_containing(cdev).size == lay.size("struct cdev")


def test_cdev_del_removes_and_frees_an_allocated_cdev(linux):
    cdev = call(linux, "cdev_alloc")
    devt = 240 << 20
    assert call(linux, "cdev_add", cdev, devt, 4) == 0
    assert linux.chrdevs.cdev_for(240, 1) is not None
    call(linux, "cdev_del", cdev)
    assert linux.chrdevs.cdev_for(240, 1) is None
    assert linux.kernel.heap.block_containing(cdev) is None


def test_cdev_del_leaves_a_drivers_own_cdev_allocated(linux):
    own = linux.kernel.heap.alloc(linux.layout.size("struct cdev"), "test", zero=True)
    call(linux, "cdev_init", own, 0)
    call(linux, "cdev_add", own, 241 << 20, 1)
    call(linux, "cdev_del", own)
    assert linux.kernel.heap.block_containing(own) is not None
