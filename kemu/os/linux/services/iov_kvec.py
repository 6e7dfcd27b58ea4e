"""Copying through a kernel-buffer iov_iter (lib/iov_iter.c in Linux 6.1), what a protocol's
sendmsg does with the message kernel_sendmsg hands it (net_kernel_sock.py builds the
ITER_KVEC iterator).

* `_copy_from_iter(addr, bytes, i)`: up to min(bytes, i->count) bytes gathered from the
  kvecs into addr, the iterator advanced past them (whole segments dropped, iov_offset into
  the current one); returns the number copied.
* `iov_iter_revert(i, unroll)`: the iterator moved back by `unroll` bytes.
Only ITER_KVEC is modelled; an iterator over user memory (ITER_IOVEC / ITER_UBUF) or pages
is recorded as a call kemu cannot carry out (counted as a fallback) and copies nothing.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .net_kernel_sock import unmodelled

table = ServiceTable("iov_kvec")

ITER_KVEC = 1


class KvecIter:
    """Field access to one struct iov_iter."""

    def __init__(self, k, it: int) -> None:
        self.k, self.it = k, it
        self.lay, self.mem = k.linux.layout, k.machine.mem
        self.kvec_size = self.lay.size("struct kvec")

    def get(self, field: str) -> int:
        lay = self.lay
        return self.mem.read_int(self.it + lay.offset("struct iov_iter", field), lay.field_size("struct iov_iter", field))

    def set(self, field: str, value: int) -> None:
        lay = self.lay
        self.mem.write_int(self.it + lay.offset("struct iov_iter", field), lay.field_size("struct iov_iter", field), value)

    def seg(self, kvec: int) -> tuple[int, int]:
        lay = self.lay
        return (self.mem.read_ptr(kvec + lay.offset("struct kvec", "iov_base")),
                self.mem.read_int(kvec + lay.offset("struct kvec", "iov_len"), lay.field_size("struct kvec", "iov_len")))


def _unmodelled(k, call, name: str, it: int) -> int:
    return unmodelled(k, call, name, f"iov_iter {it:#x} is not ITER_KVEC, which kemu does not model")


@table.service("size_t _copy_from_iter(void *addr, size_t bytes, struct iov_iter *i)", needs_call=True)
def _copy_from_iter(k, addr: int, nbytes: int, it: int, call=None) -> int:
    """Gather up to `bytes` bytes from the iterator into addr and advance it."""
    v = KvecIter(k, it)
    if v.get("iter_type") != ITER_KVEC:
        return _unmodelled(k, call, "_copy_from_iter", it)
    want = min(nbytes, v.get("count"))
    kvec, offset, segs, done = v.get("kvec"), v.get("iov_offset"), v.get("nr_segs"), 0
    while done < want and segs:
        base, length = v.seg(kvec)
        n = min(length - offset, want - done)
        if n > 0:
            v.mem.write(addr + done, v.mem.read(base + offset, n))
            done, offset = done + n, offset + n
        if offset >= length:
            kvec, offset, segs = kvec + v.kvec_size, 0, segs - 1
    v.set("kvec", kvec)
    v.set("iov_offset", offset)
    v.set("nr_segs", segs)
    v.set("count", v.get("count") - done)
    return done


@table.service("void iov_iter_revert(struct iov_iter *i, size_t unroll)", needs_call=True)
def iov_iter_revert(k, it: int, unroll: int, call=None) -> None:
    """Move the iterator back by `unroll` bytes (0 or more than MAX_RW_COUNT: nothing)."""
    if not unroll or unroll > 0x7FFFF000:
        return
    v = KvecIter(k, it)
    if v.get("iter_type") != ITER_KVEC:
        _unmodelled(k, call, "iov_iter_revert", it)
        return
    v.set("count", v.get("count") + unroll)
    offset = v.get("iov_offset")
    if unroll <= offset:
        v.set("iov_offset", offset - unroll)
        return
    unroll -= offset
    kvec, segs = v.get("kvec"), v.get("nr_segs")
    while True:
        kvec, segs = kvec - v.kvec_size, segs + 1
        length = v.seg(kvec)[1]
        if unroll <= length:
            break
        unroll -= length
    v.set("kvec", kvec)
    v.set("nr_segs", segs)
    v.set("iov_offset", length - unroll)
