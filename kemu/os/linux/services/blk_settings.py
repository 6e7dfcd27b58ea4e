"""Request queue settings (block/blk-settings.c, blk-core.c; 6.1): the setters drivers call
on a new disk's queue before adding it, each keeping the limits consistent as the kernel
does.

* blk_queue_flag_set / _clear: one bit of q->queue_flags;
* blk_queue_logical_block_size / physical_block_size / io_min: the physical size is never
  below the logical one and io_min never below either; a logical size rounds max_sectors
  and max_hw_sectors down to whole blocks;
* blk_queue_max_hw_sectors: at least one page (the kernel's "set to minimum" notice),
  rounded to whole logical blocks; max_sectors follows, capped by max_dev_sectors and
  BLK_DEF_MAX_SECTORS, and so does the disk's bdi io_pages;
* blk_queue_io_opt: the optimal size, and the disk's readahead twice that (never below the
  default);
* blk_queue_max_segments (at least 1), blk_queue_max_segment_size (at least a page; a WARN
  if a virt boundary is set), blk_queue_max_discard_sectors, _max_write_zeroes_sectors,
  blk_queue_rq_timeout;
* blk_queue_write_cache: QUEUE_FLAG_WC and QUEUE_FLAG_FUA as the driver says.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .blkdev import warn
from .gendisk import LIM, RQ, _off, _read, _write

table = ServiceTable("blk_settings")

SECTOR_SHIFT, PAGE_SHIFT = 9, 12
BLK_DEF_MAX_SECTORS = 2560
QUEUE_FLAG_WC, QUEUE_FLAG_FUA = 17, 18
VM_READAHEAD_PAGES = (128 << 10) >> PAGE_SHIFT


def _lim(k, q: int, fld: str) -> int:
    return _read(k, q + _off(k, RQ, "limits"), LIM, fld)


def _set_lim(k, q: int, fld: str, value: int) -> None:
    _write(k, q + _off(k, RQ, "limits"), LIM, fld, value)


def _flags(k, q: int, set_bits: int = 0, clear_bits: int = 0) -> None:
    _write(k, q, RQ, "queue_flags", (_read(k, q, RQ, "queue_flags") | set_bits) & ~clear_bits)


def _round_down(value: int, step: int) -> int:
    return value - value % step if step else value


@table.service("void blk_queue_flag_set(unsigned int flag, struct request_queue *q)")
def blk_queue_flag_set(k, flag: int, q: int) -> None:
    """Set one queue flag."""
    _flags(k, q, set_bits=1 << flag)


@table.service("void blk_queue_flag_clear(unsigned int flag, struct request_queue *q)")
def blk_queue_flag_clear(k, flag: int, q: int) -> None:
    """Clear one queue flag."""
    _flags(k, q, clear_bits=1 << flag)


def _raise_io_min(k, q: int) -> None:
    for fld in ("logical_block_size", "physical_block_size"):
        if _lim(k, q, "io_min") < _lim(k, q, fld):
            _set_lim(k, q, "io_min", _lim(k, q, fld))


@table.service("void blk_queue_logical_block_size(struct request_queue *q, unsigned int size)")
def blk_queue_logical_block_size(k, q: int, size: int) -> None:
    """The smallest unit the device addresses; the other sizes and the sector caps follow."""
    _set_lim(k, q, "logical_block_size", size)
    if _lim(k, q, "physical_block_size") < size:
        _set_lim(k, q, "physical_block_size", size)
    _raise_io_min(k, q)
    for fld in ("max_hw_sectors", "max_sectors"):
        _set_lim(k, q, fld, _round_down(_lim(k, q, fld), size >> SECTOR_SHIFT))


@table.service("void blk_queue_physical_block_size(struct request_queue *q, unsigned int size)")
def blk_queue_physical_block_size(k, q: int, size: int) -> None:
    """The device's internal block size (never below the logical one)."""
    _set_lim(k, q, "physical_block_size", max(size, _lim(k, q, "logical_block_size")))
    _raise_io_min(k, q)


@table.service("void blk_queue_io_min(struct request_queue *q, unsigned int min)")
def blk_queue_io_min(k, q: int, min: int) -> None:
    """The preferred minimum I/O size (never below the block sizes)."""
    _set_lim(k, q, "io_min", min)
    _raise_io_min(k, q)


