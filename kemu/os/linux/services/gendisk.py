"""Disks and their queues (block/genhd.c, blk-core.c, blk-mq.c, blk-settings.c; 6.1):
__blk_alloc_disk, __blk_mq_alloc_disk and put_disk.

__blk_alloc_disk(node) makes a bio-based request_queue (blk_alloc_queue: the next queue id,
the node, default limits as blk_set_default_limits sets them, one reference) and a gendisk
for it (__alloc_disk_node: a kzalloc'ed struct gendisk whose bio_split bio set is
bioset_init(BIO_POOL_SIZE), a bdi from bdi_alloc, part0 = a block_device for the whole disk
(partition 0, its struct device initialised: disk_to_dev; its per-CPU disk_stats, which
drivers clear inline with part_stat_set_all), the part table holding part0 at
index 0, the queue's disk pointer set) and marks the disk as owning its queue; NULL if
anything cannot be had. __blk_mq_alloc_disk does the same for a blk-mq queue of a tag set
(blk_mq_init_queue_data: the set's ops, queuedata, depth and hardware queue count, the queue
on the set's tag_list) and answers ERR_PTR(-ENOMEM) instead of NULL. put_disk drops the
disk device's reference; the last one is disk_release: a disk never added takes its queue
off the tag set, then the bio set, bdi and part table go, the queue loses its disk and its
reference (the last frees it), an added disk's fops->free_disk is called, its extended
minor goes back, and the block_device with the gendisk is freed.

Everything is charged to the caller, so a driver that never put_disk's a disk leaks it
visibly. kemu runs no I/O: the hardware contexts (init_hctx, the flush request) and the
queue's sysfs directory are not built; drivers that only allocate, size and free disks see
what the kernel gives them.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list, list_add_tail, list_del_init
from . import backing_dev, bioset, percpu_alloc
from .device_refs import device_initialize

table = ServiceTable("gendisk")

GD, RQ, BDEV, LIM = "struct gendisk", "struct request_queue", "struct block_device", "struct queue_limits"
GD_ADDED, GD_OWNS_QUEUE = 4, 6
BIO_POOL_SIZE = 2
GFP_KERNEL = 0xCC0
NUMA_NO_NODE = 0xFFFFFFFF

#: blk_set_default_limits (block/blk-settings.c); the other limits start at 0
DEFAULT_LIMITS = {
    "max_segments": 128, "max_discard_segments": 1, "seg_boundary_mask": 0xFFFFFFFF,
    "max_segment_size": 65536, "max_sectors": 255, "max_hw_sectors": 255,
    "logical_block_size": 512, "physical_block_size": 512, "io_min": 512, "dma_alignment": 511,
}


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _write(k, addr: int, struct: str, fld: str, value: int) -> None:
    size = k.linux.layout.field_size(struct, fld)
    k.machine.mem.write(addr + _off(k, struct, fld), (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))


def _read(k, addr: int, struct: str, fld: str) -> int:
    size = k.linux.layout.field_size(struct, fld)
    return int.from_bytes(k.machine.mem.read(addr + _off(k, struct, fld), size), "little")


def _next_queue_id(k) -> int:
    ids = k.linux.__dict__.setdefault("blk_queue_ids", set())
    qid = next(i for i in range(len(ids) + 1) if i not in ids)
    ids.add(qid)
    return qid


def _kref(k, dev: int) -> int:
    return dev + _off(k, "struct device", "kobj") + _off(k, "struct kobject", "kref")


# --- queues ------------------------------------------------------------------------------------

def alloc_queue(k, node: int, caller: int | None) -> int:
    """blk_alloc_queue: id, node, default limits, one reference."""
    q = k.heap.alloc(k.linux.layout.size(RQ), "kmalloc", zero=True, caller=caller)
    _write(k, q, RQ, "id", _next_queue_id(k))
    _write(k, q, RQ, "node", node)
    limits = q + _off(k, RQ, "limits")
    for fld, value in DEFAULT_LIMITS.items():
        _write(k, limits, LIM, fld, value)
    _write(k, q, RQ, "dma_pad_mask", 0)
    k.machine.mem.write_u32(q + _off(k, RQ, "kobj") + _off(k, "struct kobject", "kref"), 1)
    init_list(k, q + _off(k, RQ, "tag_set_list"))
    init_list(k, q + _off(k, RQ, "mq_freeze_wq") + _off(k, "struct wait_queue_head", "head"))
    return q


def _mq_init_queue(k, set_: int, queuedata: int, caller: int | None) -> int:
    """blk_mq_init_queue_data: a queue driven by the tag set."""
    tset = "struct blk_mq_tag_set"
    mem = k.machine.mem
    q = alloc_queue(k, mem.read_u32(set_ + _off(k, tset, "numa_node")), caller)
    mem.write_ptr(q + _off(k, RQ, "queuedata"), queuedata)
    mem.write_ptr(q + _off(k, RQ, "mq_ops"), mem.read_ptr(set_ + _off(k, tset, "ops")))
    mem.write_ptr(q + _off(k, RQ, "tag_set"), set_)
    depth = mem.read_u32(set_ + _off(k, tset, "queue_depth"))
    _write(k, q, RQ, "queue_depth", depth)
    _write(k, q, RQ, "nr_requests", depth)
    _write(k, q, RQ, "nr_hw_queues", mem.read_u32(set_ + _off(k, tset, "nr_hw_queues")))
    list_add_tail(k, q + _off(k, RQ, "tag_set_list"), set_ + _off(k, tset, "tag_list"))
    return q


def put_queue(k, q: int) -> None:
    """blk_put_queue: the last reference frees the queue and its id."""
    kref = q + _off(k, RQ, "kobj") + _off(k, "struct kobject", "kref")
    count = k.machine.mem.read_u32(kref) - 1
    k.machine.mem.write_u32(kref, max(count, 0))
    if count <= 0:
        k.linux.__dict__.setdefault("blk_queue_ids", set()).discard(_read(k, q, RQ, "id"))
        k.heap.free(q)


def _exit_mq_queue(k, q: int) -> None:
    """blk_mq_exit_queue's part kemu models: the queue leaves its tag set's list."""
    if k.machine.mem.read_ptr(q + _off(k, RQ, "tag_set")):
        list_del_init(k, q + _off(k, RQ, "tag_set_list"))


# --- disks -------------------------------------------------------------------------------------

def alloc_disk_node(k, q: int, node: int, call) -> int:
    """__alloc_disk_node: the gendisk, its bio_split set, bdi and part0; 0 on failure."""
    mem, caller = k.machine.mem, call.return_address
    disk = k.heap.alloc(k.linux.layout.size(GD), "kmalloc", zero=True, caller=caller)
    if bioset.bioset_init(k, disk + _off(k, GD, "bio_split"), BIO_POOL_SIZE, 0, 0, call=call):
        k.heap.free(disk)
        return 0
    bdi = backing_dev.bdi_alloc(k, node, call=call)
    mem.write_ptr(disk + _off(k, GD, "bdi"), bdi)
    part0 = k.heap.alloc(k.linux.layout.size(BDEV), "kmalloc", zero=True, caller=caller)
    mem.write_ptr(part0 + _off(k, BDEV, "bd_disk"), disk)
    mem.write_ptr(part0 + _off(k, BDEV, "bd_queue"), q)
    device_initialize(k, part0 + _off(k, BDEV, "bd_device"))
    stats = percpu_alloc.pcpu_alloc(k, k.linux.layout.size("struct disk_stats"),
                                    k.linux.layout.align("struct disk_stats"), GFP_KERNEL, call)
    mem.write_ptr(part0 + _off(k, BDEV, "bd_stats"), stats)
    mem.write_ptr(disk + _off(k, GD, "part0"), part0)
    _write(k, disk, GD, "node_id", node)
    mem.write_ptr(disk + _off(k, GD, "part_tbl") + _off(k, "struct xarray", "xa_head"), part0)
    mem.write_ptr(disk + _off(k, GD, "queue"), q)
    mem.write_ptr(q + _off(k, RQ, "disk"), disk)
    diskseq = k.linux.__dict__.get("blk_diskseq", 0) + 1
    k.linux.__dict__["blk_diskseq"] = diskseq
    _write(k, disk, GD, "diskseq", diskseq)
    _write(k, disk, GD, "state", _read(k, disk, GD, "state") | 1 << GD_OWNS_QUEUE)
    return disk


@table.service("struct gendisk *__blk_alloc_disk(int node, struct lock_class_key *lkclass)", needs_call=True)
def __blk_alloc_disk(k, node: int, lkclass: int, call=None) -> int:
    """A bio-based disk with its own queue; NULL when memory runs out."""
    q = alloc_queue(k, node & 0xFFFFFFFF, call.return_address)
    disk = alloc_disk_node(k, q, node & 0xFFFFFFFF, call)
    if not disk:
        put_queue(k, q)
    return disk


@table.service("struct gendisk *__blk_mq_alloc_disk(struct blk_mq_tag_set *set, void *queuedata, "
               "struct lock_class_key *lkclass)", needs_call=True)
def __blk_mq_alloc_disk(k, set_: int, queuedata: int, lkclass: int, call=None) -> int:
    """A disk with a blk-mq queue on the tag set; ERR_PTR(-ENOMEM) when memory runs out."""
    q = _mq_init_queue(k, set_, queuedata, call.return_address)
    node = k.machine.mem.read_u32(set_ + _off(k, "struct blk_mq_tag_set", "numa_node"))
    disk = alloc_disk_node(k, q, node, call)
    if not disk:
        _exit_mq_queue(k, q)
        put_queue(k, q)
        return -k.errno.ENOMEM & ((1 << (8 * k.machine.word_size)) - 1)
    return disk


def disk_release(k, disk: int) -> None:
    """The gendisk's release: the queue (taken off its tag set if the disk was never
    added), bio set, bdi, part table, part0 and the disk itself."""
    mem = k.machine.mem
    q = mem.read_ptr(disk + _off(k, GD, "queue"))
    state = _read(k, disk, GD, "state")
    if state & 1 << GD_OWNS_QUEUE and not state & 1 << GD_ADDED and mem.read_ptr(q + _off(k, RQ, "mq_ops")):
        _exit_mq_queue(k, q)
    bioset.bioset_exit(k, disk + _off(k, GD, "bio_split"))
    bdi = mem.read_ptr(disk + _off(k, GD, "bdi"))
    if bdi:
        backing_dev.bdi_put(k, bdi)
    mem.write_ptr(disk + _off(k, GD, "part_tbl") + _off(k, "struct xarray", "xa_head"), 0)
    mem.write_ptr(q + _off(k, RQ, "disk"), 0)
    put_queue(k, q)
    fops = mem.read_ptr(disk + _off(k, GD, "fops"))
    free_disk = mem.read_ptr(fops + _off(k, "struct block_device_operations", "free_disk")) if fops else 0
    if state & 1 << GD_ADDED and free_disk:
        k.linux.call_kernel_word(free_disk, disk, what="block_device_operations.free_disk")
    from .disk_add import release_ext_minor
    release_ext_minor(k, disk)
    part0 = mem.read_ptr(disk + _off(k, GD, "part0"))
    name = mem.read_ptr(part0 + _off(k, BDEV, "bd_device") + _off(k, "struct device", "kobj")
                        + _off(k, "struct kobject", "name"))
    if name and name in k.heap:
        k.heap.free(name)
    stats = mem.read_ptr(part0 + _off(k, BDEV, "bd_stats"))
    if stats:
        k.heap.free(percpu_alloc.percpu_address(k, stats))
    k.heap.free(part0)
    k.heap.free(disk)


@table.service("void put_disk(struct gendisk *disk)")
def put_disk(k, disk: int) -> None:
    """Drop the disk device's reference; the last one releases the disk (NULL ignored)."""
    if not disk:
        return
    mem = k.machine.mem
    part0 = mem.read_ptr(disk + _off(k, GD, "part0"))
    kref = _kref(k, part0 + _off(k, BDEV, "bd_device"))
    count = mem.read_u32(kref)
    if count == 0:
        from .blkdev import warn
        warn(k, "refcount_t: underflow; use-after-free.")
        return
    mem.write_u32(kref, count - 1)
    if count == 1:
        disk_release(k, disk)
