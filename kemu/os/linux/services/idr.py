"""IDR: small integer ids mapped to pointers (lib/idr.c, 6.1), as a module's object tables use
them (idr_alloc in a create path, idr_find on lookup, idr_remove and idr_destroy on the way out).

Each struct idr's entries are kept here by the idr's address; ids are the lowest free one
at or above max(start, idr_base) and below `end` (end <= 0: INT_MAX inclusive), -ENOSPC
when none is left. The radix tree behind a real idr is kemu's dictionary, but the inline
idr_is_empty() reads idr_rt.xa_head: it points at a kernel "node" block while the idr holds
entries and is NULL when it is empty (so an idr never destroyed shows as a leak, as its
radix-tree nodes would). Offsets (idr_rt.xa_head, idr_base, idr_next) are measured with
offsetof() on Debian's 6.1 headers.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .xarray import sync_head

table = ServiceTable("idr")
INT_MAX = 0x7FFFFFFF
IDR_BASE = {8: 16, 4: 12}
IDR_NEXT = {8: 20, 4: 16}


def _entries(k, idr: int) -> dict[int, int]:
    return k.linux.idrs.setdefault(idr, {})


def _sync_head(k, idr: int) -> None:
    """xa_head: a node block while entries exist, NULL when empty."""
    sync_head(k, idr, bool(_entries(k, idr)), "idr radix tree node")


def _signed(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def _base(k, idr: int) -> int:
    return k.machine.mem.read_u32(idr + IDR_BASE[k.machine.word_size])


def _alloc_in(k, idr: int, ptr: int, lo: int, hi: int) -> int:
    """The lowest free id in [lo, hi], stored; -ENOSPC if none."""
    entries = _entries(k, idr)
    i = lo
    while i <= hi and i in entries:
        i += 1
    if i > hi:
        return -k.errno.ENOSPC
    entries[i] = ptr
    _sync_head(k, idr)
    return i


@table.service("int idr_alloc(struct idr *idr, void *ptr, int start, int end, gfp_t gfp)")
def idr_alloc(k, idr: int, ptr: int, start: int, end: int, gfp: int) -> int:
    """The lowest free id in [start, end) (end <= 0: up to INT_MAX) for `ptr`."""
    start, end = _signed(start), _signed(end)
    if start < 0:
        return -k.errno.EINVAL
    hi = end - 1 if end > 0 else INT_MAX
    return _alloc_in(k, idr, ptr, max(start, _base(k, idr)), hi)


@table.service("int idr_alloc_cyclic(struct idr *idr, void *ptr, int start, int end, gfp_t gfp)")
def idr_alloc_cyclic(k, idr: int, ptr: int, start: int, end: int, gfp: int) -> int:
    """Like idr_alloc, searching from after the last id handed out, wrapping to start."""
    start, end = _signed(start), _signed(end)
    if start < 0:
        return -k.errno.EINVAL
    hi = end - 1 if end > 0 else INT_MAX
    nxt_at = idr + IDR_NEXT[k.machine.word_size]
    lo = max(start, _base(k, idr))
    first = max(lo, k.machine.mem.read_u32(nxt_at))
    got = _alloc_in(k, idr, ptr, first, hi) if first <= hi else -k.errno.ENOSPC
    if got < 0 and first > lo:
        got = _alloc_in(k, idr, ptr, lo, first - 1)
    if got >= 0:
        k.machine.mem.write_u32(nxt_at, got + 1)
    return got


@table.service("void *idr_find(const struct idr *idr, unsigned long id)")
def idr_find(k, idr: int, id: int) -> int:
    return _entries(k, idr).get(id, 0)


@table.service("void *idr_remove(struct idr *idr, unsigned long id)")
def idr_remove(k, idr: int, id: int) -> int:
    """Take the id out; the pointer it held, or NULL."""
    ptr = _entries(k, idr).pop(id, 0)
    _sync_head(k, idr)
    return ptr


@table.service("void *idr_replace(struct idr *idr, void *ptr, unsigned long id)")
def idr_replace(k, idr: int, ptr: int, id: int) -> int:
    """The old pointer, or ERR_PTR(-ENOENT) for an id not in use."""
    entries = _entries(k, idr)
    if id not in entries:
        return -k.errno.ENOENT & ((1 << (8 * k.machine.word_size)) - 1)
    old, entries[id] = entries[id], ptr
    return old


@table.service("void idr_destroy(struct idr *idr)")
def idr_destroy(k, idr: int) -> None:
    """Forget every id (the pointers are the caller's to free)."""
    _entries(k, idr).clear()
    _sync_head(k, idr)


@table.service("int idr_for_each(const struct idr *idr, int (*fn)(int id, void *p, void *data), void *data)")
def idr_for_each(k, idr: int, fn: int, data: int) -> int:
    """fn(id, ptr, data) for each entry in id order until one returns non-zero (returned)."""
    for i, ptr in sorted(_entries(k, idr).items()):
        ret = k.linux.call_kernel_pointer(fn, i, ptr, data, what="idr_for_each callback")
        if ret:
            return ret
    return 0


@table.service("void *idr_get_next(struct idr *idr, int *nextid)")
def idr_get_next(k, idr: int, nextid: int) -> int:
    """The entry at the lowest id >= *nextid (stored back), NULL when none."""
    k.check_length(nextid, 4, "write")
    start = _signed(k.machine.mem.read_u32(nextid))
    found = [i for i in _entries(k, idr) if i >= start]
    if not found:
        return 0
    i = min(found)
    k.machine.mem.write_u32(nextid, i)
    return _entries(k, idr)[i]


@table.service("void *idr_get_next_ul(struct idr *idr, unsigned long *nextid)")
def idr_get_next_ul(k, idr: int, nextid: int) -> int:
    word = k.machine.word_size
    k.check_length(nextid, word, "write")
    start = k.machine.mem.read_ptr(nextid)
    found = [i for i in _entries(k, idr) if i >= start]
    if not found:
        return 0
    i = min(found)
    k.machine.mem.write_ptr(nextid, i)
    return _entries(k, idr)[i]


@table.service("void idr_preload(gfp_t gfp_mask)")
def idr_preload(k, gfp_mask: int) -> None:
    """Preallocate radix-tree nodes for the next idr_alloc: kemu's ids need none."""


#: root tags live in xa_flags above the gfp bits (ROOT_TAG_SHIFT = __GFP_BITS_SHIFT, 27 in 6.1
#: without lockdep: include/linux/gfp_types.h)
ROOT_TAG_SHIFT = 27
XA_FLAGS = 4                      # struct xarray.xa_flags (both arches)


@table.service("int radix_tree_tagged(const struct radix_tree_root *root, unsigned int tag)")
def radix_tree_tagged(k, root: int, tag: int) -> int:
    """Whether the root carries `tag` (idr_is_empty asks for IDR_FREE, set by DEFINE_IDR)."""
    return k.machine.mem.read_u32(root + XA_FLAGS) & (1 << (tag + ROOT_TAG_SHIFT))
