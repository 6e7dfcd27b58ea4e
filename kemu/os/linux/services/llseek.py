"""The generic llseek helpers of fs/read_write.c that drivers put in their file_operations."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("llseek")

SEEK_SET, SEEK_CUR, SEEK_END = 0, 1, 2
OFFSET_MAX = (1 << 63) - 1
FMODE_UNSIGNED_OFFSET = 0x2000


def _signed64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


def _llseek_size(k, file: int, offset: int, whence: int, maxsize: int, eof: int) -> int:
    lay, mem = k.linux.layout, k.machine.mem
    pos_at = file + lay.offset("struct file", "f_pos")
    pos = _signed64(mem.read_u64(pos_at))
    offset = _signed64(offset)
    if whence == SEEK_END:
        offset += eof
    elif whence == SEEK_CUR:
        if offset == 0:
            return pos
        offset += pos
    elif whence != SEEK_SET:
        return -k.errno.EINVAL
    unsigned = mem.read_u32(file + lay.offset("struct file", "f_mode")) & FMODE_UNSIGNED_OFFSET
    if (offset < 0 and not unsigned) or offset > maxsize:
        return -k.errno.EINVAL
    if offset != pos:
        mem.write_u64(pos_at, offset & ((1 << 64) - 1))
        if lay.has("struct file", "f_version"):
            mem.write_u64(file + lay.offset("struct file", "f_version"), 0)
    return offset


@table.service("loff_t generic_file_llseek_size(struct file *file, loff_t offset, int whence, "
               "loff_t maxsize, loff_t eof)")
def generic_file_llseek_size(k, file: int, offset: int, whence: int, maxsize: int, eof: int) -> int:
    """SEEK_SET/CUR/END (END relative to `eof`) within [0, maxsize]; -EINVAL otherwise."""
    return _llseek_size(k, file, offset, whence, _signed64(maxsize), _signed64(eof))


@table.service("loff_t no_seek_end_llseek(struct file *file, loff_t offset, int whence)")
def no_seek_end_llseek(k, file: int, offset: int, whence: int) -> int:
    """SEEK_SET and SEEK_CUR anywhere up to OFFSET_MAX; SEEK_END has no meaning (-EINVAL)."""
    if whence not in (SEEK_SET, SEEK_CUR):
        return -k.errno.EINVAL
    return _llseek_size(k, file, offset, whence, OFFSET_MAX, 0)


@table.service("loff_t fixed_size_llseek(struct file *file, loff_t offset, int whence, loff_t size)")
def fixed_size_llseek(k, file: int, offset: int, whence: int, size: int) -> int:
    """A file of `size` bytes: SEEK_SET/CUR/END within it."""
    return _llseek_size(k, file, offset, whence, _signed64(size), _signed64(size))
