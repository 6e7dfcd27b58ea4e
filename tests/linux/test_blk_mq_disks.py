"""blk-mq tag sets (services/blk_mq_tags.py), disks and their queues (gendisk.py,
disk_add.py, blk_settings.py) through their stubs, with a driver's blk_mq_ops that has a
queue_rq and no other callbacks."""
from __future__ import annotations

import pytest

from kemu.os.linux.services import backing_dev, disk_add

from .blk_helpers import call, off

EINVAL = 22
SET, TAGS = "struct blk_mq_tag_set", "struct blk_mq_tags"


def tag_set(linux, nr_hw_queues: int = 1, depth: int = 16, reserved: int = 0, cmd_size: int = 32) -> int:
    heap, mem = linux.kernel.heap, linux.machine.mem
    ops = heap.alloc(linux.layout.size("struct blk_mq_ops"), "test", zero=True)
    mem.write_ptr(ops + off(linux, "struct blk_mq_ops", "queue_rq"), linux.kernel.installed["kfree"][1])
    s = heap.alloc(linux.layout.size(SET), "test", zero=True)
    mem.write_ptr(s + off(linux, SET, "ops"), ops)
    for fld, value in (("nr_hw_queues", nr_hw_queues), ("queue_depth", depth), ("reserved_tags", reserved),
                       ("cmd_size", cmd_size)):
        mem.write_u32(s + off(linux, SET, fld), value)
    return s


def u32(linux, addr: int) -> int:
    return linux.machine.mem.read_u32(addr)


@pytest.mark.parametrize("fld,value", [("nr_hw_queues", 0), ("queue_depth", 0), ("reserved_tags", 16)])
def test_a_tag_set_without_queues_depth_or_room_beyond_reserved_tags_is_einval(linux, fld, value):
    s = tag_set(linux)
    linux.machine.mem.write_u32(s + off(linux, SET, fld), value)
    assert call(linux, "blk_mq_alloc_tag_set", s) == -EINVAL


def test_a_tag_set_without_queue_rq_is_einval(linux):
    s = tag_set(linux)
    ops = linux.machine.mem.read_ptr(s + off(linux, SET, "ops"))
    linux.machine.mem.write_ptr(ops + off(linux, "struct blk_mq_ops", "queue_rq"), 0)
    assert call(linux, "blk_mq_alloc_tag_set", s) == -EINVAL


def test_alloc_tag_set_makes_one_map_tags_per_cpu_capped_queue_and_depth_requests(linux):
    s = tag_set(linux, nr_hw_queues=4, depth=16)
    mem, word = linux.machine.mem, linux.machine.word_size
    assert call(linux, "blk_mq_alloc_tag_set", s) == 0
    assert (u32(linux, s + off(linux, SET, "nr_maps")), u32(linux, s + off(linux, SET, "nr_hw_queues"))) == (1, 1)
    tags = mem.read_ptr(mem.read_ptr(s + off(linux, SET, "tags")))
    assert u32(linux, tags + off(linux, TAGS, "nr_tags")) == 16
    static = mem.read_ptr(tags + off(linux, TAGS, "static_rqs"))
    requests = [mem.read_ptr(static + i * word) for i in range(16)]
    assert all(requests) and len(set(requests)) == 16


def test_a_depth_beyond_the_maximum_is_reduced_with_a_notice(linux):
    s = tag_set(linux, depth=20000, cmd_size=0)
    assert call(linux, "blk_mq_alloc_tag_set", s) == 0
    assert u32(linux, s + off(linux, SET, "queue_depth")) == 10240
    assert "blk-mq: reduced tag depth to 10240" in linux.dmesg()
    call(linux, "blk_mq_free_tag_set", s)


def test_free_tag_set_gives_everything_back(linux):
    s = tag_set(linux, depth=64)
    before = len(linux.kernel.heap)
    call(linux, "blk_mq_alloc_tag_set", s)
    call(linux, "blk_mq_free_tag_set", s)
    assert len(linux.kernel.heap) == before
    assert linux.machine.mem.read_ptr(s + off(linux, SET, "tags")) == 0


def test_a_mq_disk_has_a_queue_on_the_tag_set_with_default_limits(linux):
    s = tag_set(linux)
    mem = linux.machine.mem
    call(linux, "blk_mq_alloc_tag_set", s)
    disk = linux.call("__blk_mq_alloc_disk", s, 0x1234, 0)
    q = mem.read_ptr(disk + off(linux, "struct gendisk", "queue"))
    assert mem.read_ptr(q + off(linux, "struct request_queue", "queuedata")) == 0x1234
    assert mem.read_ptr(q + off(linux, "struct request_queue", "disk")) == disk
    assert mem.read_ptr(s + off(linux, SET, "tag_list")) == q + off(linux, "struct request_queue", "tag_set_list")
    limits = q + off(linux, "struct request_queue", "limits")
    assert u32(linux, limits + off(linux, "struct queue_limits", "logical_block_size")) == 512
    assert u32(linux, limits + off(linux, "struct queue_limits", "max_hw_sectors")) == 255


def test_block_size_setters_keep_physical_and_io_min_at_least_logical(linux):
    disk = linux.call("__blk_alloc_disk", 0xFFFFFFFF, 0)
    q = linux.machine.mem.read_ptr(disk + off(linux, "struct gendisk", "queue"))
    limits = q + off(linux, "struct request_queue", "limits")
    call(linux, "blk_queue_logical_block_size", q, 4096)
    assert [u32(linux, limits + off(linux, "struct queue_limits", f))
            for f in ("logical_block_size", "physical_block_size", "io_min", "max_hw_sectors")] == [4096, 4096, 4096, 248]


def test_an_added_disk_gets_an_extended_minor_and_its_bdi_and_goes_at_put_disk(linux):
    backing_dev.bdis(linux.kernel)                     # the bdi class, made once at boot in the kernel
    before = len(linux.kernel.heap)
    disk = linux.call("__blk_alloc_disk", 0xFFFFFFFF, 0)
    linux.machine.mem.write(disk + off(linux, "struct gendisk", "disk_name"), b"kd0\0")
    assert call(linux, "device_add_disk", 0, disk, 0) == 0
    assert u32(linux, disk + off(linux, "struct gendisk", "major")) == 259
    assert disk_add.disks(linux.kernel) == {disk: "kd0"}
    call(linux, "del_gendisk", disk)
    call(linux, "put_disk", disk)
    assert disk_add.disks(linux.kernel) == {} and len(linux.kernel.heap) == before


def test_del_gendisk_of_a_disk_never_added_warns(linux):
    disk = linux.call("__blk_alloc_disk", 0xFFFFFFFF, 0)
    call(linux, "del_gendisk", disk)
    assert "is not a live disk" in linux.dmesg()
