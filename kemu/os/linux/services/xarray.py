"""The XArray (lib/xarray.c, 6.1): a sparse array of pointers indexed by unsigned long, with
three search marks per entry, as modules use it for their object tables (ib_core's clients,
ALSA's control ids, scsi_debug's stores).

kemu keeps each struct xarray's entries and marks here, by the xarray's address; the guest's
struct stays real where inline code reads it:
- xa_head (xa_empty): a kernel "node" block while any entry is present, NULL when empty. The
  block is charged to the caller that made the array non-empty, so an array left full at
  unload shows as the leak its nodes would be;
- xa_flags (xa_marked): bit XA_FLAGS_MARK(m) set while some entry carries mark m.

Entries are caller pointers; an internal entry (low bits 10, what xa_is_internal tests) is
refused with -EINVAL as the real xarray does. A reserved slot (xa_insert/xa_alloc of NULL,
xa_reserve) holds XA_ZERO_ENTRY: it reads as NULL but makes inserts there -EBUSY. Arrays
made with XA_FLAGS_ALLOC (xa_alloc) store NULL as a reservation too, and with
XA_FLAGS_ALLOC1 (ZERO_BUSY) never hand out index 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("xarray")

XA_FLAGS = 4                      # struct xarray.xa_flags (both arches)
XA_HEAD = 8                       # struct xarray.xa_head (both arches)
NODE_SIZE = 576                   # sizeof(struct xa_node) on x86-64: what the head block stands for
XA_FLAGS_TRACK_FREE, XA_FLAGS_ZERO_BUSY = 4, 8
#: root mark bits sit above the gfp bits (__GFP_BITS_SHIFT, 27 in Debian's 6.1 without lockdep)
MARK_SHIFT = 27
XA_MAX_MARKS = 3
XA_PRESENT = 8
ZERO = object()                   # XA_ZERO_ENTRY: reserved, reads as NULL
EINVAL, EBUSY = 22, 16


@dataclass
class XArray:
    entries: dict[int, object] = field(default_factory=dict)   # index -> pointer or ZERO
    marks: tuple[set, set, set] = field(default_factory=lambda: (set(), set(), set()))


def arrays(k) -> dict[int, XArray]:
    """Every xarray kemu has seen on this kernel, by address."""
    return k.linux.__dict__.setdefault("xarrays", {})


def array(k, xa: int, what: str) -> XArray:
    if not xa:
        raise KernelPanic(f"{what}: NULL struct xarray")
    return arrays(k).setdefault(xa, XArray())


def ulong(k) -> int:
    return (1 << (8 * k.machine.word_size)) - 1


def err_entry(k, errno: int) -> int:
    """xa_mk_internal(-errno): what xa_store and friends return for an error (xa_err reads it)."""
    return ((-errno) << 2 | 2) & ulong(k)


def is_internal(entry: int) -> bool:
    return entry & 3 == 2


def sync_head(k, xa: int, nonempty: bool, tag: str, caller: int | None = None) -> None:
    """xa_head of the struct xarray at xa (an xarray, an ida's or an idr's): a node block
    charged to `caller` while the array holds anything, NULL when it is empty, as the inline
    xa_empty/ida_is_empty/idr_is_empty read it."""
    mem = k.machine.mem
    head = mem.read_ptr(xa + XA_HEAD)
    if nonempty and not head:
        mem.write_ptr(xa + XA_HEAD, k.heap.alloc(NODE_SIZE, tag, zero=True, caller=caller))
    elif not nonempty and head:
        k.heap.free(head)
        mem.write_ptr(xa + XA_HEAD, 0)


def sync(k, xa: int, a: XArray, caller: int | None = None) -> None:
    """Make the guest struct tell what inline code asks: xa_head NULL iff empty, root marks."""
    mem = k.machine.mem
    sync_head(k, xa, bool(a.entries), "xa_node", caller)
    flags = mem.read_u32(xa + XA_FLAGS)
    # an allocating array keeps XA_FREE_MARK (mark 0) for its own free-slot tracking
    for m in range(1 if flags & XA_FLAGS_TRACK_FREE else 0, XA_MAX_MARKS):
        bit = 1 << (MARK_SHIFT + m)
        flags = flags | bit if a.marks[m] else flags & ~bit
    mem.write_u32(xa + XA_FLAGS, flags)


def _flags(k, xa: int) -> int:
    return k.machine.mem.read_u32(xa + XA_FLAGS)


def _value(entry: object) -> int:
    return 0 if entry is ZERO or entry is None else entry


def _remove(a: XArray, index: int) -> object:
    for m in a.marks:
        m.discard(index)
    return a.entries.pop(index, None)


def store(k, xa: int, index: int, entry: int, caller: int | None) -> int:
    """__xa_store: put entry at index (NULL erases, or reserves in an alloc array); the old one."""
    a = array(k, xa, "xa_store")
    if is_internal(entry):
        return err_entry(k, EINVAL)
    if not entry and not _flags(k, xa) & XA_FLAGS_TRACK_FREE:
        old = _remove(a, index)
    else:
        old = a.entries.get(index)
        a.entries[index] = entry or ZERO
    sync(k, xa, a, caller)
    return _value(old)


@table.service("void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)", needs_call=True)
def xa_store(k, xa: int, index: int, entry: int, gfp: int, call=None) -> int:
    """Store entry at index, replacing what was there (returned); XA_ERROR(-EINVAL) for an
    internal entry."""
    return store(k, xa, index, entry, call.return_address)


@table.service("void *__xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)", needs_call=True)
def __xa_store(k, xa: int, index: int, entry: int, gfp: int, call=None) -> int:
    """xa_store with the xa_lock already held."""
    return store(k, xa, index, entry, call.return_address)


def insert(k, xa: int, index: int, entry: int, caller: int | None) -> int:
    a = array(k, xa, "xa_insert")
    if is_internal(entry):
        return -EINVAL
    if index in a.entries:
        return -EBUSY
    a.entries[index] = entry or ZERO
    sync(k, xa, a, caller)
    return 0


@table.service("int __xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)", needs_call=True)
def __xa_insert(k, xa: int, index: int, entry: int, gfp: int, call=None) -> int:
    """Store entry at index only if nothing (not even a reservation) is there: 0, -EBUSY if
    occupied, -EINVAL for an internal entry. NULL reserves the index."""
    return insert(k, xa, index, entry, call.return_address)


@table.service("void *xa_load(struct xarray *xa, unsigned long index)")
def xa_load(k, xa: int, index: int) -> int:
    """The entry at index, NULL if none (or only reserved)."""
    return _value(array(k, xa, "xa_load").entries.get(index))


def erase(k, xa: int, index: int) -> int:
    a = array(k, xa, "xa_erase")
    if _flags(k, xa) & XA_FLAGS_TRACK_FREE:
        old = a.entries.get(index)
        _remove(a, index)
    else:
        old = _remove(a, index)
    sync(k, xa, a)
    return _value(old)


@table.service("void *xa_erase(struct xarray *xa, unsigned long index)")
def xa_erase(k, xa: int, index: int) -> int:
    """Remove the entry at index (and its marks, and any reservation); the old entry."""
    return erase(k, xa, index)


@table.service("void *__xa_erase(struct xarray *xa, unsigned long index)")
def __xa_erase(k, xa: int, index: int) -> int:
    """xa_erase with the xa_lock already held."""
    return erase(k, xa, index)


@table.service("void *xa_store_range(struct xarray *xa, unsigned long first, unsigned long last, "
               "void *entry, gfp_t gfp)", needs_call=True)
def xa_store_range(k, xa: int, first: int, last: int, entry: int, gfp: int, call=None) -> int:
    """The same entry at every index of [first, last] (NULL erases the range); NULL, or
    XA_ERROR(-EINVAL) for an internal entry. kemu keeps one slot per index, so ranges wider
    than 2^20 indices are refused as -ENOMEM would be."""
    a = array(k, xa, "xa_store_range")
    if is_internal(entry):
        return err_entry(k, EINVAL)
    if last < first:
        return 0
    if last - first >= 1 << 20:
        return err_entry(k, 12)
    for i in range(first, last + 1):
        _remove(a, i)
        if entry:
            a.entries[i] = entry
    sync(k, xa, a, call.return_address)
    return 0


def _mark(k, mark: int, what: str) -> int:
    if mark >= XA_MAX_MARKS:
        raise KernelPanic(f"kernel BUG in {what}: mark {mark} is not XA_MARK_0..2")
    return mark


def set_mark(k, xa: int, index: int, mark: int) -> None:
    a = array(k, xa, "xa_set_mark")
    if index in a.entries and a.entries[index] is not ZERO:
        a.marks[_mark(k, mark, "xa_set_mark")].add(index)
        sync(k, xa, a)


def clear_mark(k, xa: int, index: int, mark: int) -> None:
    a = array(k, xa, "xa_clear_mark")
    a.marks[_mark(k, mark, "xa_clear_mark")].discard(index)
    sync(k, xa, a)


@table.service("void xa_set_mark(struct xarray *xa, unsigned long index, unsigned int mark)")
def xa_set_mark(k, xa: int, index: int, mark: int) -> None:
    """Mark the entry at index (nothing if no entry is there)."""
    set_mark(k, xa, index, mark)


@table.service("void __xa_set_mark(struct xarray *xa, unsigned long index, unsigned int mark)")
def __xa_set_mark(k, xa: int, index: int, mark: int) -> None:
    set_mark(k, xa, index, mark)


@table.service("void xa_clear_mark(struct xarray *xa, unsigned long index, unsigned int mark)")
def xa_clear_mark(k, xa: int, index: int, mark: int) -> None:
    """Take the mark off index."""
    clear_mark(k, xa, index, mark)


@table.service("void __xa_clear_mark(struct xarray *xa, unsigned long index, unsigned int mark)")
def __xa_clear_mark(k, xa: int, index: int, mark: int) -> None:
    clear_mark(k, xa, index, mark)


@table.service("bool xa_get_mark(struct xarray *xa, unsigned long index, unsigned int mark)")
def xa_get_mark(k, xa: int, index: int, mark: int) -> int:
    """Whether the entry at index carries mark."""
    return int(index in array(k, xa, "xa_get_mark").marks[_mark(k, mark, "xa_get_mark")])


def find(k, xa: int, lo: int, hi: int, filter: int) -> int | None:
    """The lowest index in [lo, hi] holding a real entry (XA_PRESENT) or one marked `filter`."""
    a = array(k, xa, "xa_find")
    if filter < XA_MAX_MARKS:
        pool = a.marks[filter]
    else:
        pool = [i for i, e in a.entries.items() if e is not ZERO]
    found = [i for i in pool if lo <= i <= hi]
    return min(found) if found else None


@table.service("void *xa_find(struct xarray *xa, unsigned long *indexp, unsigned long max, unsigned int filter)")
def xa_find(k, xa: int, indexp: int, max: int, filter: int) -> int:
    """The first entry at or after *indexp up to max that is present (XA_PRESENT) or carries
    the mark; its index goes to *indexp. NULL when none (then *indexp is left alone)."""
    mem = k.machine.mem
    i = find(k, xa, mem.read_ptr(indexp), max, filter)
    if i is None:
        return 0
    mem.write_ptr(indexp, i)
    return _value(arrays(k)[xa].entries[i])


@table.service("void *xa_find_after(struct xarray *xa, unsigned long *indexp, unsigned long max, "
               "unsigned int filter)")
def xa_find_after(k, xa: int, indexp: int, max: int, filter: int) -> int:
    """xa_find strictly after *indexp (the step of xa_for_each); NULL at the end."""
    mem = k.machine.mem
    start = mem.read_ptr(indexp)
    if start >= ulong(k):
        return 0
    i = find(k, xa, start + 1, max, filter)
    if i is None:
        return 0
    mem.write_ptr(indexp, i)
    return _value(arrays(k)[xa].entries[i])


@table.service("int __xa_alloc(struct xarray *xa, u32 *id, void *entry, u64 limit, gfp_t gfp)",
               needs_call=True)
def __xa_alloc(k, xa: int, id: int, entry: int, limit: int, gfp: int, call=None) -> int:
    """Store entry at the lowest free index in [limit.min, limit.max] (ZERO_BUSY arrays skip
    0), written to *id: 0, -EBUSY if the range is full, -EINVAL for an internal entry or an
    array not made for allocation. (struct xa_limit is {u32 max; u32 min;} by value: one
    register on x86-64, two stack words on i386; either way max is the low half.)"""
    a = array(k, xa, "__xa_alloc")
    flags = _flags(k, xa)
    if is_internal(entry) or not flags & XA_FLAGS_TRACK_FREE:
        return -EINVAL
    hi, lo = limit & 0xFFFFFFFF, (limit >> 32) & 0xFFFFFFFF
    if flags & XA_FLAGS_ZERO_BUSY:
        lo = max(lo, 1)
    i = lo
    while i <= hi and i in a.entries:
        i += 1
    if i > hi:
        return -EBUSY
    a.entries[i] = entry or ZERO
    k.machine.mem.write_u32(id, i)
    sync(k, xa, a, call.return_address)
    return 0


@table.service("void xa_destroy(struct xarray *xa)")
def xa_destroy(k, xa: int) -> None:
    """Forget every entry and mark (the entries' memory is the caller's); the array is empty."""
    a = array(k, xa, "xa_destroy")
    a.entries.clear()
    for m in a.marks:
        m.clear()
    sync(k, xa, a)
    arrays(k).pop(xa, None)
