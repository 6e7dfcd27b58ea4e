"""Socket buffers (net/core/skbuff.c in Linux 6.1) as modules allocate, fill and free them.

* `__alloc_skb(size, gfp, flags, node)`: the struct sk_buff (skbuff_head_cache) and a data
  block of SKB_DATA_ALIGN(size) + SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) bytes rounded
  up to the kmalloc bucket, with the skb_shared_info at its very end: head = data = the block,
  tail at the start, end where the shared info begins (offsets from head on x86-64, pointers
  on i386, as NET_SKBUFF_DATA_USES_OFFSET decides), truesize SKB_TRUESIZE(end), users 1,
  dataref 1, mac and transport headers unset (~0). Fast-clone requests get a plain skb (fclone
  SKB_FCLONE_UNAVAILABLE), which frees the same way.
* `consume_skb` / `kfree_skb_reason`: drop a reference (NULL ignored); the last one runs the
  destructor, frees the frag_list chain, the data block, then the skb. Page fragments are not
  modelled: an skb with nr_frags is reported and its pages left alone.
* `skb_put` / `skb_push` / `skb_pull`: grow the data at the tail or head, or eat from the head;
  running past end or head is skb_over_panic / skb_under_panic (a BUG: reported, nothing moved).
* `skb_queue_tail` / `skb_queue_head` / `skb_dequeue` / `skb_queue_purge`: the sk_buff_head
  queue (next/prev shared with the skbs', qlen kept), purge freeing each skb.
Both blocks are charged to the allocating module, so an skb it never frees is a leak.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("skbuff")

SMP_CACHE_BYTES = 64
KMALLOC_BUCKETS = (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192)


def _align(x: int, a: int = SMP_CACHE_BYTES) -> int:
    return -(-x // a) * a


def _kmalloc_size_roundup(n: int) -> int:
    for b in KMALLOC_BUCKETS:
        if n <= b:
            return b
    return _align(n, 4096)


class Skb:
    """Field access for one sk_buff, with the arch's tail/end convention."""

    def __init__(self, k, skb: int) -> None:
        self.k, self.skb = k, skb
        self.lay, self.mem = k.linux.layout, k.machine.mem
        self.offsets = k.machine.word_size == 8          # NET_SKBUFF_DATA_USES_OFFSET

    def addr(self, name: str) -> int:
        return self.skb + self.lay.offset("struct sk_buff", name)

    def get(self, name: str) -> int:
        return self.mem.read_int(self.addr(name), self.lay.field_size("struct sk_buff", name))

    def set(self, name: str, value: int) -> None:
        size = self.lay.field_size("struct sk_buff", name)
        self.mem.write_int(self.addr(name), size, value & ((1 << (8 * size)) - 1))

    def head(self) -> int:
        return self.get("head")

    def tail_ptr(self) -> int:
        return self.head() + self.get("tail") if self.offsets else self.get("tail")

    def end_ptr(self) -> int:
        return self.head() + self.get("end") if self.offsets else self.get("end")

    def set_tail_ptr(self, p: int) -> None:
        self.set("tail", p - self.head() if self.offsets else p)

    def shinfo(self, field: str) -> int:
        return self.end_ptr() + self.lay.offset("struct skb_shared_info", field)

    def cloned(self) -> bool:
        return bool(self.mem.read_u8(self.addr("__cloned_offset")) & 1)


def _skbs(k) -> dict[int, int]:
    """Live skbs from __alloc_skb -> their data block."""
    return k.linux.__dict__.setdefault("skbs", {})


@table.service("struct sk_buff *__alloc_skb(unsigned int size, gfp_t priority, int flags, int node)",
               needs_call=True)
def __alloc_skb(k, size: int, priority: int, flags: int, node: int, call=None) -> int:
    """An skb with a linear data area of at least `size` bytes (NULL when that is absurd)."""
    lay, caller = k.linux.layout, call.return_address
    size &= 0xFFFFFFFF
    shinfo_size = _align(lay.size("struct skb_shared_info"))
    obj = _kmalloc_size_roundup(_align(size) + shinfo_size)
    if obj > (1 << 26):
        return 0
    skb = k.heap.alloc(lay.size("struct sk_buff"), "skbuff_head_cache", zero=True, caller=caller)
    data = k.heap.alloc(obj, "kmalloc", zero=False, caller=caller)
    _skbs(k)[skb] = data
    s = Skb(k, skb)
    end = obj - shinfo_size
    s.set("truesize", end + _align(lay.size("struct sk_buff")) + shinfo_size)
    s.set("users", 1)
    s.set("head", data)
    s.set("data", data)
    s.set("tail", 0 if s.offsets else data)
    s.set("end", end if s.offsets else data + end)
    s.set("mac_header", 0xFFFF)
    s.set("transport_header", 0xFFFF)
    k.machine.mem.write(data + end, bytes(lay.offset("struct skb_shared_info", "dataref")))
    k.machine.mem.write_u32(s.shinfo("dataref"), 1)
    return skb


def _free(k, skb: int, depth: int = 0) -> None:
    """__kfree_skb: destructor, frag_list, the data block, the skb."""
    skbs = _skbs(k)
    if skb not in skbs:
        k.linux.pr(f"kemu: freeing sk_buff {skb:#x} that __alloc_skb did not make", 3)
        k.linux.add_taint("W")
        return
    s, mem = Skb(k, skb), k.machine.mem
    destructor = s.get("destructor")
    if destructor:
        k.machine.call(destructor, skb)
    if mem.read_u8(s.shinfo("nr_frags")):
        k.linux.pr(f"kemu: sk_buff {skb:#x} has page fragments, which kemu does not model: left alone", 4)
    frag = mem.read_ptr(s.shinfo("frag_list"))
    while frag and depth < 64:
        nxt = Skb(k, frag).get("next")
        _put(k, frag, depth + 1)
        frag = nxt
    data = skbs.pop(skb)
    if data in k.heap:
        k.heap.free(data)
    k.heap.free(skb)


