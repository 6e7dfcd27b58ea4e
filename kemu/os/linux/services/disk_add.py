"""Adding and removing disks (block/genhd.c, 6.1): device_add_disk, del_gendisk,
set_capacity, set_capacity_and_notify, set_disk_ro.

device_add_disk refuses a blk-mq disk whose fops have poll_bio (-EINVAL), a disk with a
major but no minors (a WARN, -EINVAL), or minors running past MINORMASK (-EINVAL); more than
DISK_MAX_PARTS minors are cut down with the kernel's message; a disk without a major gets
BLOCK_EXT_MAJOR and the lowest free extended minor. The disk's device (part0's bd_device)
is named after disk_name, given its parent, groups and (unless GENHD_FL_HIDDEN) its dev_t,
and added to the driver model; a visible disk registers its bdi as "MAJOR:MINOR" and its
part0 gets the dev_t (bdev_add); a disk with a capacity and partitions allowed is marked
GD_NEED_PART_SCAN (kemu never opens it, and the kernel scans at the first open when the
mark is still there); finally GD_ADDED. The disks added are listed in `Disks` (what
/sys/block would show).

del_gendisk of a disk that was never added is the kernel's WARN and nothing else; otherwise
the bdi is unregistered, the device leaves the driver model, the disk is marked GD_DEAD,
and a disk that owns its blk-mq queue takes it off its tag set. The extended minor goes back
when the disk is released (put_disk).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import backing_dev, driver_core, gendisk
from .blkdev import BLOCK_EXT_MAJOR, warn
from .gendisk import BDEV, GD, RQ, _off, _read, _write

table = ServiceTable("disk_add")

MINORBITS = 20
MINORMASK = (1 << MINORBITS) - 1
DISK_MAX_PARTS = 256
GENHD_FL_HIDDEN, GENHD_FL_NO_PART = 1 << 1, 1 << 2
GD_NEED_PART_SCAN, GD_READ_ONLY, GD_DEAD, GD_ADDED, GD_SUPPRESS_PART_SCAN = 0, 1, 2, 4, 5
DISK_NAME_LEN = 32


def disks(k) -> dict[int, str]:
    """Added disks (struct gendisk -> name), in order."""
    return k.linux.__dict__.setdefault("block_disks", {})


def _ext_minors(k) -> set[int]:
    return k.linux.__dict__.setdefault("blk_ext_minors", set())


def _ddev(k, disk: int) -> int:
    return k.machine.mem.read_ptr(disk + _off(k, GD, "part0")) + _off(k, BDEV, "bd_device")


def _state(k, disk: int, set_bits: int = 0, clear_bits: int = 0) -> int:
    old = _read(k, disk, GD, "state")
    _write(k, disk, GD, "state", (old | set_bits) & ~clear_bits)
    return old


def _capacity(k, disk: int) -> int:
    return k.machine.mem.read_u64(k.machine.mem.read_ptr(disk + _off(k, GD, "part0")) + _off(k, BDEV, "bd_nr_sectors"))


def _name(k, disk: int) -> str:
    return k.read_str(disk + _off(k, GD, "disk_name"), DISK_NAME_LEN).decode("latin-1")


def _numbers(k, disk: int) -> int:
    """Check or allocate the disk's major and minors (0 or -errno)."""
    major, minors = _read(k, disk, GD, "major"), _read(k, disk, GD, "minors")
    if major:
        if not minors:
            warn(k, "WARNING: device_add_disk: a disk with a major must say how many minors it has")
            return -k.errno.EINVAL
        if minors > DISK_MAX_PARTS:
            k.linux.pr(f"block: can't allocate more than {DISK_MAX_PARTS} partitions", 3)
            _write(k, disk, GD, "minors", DISK_MAX_PARTS)
        if _read(k, disk, GD, "first_minor") + _read(k, disk, GD, "minors") > MINORMASK + 1:
            return -k.errno.EINVAL
        return 0
    if minors:
        warn(k, "WARNING: device_add_disk: minors without a major")
        return -k.errno.EINVAL
    used = _ext_minors(k)
    minor = next(i for i in range(len(used) + 1) if i not in used)
    used.add(minor)
    _write(k, disk, GD, "major", BLOCK_EXT_MAJOR)
    _write(k, disk, GD, "first_minor", minor)
    return 0


def release_ext_minor(k, disk: int) -> None:
    """blk_free_ext_minor, when the disk is released."""
    if _read(k, disk, GD, "major") == BLOCK_EXT_MAJOR:
        _ext_minors(k).discard(_read(k, disk, GD, "first_minor"))


@table.service("int device_add_disk(struct device *parent, struct gendisk *disk, "
               "const struct attribute_group **groups)", needs_call=True)
