"""Kernel copies of user memory made in one call (mm/util.c memdup_user and friends)."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .memory import _alloc
from .usercopy import _user_ok

table = ServiceTable("usermem")

GFP_KERNEL = 0xCC0


def _err_ptr(k, errno: int) -> int:
    return (-errno) & ((1 << (8 * k.word_size)) - 1)


@table.service("void *memdup_user(const void *src, size_t len)", needs_call=True)
def memdup_user(k, src: int, len: int, call=None) -> int:
    """A kmalloc'd copy of `len` user bytes; ERR_PTR(-ENOMEM) or ERR_PTR(-EFAULT)."""
    buf = _alloc(k, len, GFP_KERNEL, "kmalloc", call)
    if not buf:
        return _err_ptr(k, k.errno.ENOMEM)
    if not _user_ok(k, src, len):
        if buf > 16:
            k.heap.free(buf)
        return _err_ptr(k, k.errno.EFAULT)
    if len:
        k.machine.mem.write(buf, k.machine.mem.read(src, len))
    return buf


@table.service("void *memdup_user_nul(const void *src, size_t len)", needs_call=True)
def memdup_user_nul(k, src: int, len: int, call=None) -> int:
    """memdup_user with a NUL after the copy (a string from user space)."""
    buf = _alloc(k, len + 1, GFP_KERNEL, "kmalloc", call)
    if not buf:
        return _err_ptr(k, k.errno.ENOMEM)
    if not _user_ok(k, src, len):
        k.heap.free(buf)
        return _err_ptr(k, k.errno.EFAULT)
    k.machine.mem.write(buf, (k.machine.mem.read(src, len) if len else b"") + b"\0")
    return buf
