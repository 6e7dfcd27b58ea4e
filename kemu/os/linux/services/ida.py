"""The IDA (lib/idr.c, 6.1): a set of allocated small integer ids, the lowest free one handed
out first (minor numbers, instance numbers, device indices).

A struct ida is a struct xarray; kemu keeps the allocated ids by the ida's address and makes
the xarray's xa_head tell what the inline ida_is_empty() (xa_empty) reads: non-NULL while
any id is allocated (a block charged to the allocating caller, so ids never freed show as
the leak their bitmaps would be), NULL when none is.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .xarray import sync_head

table = ServiceTable("ida")

INT_MAX = 0x7FFFFFFF
ENOSPC = 28


def _ids(k, ida: int) -> set[int]:
    return k.linux.__dict__.setdefault("idas", {}).setdefault(ida, set())


def _sync(k, ida: int, caller: int | None = None) -> None:
    sync_head(k, ida, bool(_ids(k, ida)), "ida bitmap", caller)


def _signed(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


@table.service("int ida_alloc_range(struct ida *ida, unsigned int min, unsigned int max, gfp_t gfp)",
               needs_call=True)
def ida_alloc_range(k, ida: int, min: int, max: int, gfp: int, call=None) -> int:
    """The lowest unallocated id in [min, max], now allocated; -ENOSPC when the range is
    full or min is above INT_MAX (a max above INT_MAX is INT_MAX, as ids are ints)."""
    if _signed(min) < 0:
        return -ENOSPC
    if _signed(max) < 0:
        max = INT_MAX
    ids = _ids(k, ida)
    i = min
    while i <= max and i in ids:
        i += 1
    if i > max:
        return -ENOSPC
    ids.add(i)
    _sync(k, ida, call.return_address)
    return i


@table.service("void ida_free(struct ida *ida, unsigned int id)")
def ida_free(k, ida: int, id: int) -> None:
    """Release an id; one that is not allocated gets the kernel's WARN and nothing changes."""
    ids = _ids(k, ida)
    if id not in ids:
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr(f"ida_free called for id={_signed(id)} which is not allocated.", 4)
        k.linux.add_taint("W")
        return
    ids.discard(id)
    _sync(k, ida)


@table.service("void ida_destroy(struct ida *ida)")
def ida_destroy(k, ida: int) -> None:
    """Free every id (the ida is empty and may be reused or thrown away)."""
    _ids(k, ida).clear()
    _sync(k, ida)
    k.linux.idas.pop(ida, None)