def device_add_disk(k, parent: int, disk: int, groups: int, call=None) -> int:
    """Make the disk live: numbers, its device, its bdi, part0's dev_t; 0 or -errno."""
    mem = k.machine.mem
    q = mem.read_ptr(disk + _off(k, GD, "queue"))
    fops = mem.read_ptr(disk + _off(k, GD, "fops"))
    if mem.read_ptr(q + _off(k, RQ, "mq_ops")) and fops and \
            mem.read_ptr(fops + k.linux.layout.offset("struct block_device_operations", "poll_bio")):
        return -k.errno.EINVAL
    error = _numbers(k, disk)
    if error:
        return error
    ddev = _ddev(k, disk)
    major, first = _read(k, disk, GD, "major"), _read(k, disk, GD, "first_minor")
    devt = (major << MINORBITS) | first
    hidden = _read(k, disk, GD, "flags") & GENHD_FL_HIDDEN
    mem.write_ptr(ddev + _off(k, "struct device", "parent"), parent)
    mem.write_ptr(ddev + _off(k, "struct device", "groups"), groups)
    driver_core._set_name(k, ddev, _name(k, disk), call.return_address)
    if not hidden:
        mem.write_u32(ddev + _off(k, "struct device", "devt"), devt)
    module = k.loader.module_at(call.return_address)
    error = driver_core.add_device(k, ddev, module, call.return_address)
    if error:
        release_ext_minor(k, disk)
        return error
    part0 = mem.read_ptr(disk + _off(k, GD, "part0"))
    if not hidden:
        bdi = mem.read_ptr(disk + _off(k, GD, "bdi"))
        error = backing_dev.register_name(k, bdi, f"{major}:{first}".encode())
        if error:
            driver_core.device_del(k, ddev)
            release_ext_minor(k, disk)
            return error
        if _capacity(k, disk) and not _read(k, disk, GD, "flags") & GENHD_FL_NO_PART and \
                not _read(k, disk, GD, "state") & 1 << GD_SUPPRESS_PART_SCAN:
            _state(k, disk, set_bits=1 << GD_NEED_PART_SCAN)
    mem.write_u32(part0 + _off(k, BDEV, "bd_dev"), devt)
    _state(k, disk, set_bits=1 << GD_ADDED)
    disks(k)[disk] = _name(k, disk)
    if module is not None:
        module.on_unload(f"disk {disk:#x}", lambda: _forget(k, disk))
    return 0


def _forget(k, disk: int) -> None:
    disks(k).pop(disk, None)


@table.service("void del_gendisk(struct gendisk *disk)")
def del_gendisk(k, disk: int) -> None:
    """Take an added disk away: bdi, device, GD_DEAD, its owned blk-mq queue off the set."""
    mem = k.machine.mem
    if disk not in disks(k):
        if not _read(k, disk, GD, "flags") & GENHD_FL_HIDDEN:
            warn(k, f"WARNING: del_gendisk: {_name(k, disk)!r} is not a live disk")
        return
    _state(k, disk, set_bits=1 << GD_DEAD)
    if not _read(k, disk, GD, "flags") & GENHD_FL_HIDDEN:
        bdi = mem.read_ptr(disk + _off(k, GD, "bdi"))
        if bdi:
            backing_dev.bdi_unregister(k, bdi)
    driver_core.device_del(k, _ddev(k, disk))
    q = mem.read_ptr(disk + _off(k, GD, "queue"))
    if _read(k, disk, GD, "state") & 1 << gendisk.GD_OWNS_QUEUE and mem.read_ptr(q + _off(k, RQ, "mq_ops")):
        gendisk._exit_mq_queue(k, q)
    disks(k).pop(disk, None)
    for m in k.loader.modules:
        m.forget_undo(f"disk {disk:#x}")


@table.service("void set_capacity(struct gendisk *disk, u64 size)")
def set_capacity(k, disk: int, size: int) -> None:
    """The disk's size in 512-byte sectors (part0's bd_nr_sectors)."""
    part0 = k.machine.mem.read_ptr(disk + _off(k, GD, "part0"))
    k.machine.mem.write_u64(part0 + _off(k, BDEV, "bd_nr_sectors"), size & ((1 << 64) - 1))


@table.service("bool set_capacity_and_notify(struct gendisk *disk, u64 size)")
def set_capacity_and_notify(k, disk: int, size: int) -> int:
    """set_capacity; for a live visible disk whose size changes, the kernel's notice, and
    true (a uevent) unless the size goes from or to 0."""
    before = _capacity(k, disk)
    set_capacity(k, disk, size)
    if size == before or disk not in disks(k) or _read(k, disk, GD, "flags") & GENHD_FL_HIDDEN:
        return 0
    k.linux.pr(f"{_name(k, disk)}: detected capacity change from {before} to {size}", 6)
    return 1 if before and size else 0


@table.service("int sync_blockdev(struct block_device *bdev)")
def sync_blockdev(k, bdev: int) -> int:
    """Write the device's dirty page-cache pages and wait: kemu keeps no page cache for
    block devices, so nothing is ever dirty and the answer is 0, as for NULL."""
    return 0


@table.service("void set_disk_ro(struct gendisk *disk, bool read_only)")
def set_disk_ro(k, disk: int, read_only: int) -> None:
    """GD_READ_ONLY on or off."""
    if read_only & 0xFF:
        _state(k, disk, set_bits=1 << GD_READ_ONLY)
    else:
        _state(k, disk, clear_bits=1 << GD_READ_ONLY)