def _put(k, skb: int, depth: int = 0) -> None:
    """skb_unref, then free on the last reference."""
    if not skb:
        return
    s = Skb(k, skb)
    users = s.get("users")
    if users == 0:
        k.linux.pr(f"refcount_t: underflow; use-after-free. (sk_buff {skb:#x})", 4)
        k.linux.add_taint("W")
    elif users == 1:
        _free(k, skb, depth)
    else:
        s.set("users", users - 1)


@table.service("void consume_skb(struct sk_buff *skb)")
def consume_skb(k, skb: int) -> None:
    """Drop a reference to an skb that was used as intended; free it on the last one."""
    _put(k, skb)


@table.service("void kfree_skb_reason(struct sk_buff *skb, enum skb_drop_reason reason)")
def kfree_skb_reason(k, skb: int, reason: int) -> None:
    """Drop a reference to an skb dropped for `reason` (only traced); free it on the last one."""
    _put(k, skb)


def _bug(k, what: str) -> int:
    k.linux.pr(f"kernel BUG at net/core/skbuff.c: {what}", 0)
    k.linux.add_taint("D")
    return 0


@table.service("void *skb_put(struct sk_buff *skb, unsigned int len)")
def skb_put(k, skb: int, length: int) -> int:
    """Extend the data at the tail by len bytes; returns where they start."""
    s = Skb(k, skb)
    if s.get("data_len"):
        return _bug(k, f"skb_put on non-linear sk_buff {skb:#x}")
    tail = s.tail_ptr()
    if tail + length > s.end_ptr():
        return _bug(k, f"skb_over_panic: len:{s.get('len')} put:{length} (sk_buff {skb:#x})")
    s.set_tail_ptr(tail + length)
    s.set("len", s.get("len") + length)
    return tail


@table.service("void *skb_push(struct sk_buff *skb, unsigned int len)")
def skb_push(k, skb: int, length: int) -> int:
    """Extend the data at the head by len bytes; returns the new data start."""
    s = Skb(k, skb)
    data = s.get("data") - length
    if data < s.head():
        return _bug(k, f"skb_under_panic: len:{s.get('len')} push:{length} (sk_buff {skb:#x})")
    s.set("data", data)
    s.set("len", s.get("len") + length)
    return data


@table.service("void *skb_pull(struct sk_buff *skb, unsigned int len)")
def skb_pull(k, skb: int, length: int) -> int:
    """Remove len bytes from the start of the data: the new start, or NULL if len > skb->len."""
    s = Skb(k, skb)
    if length > s.get("len"):
        return 0
    s.set("len", s.get("len") - length)
    if s.get("len") < s.get("data_len"):
        return _bug(k, f"skb_pull below data_len (sk_buff {skb:#x})")
    s.set("data", s.get("data") + length)
    return s.get("data")


# --- sk_buff_head queues (include/linux/skbuff.h, net/core/skbuff.c) -----------------------------
def _qlen_addr(k, head: int) -> int:
    return head + k.linux.layout.offset("struct sk_buff_head", "qlen")


def _link(k, skb: int, prev: int, nxt: int, head: int) -> None:
    """__skb_insert: skb between prev and next (either may be the head), qlen + 1."""
    mem, word = k.machine.mem, k.machine.word_size
    mem.write_ptr(skb, nxt)
    mem.write_ptr(skb + word, prev)
    mem.write_ptr(nxt + word, skb)
    mem.write_ptr(prev, skb)
    mem.write_u32(_qlen_addr(k, head), mem.read_u32(_qlen_addr(k, head)) + 1)


def dequeue(k, head: int) -> int:
    """__skb_dequeue: the first skb unlinked (its next/prev cleared), or 0 for an empty queue."""
    mem, word = k.machine.mem, k.machine.word_size
    skb = mem.read_ptr(head)
    if skb == head or not skb:
        return 0
    nxt = mem.read_ptr(skb)
    mem.write_ptr(head, nxt)
    mem.write_ptr(nxt + word, head)
    mem.write_ptr(skb, 0)
    mem.write_ptr(skb + word, 0)
    mem.write_u32(_qlen_addr(k, head), (mem.read_u32(_qlen_addr(k, head)) - 1) & 0xFFFFFFFF)
    return skb


@table.service("struct sk_buff *skb_dequeue(struct sk_buff_head *list)")
def skb_dequeue(k, head: int) -> int:
    """Take the skb at the head of the queue (NULL when empty)."""
    return dequeue(k, head)


@table.service("void skb_queue_purge(struct sk_buff_head *list)")
def skb_queue_purge(k, head: int) -> None:
    """Dequeue and free every skb on the queue."""
    while True:
        skb = dequeue(k, head)
        if not skb:
            return
        _put(k, skb)


@table.service("void skb_queue_tail(struct sk_buff_head *list, struct sk_buff *newsk)")
def skb_queue_tail(k, head: int, newsk: int) -> None:
    """Append an skb to the queue."""
    _link(k, newsk, k.machine.mem.read_ptr(head + k.machine.word_size), head, head)


@table.service("void skb_queue_head(struct sk_buff_head *list, struct sk_buff *newsk)")
def skb_queue_head(k, head: int, newsk: int) -> None:
    """Put an skb at the front of the queue."""
    _link(k, newsk, head, k.machine.mem.read_ptr(head), head)