@table.service("void blk_queue_max_hw_sectors(struct request_queue *q, unsigned int max_hw_sectors)")
def blk_queue_max_hw_sectors(k, q: int, max_hw_sectors: int) -> None:
    """The hardware's transfer cap; max_sectors and the bdi's io_pages follow."""
    if (max_hw_sectors << SECTOR_SHIFT) < (1 << PAGE_SHIFT):
        max_hw_sectors = 1 << (PAGE_SHIFT - SECTOR_SHIFT)
        k.linux.pr(f"blk_queue_max_hw_sectors: set to minimum {max_hw_sectors}", 6)
    block = _lim(k, q, "logical_block_size") >> SECTOR_SHIFT
    max_hw_sectors = _round_down(max_hw_sectors, block)
    _set_lim(k, q, "max_hw_sectors", max_hw_sectors)
    dev = _lim(k, q, "max_dev_sectors")
    max_sectors = min(max_hw_sectors, dev) if dev else max_hw_sectors
    max_sectors = _round_down(min(max_sectors, BLK_DEF_MAX_SECTORS), block)
    _set_lim(k, q, "max_sectors", max_sectors)
    disk = k.machine.mem.read_ptr(q + _off(k, RQ, "disk"))
    if disk:
        bdi = k.machine.mem.read_ptr(disk + _off(k, "struct gendisk", "bdi"))
        if bdi:
            k.machine.mem.write_ptr(bdi + _off(k, "struct backing_dev_info", "io_pages"),
                                    max_sectors >> (PAGE_SHIFT - SECTOR_SHIFT))


@table.service("void blk_queue_max_segments(struct request_queue *q, unsigned short max_segments)")
def blk_queue_max_segments(k, q: int, max_segments: int) -> None:
    """Scatter-gather entries per request (at least 1)."""
    if not max_segments:
        max_segments = 1
        k.linux.pr("blk_queue_max_segments: set to minimum 1", 6)
    _set_lim(k, q, "max_segments", max_segments)


@table.service("void blk_queue_max_segment_size(struct request_queue *q, unsigned int max_size)")
def blk_queue_max_segment_size(k, q: int, max_size: int) -> None:
    """Largest segment (at least a page; a virt boundary makes it meaningless: WARN)."""
    if max_size < 1 << PAGE_SHIFT:
        max_size = 1 << PAGE_SHIFT
        k.linux.pr(f"blk_queue_max_segment_size: set to minimum {max_size}", 6)
    if _lim(k, q, "virt_boundary_mask"):
        warn(k, "WARNING: blk_queue_max_segment_size with a virt boundary set")
    _set_lim(k, q, "max_segment_size", max_size)


@table.service("void blk_queue_max_discard_sectors(struct request_queue *q, unsigned int max_discard_sectors)")
def blk_queue_max_discard_sectors(k, q: int, max_discard_sectors: int) -> None:
    """Discard size cap (hardware and current)."""
    _set_lim(k, q, "max_hw_discard_sectors", max_discard_sectors)
    _set_lim(k, q, "max_discard_sectors", max_discard_sectors)


@table.service("void blk_queue_max_write_zeroes_sectors(struct request_queue *q, "
               "unsigned int max_write_zeroes_sectors)")
def blk_queue_max_write_zeroes_sectors(k, q: int, max_write_zeroes_sectors: int) -> None:
    """Write-zeroes size cap."""
    _set_lim(k, q, "max_write_zeroes_sectors", max_write_zeroes_sectors)


@table.service("void blk_queue_io_opt(struct request_queue *q, unsigned int opt)")
def blk_queue_io_opt(k, q: int, opt: int) -> None:
    """The optimal I/O size; the disk's readahead becomes twice it (at least the default)."""
    _set_lim(k, q, "io_opt", opt)
    disk = k.machine.mem.read_ptr(q + _off(k, RQ, "disk"))
    bdi = k.machine.mem.read_ptr(disk + _off(k, "struct gendisk", "bdi")) if disk else 0
    if bdi:
        ra = max(opt * 2 // (1 << PAGE_SHIFT), VM_READAHEAD_PAGES)
        k.machine.mem.write_ptr(bdi + _off(k, "struct backing_dev_info", "ra_pages"), ra)


@table.service("void blk_queue_rq_timeout(struct request_queue *q, unsigned int timeout)")
def blk_queue_rq_timeout(k, q: int, timeout: int) -> None:
    """Request timeout in jiffies."""
    _write(k, q, RQ, "rq_timeout", timeout)


@table.service("void blk_queue_write_cache(struct request_queue *q, bool wc, bool fua)")
def blk_queue_write_cache(k, q: int, wc: int, fua: int) -> None:
    """The write-back cache and FUA flags, each set or cleared."""
    for flag, on in ((QUEUE_FLAG_WC, wc & 0xFF), (QUEUE_FLAG_FUA, fua & 0xFF)):
        _flags(k, q, set_bits=(1 << flag) if on else 0, clear_bits=0 if on else 1 << flag)
