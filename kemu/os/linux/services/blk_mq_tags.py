"""blk-mq tag sets (block/blk-mq.c, blk-mq-tag.c, blk-mq-cpumap.c; 6.1):
blk_mq_alloc_tag_set / blk_mq_free_tag_set / blk_mq_map_queues.

blk_mq_alloc_tag_set checks the set as the kernel does: no hardware queues, no queue depth,
a depth below reserved_tags + 1, no queue_rq, get_budget without put_budget (or the other way
round) or more than HCTX_MAX_TYPES maps are -EINVAL; a depth above BLK_MQ_MAX_DEPTH is cut
down with the kernel's notice; nr_maps 0 becomes 1; with one map the hardware queues are
capped at nr_cpu_ids. It then allocates, charged to the caller (so a module that never frees
its tag set leaks visibly):

* `tags`, one struct blk_mq_tags pointer per hardware queue;
* each map's mq_map (a queue number per CPU), filled by the driver's map_queues if it has
  one, else by blk_mq_map_queues (present CPUs spread over the map's queues in turn);
* per hardware queue (or once, shared, for BLK_MQ_F_TAG_HCTX_SHARED) a struct blk_mq_tags
  with nr_tags/nr_reserved_tags, its rqs[] and static_rqs[] arrays, and queue_depth requests
  of round_up(sizeof(struct request) + cmd_size, 64) bytes carved from page-aligned chunks
  of at most 16 pages, each handed to the driver's init_request(set, rq, hctx_idx, node)
  (an error there unwinds everything and the answer is -ENOMEM). When that cannot be had,
  the kernel halves the depth and tries again, down to reserved_tags + 1.

blk_mq_free_tag_set calls exit_request for every request, frees the chunks, the arrays, the
tags, the maps and `tags`. kemu issues no I/O, so the sbitmap queues that hand tags out
stay zeroed, and the chunks are kept in Python (`TagChunks`) rather than on the tags'
page_list, which the kernel threads through struct page.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("blk_mq_tags")

SET, OPS, TAGS, QMAP = "struct blk_mq_tag_set", "struct blk_mq_ops", "struct blk_mq_tags", "struct blk_mq_queue_map"
HCTX_MAX_TYPES = 3
BLK_MQ_MAX_DEPTH = 10240
BLK_MQ_TAG_MIN = 1
BLK_MQ_TAG_MAX = (1 << 16) - 2          # BLK_MQ_NO_TAG - 1
BLK_MQ_F_TAG_HCTX_SHARED = 1 << 3
BLK_MQ_NO_HCTX_IDX = 0xFFFFFFFF
NUMA_NO_NODE = 0xFFFFFFFF
PAGE_SIZE, MAX_CHUNK_ORDER, CACHE_LINE = 4096, 4, 64
MAX_ALLOC = 1 << 26


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _u32(k, addr: int) -> int:
    return k.machine.mem.read_u32(addr)


def _set_u32(k, addr: int, value: int) -> None:
    k.machine.mem.write_u32(addr, value & 0xFFFFFFFF)


def _chunks(k) -> dict[int, list[int]]:
    """struct blk_mq_tags -> the request chunks allocated for it."""
    reg = k.linux.__dict__.get("blk_mq_tag_chunks")
    if reg is None:
        reg = k.linux.__dict__["blk_mq_tag_chunks"] = {}
    return reg


def _nr_cpu_ids(k) -> int:
    return 1


def _op(k, set_: int, name: str) -> int:
    ops = k.machine.mem.read_ptr(set_ + _off(k, SET, "ops"))
    return k.machine.mem.read_ptr(ops + _off(k, OPS, name))


def _qmap(k, set_: int, i: int) -> int:
    return set_ + _off(k, SET, "map") + i * k.linux.layout.size(QMAP)


def _kcalloc(k, n: int, size: int, caller: int | None, align: int = 8) -> int:
    total = max(n * size, 1)
    if total > MAX_ALLOC:
        return 0
    return k.heap.alloc(total, "kmalloc", zero=True, align=align, caller=caller)


def _free(k, addr: int) -> None:
    if addr:
        k.heap.free(addr)


# --- queue maps -------------------------------------------------------------------------------

def map_queues(k, qmap: int) -> None:
    """blk_mq_map_queues: every possible CPU unmapped, then present CPUs given the map's
    queues in turn (queue_offset + q % nr_queues)."""
    mem = k.machine.mem
    mq_map = mem.read_ptr(qmap + _off(k, QMAP, "mq_map"))
    nr_queues = _u32(k, qmap + _off(k, QMAP, "nr_queues"))
    offset = _u32(k, qmap + _off(k, QMAP, "queue_offset"))
    for cpu in range(_nr_cpu_ids(k)):
        mem.write_u32(mq_map + 4 * cpu, (offset + cpu % nr_queues) & 0xFFFFFFFF if nr_queues else 0xFFFFFFFF)


@table.service("void blk_mq_map_queues(struct blk_mq_queue_map *qmap)")
def blk_mq_map_queues(k, qmap: int) -> None:
    """Map each CPU to one of the map's queues."""
    map_queues(k, qmap)


def _update_queue_map(k, set_: int) -> None:
    nr_maps = _u32(k, set_ + _off(k, SET, "nr_maps"))
    if nr_maps == 1:
        _set_u32(k, _qmap(k, set_, 0) + _off(k, QMAP, "nr_queues"), _u32(k, set_ + _off(k, SET, "nr_hw_queues")))
    fn = _op(k, set_, "map_queues")
    if fn:
        for i in range(nr_maps):
            mq_map = k.machine.mem.read_ptr(_qmap(k, set_, i) + _off(k, QMAP, "mq_map"))
            k.machine.mem.write(mq_map, bytes(4 * _nr_cpu_ids(k)))
        k.linux.call_kernel_word(fn, set_, what="blk_mq_ops.map_queues")
    else:
        map_queues(k, _qmap(k, set_, 0))


# --- tags and their requests ------------------------------------------------------------------

def _free_rqs(k, set_: int, tags: int, hctx_idx: int) -> None:
    """blk_mq_free_rqs: exit_request for each request, then the chunks."""
    mem, word = k.machine.mem, k.machine.word_size
    static = mem.read_ptr(tags + _off(k, TAGS, "static_rqs"))
    exit_request = _op(k, set_, "exit_request")
    if static and exit_request:
        for i in range(_u32(k, tags + _off(k, TAGS, "nr_tags"))):
            rq = mem.read_ptr(static + i * word)
            if rq:
                k.linux.call_kernel_word(exit_request, set_, rq, hctx_idx, what="blk_mq_ops.exit_request")
                mem.write_ptr(static + i * word, 0)
    for chunk in _chunks(k).pop(tags, []):
        _free(k, chunk)


def _free_map(k, tags: int) -> None:
    """blk_mq_free_rq_map: the arrays and the tags."""
    for fld in ("rqs", "static_rqs"):
        _free(k, k.machine.mem.read_ptr(tags + _off(k, TAGS, fld)))
    _free(k, tags)


def _alloc_rqs(k, set_: int, tags: int, hctx_idx: int, depth: int, caller: int | None) -> int:
    """blk_mq_alloc_rqs: carve depth requests out of chunks, init_request on each."""
    mem, word, lay = k.machine.mem, k.machine.word_size, k.linux.layout
    rq_size = -(-(lay.size("struct request") + _u32(k, set_ + _off(k, SET, "cmd_size"))) // CACHE_LINE) * CACHE_LINE
    static = mem.read_ptr(tags + _off(k, TAGS, "static_rqs"))
    init_request = _op(k, set_, "init_request")
    node = _u32(k, set_ + _off(k, SET, "numa_node"))
    chunks = _chunks(k).setdefault(tags, [])
    i, left = 0, rq_size * depth
    while i < depth:
        order = MAX_CHUNK_ORDER
        while order and left < (PAGE_SIZE << (order - 1)):
            order -= 1
        chunk = k.heap.alloc(PAGE_SIZE << order, "pages", zero=True, align=PAGE_SIZE, caller=caller)
        if not chunk:
            return -k.errno.ENOMEM
        chunks.append(chunk)
        per_chunk = max((PAGE_SIZE << order) // rq_size, 1)
        for j in range(min(per_chunk, depth - i)):
            rq = chunk + j * rq_size
            mem.write_ptr(static + i * word, rq)
            if init_request and k.linux.call_kernel_pointer(init_request, set_, rq, hctx_idx, node,
                                                            what="blk_mq_ops.init_request"):
                mem.write_ptr(static + i * word, 0)
                return -k.errno.ENOMEM
            i += 1
        left -= per_chunk * rq_size
    return 0


def _alloc_map_and_rqs(k, set_: int, hctx_idx: int, depth: int, caller: int | None) -> int:
    """blk_mq_alloc_map_and_rqs: a struct blk_mq_tags with its requests, or 0."""
    mem, word = k.machine.mem, k.machine.word_size
    reserved = _u32(k, set_ + _off(k, SET, "reserved_tags"))
    if depth > BLK_MQ_TAG_MAX:
        k.linux.pr("blk-mq: tag depth too large", 3)
        return 0
    tags = k.heap.alloc(k.linux.layout.size(TAGS), "kmalloc", zero=True, caller=caller)
    _set_u32(k, tags + _off(k, TAGS, "nr_tags"), depth)
    _set_u32(k, tags + _off(k, TAGS, "nr_reserved_tags"), reserved)
    page_list = tags + _off(k, TAGS, "page_list")
    mem.write_ptr(page_list, page_list)
    mem.write_ptr(page_list + word, page_list)
    for fld in ("rqs", "static_rqs"):
        mem.write_ptr(tags + _off(k, TAGS, fld), _kcalloc(k, depth, word, caller))
    if _alloc_rqs(k, set_, tags, hctx_idx, depth, caller):
        _free_rqs(k, set_, tags, hctx_idx)
        _free_map(k, tags)
        return 0
    return tags


def _free_map_and_rqs(k, set_: int, tags: int, hctx_idx: int) -> None:
    if tags:
        _free_rqs(k, set_, tags, hctx_idx)
        _free_map(k, tags)


def _shared(k, set_: int) -> bool:
    return bool(_u32(k, set_ + _off(k, SET, "flags")) & BLK_MQ_F_TAG_HCTX_SHARED)


def _free_all_tags(k, set_: int, upto: int) -> None:
    mem, word = k.machine.mem, k.machine.word_size
    tags_array = mem.read_ptr(set_ + _off(k, SET, "tags"))
    if not _shared(k, set_):
        for i in range(upto):
            _free_map_and_rqs(k, set_, mem.read_ptr(tags_array + i * word), i)
    for i in range(upto):
        mem.write_ptr(tags_array + i * word, 0)
    if _shared(k, set_):
        _free_map_and_rqs(k, set_, mem.read_ptr(set_ + _off(k, SET, "shared_tags")), BLK_MQ_NO_HCTX_IDX)
        mem.write_ptr(set_ + _off(k, SET, "shared_tags"), 0)


def _alloc_all_tags(k, set_: int, caller: int | None) -> int:
    """__blk_mq_alloc_rq_maps: the shared tags or one per hardware queue; all or nothing."""
    mem, word = k.machine.mem, k.machine.word_size
    depth = _u32(k, set_ + _off(k, SET, "queue_depth"))
    nr_hw = _u32(k, set_ + _off(k, SET, "nr_hw_queues"))
    tags_array = mem.read_ptr(set_ + _off(k, SET, "tags"))
    if _shared(k, set_):
        shared = _alloc_map_and_rqs(k, set_, BLK_MQ_NO_HCTX_IDX, depth, caller)
        if not shared:
            return -k.errno.ENOMEM
        mem.write_ptr(set_ + _off(k, SET, "shared_tags"), shared)
    for i in range(nr_hw):
        tags = mem.read_ptr(set_ + _off(k, SET, "shared_tags")) if _shared(k, set_) else \
            _alloc_map_and_rqs(k, set_, i, depth, caller)
        if not tags:
            _free_all_tags(k, set_, i)
            return -k.errno.ENOMEM
        mem.write_ptr(tags_array + i * word, tags)
    return 0


def _alloc_with_fallback_depth(k, set_: int, caller: int | None) -> int:
    """blk_mq_alloc_set_map_and_rqs: halve the depth until the tags fit (or it is too small)."""
    depth_at = set_ + _off(k, SET, "queue_depth")
    first = _u32(k, depth_at)
    reserved = _u32(k, set_ + _off(k, SET, "reserved_tags"))
    while True:
        if not _alloc_all_tags(k, set_, caller):
            break
        _set_u32(k, depth_at, _u32(k, depth_at) >> 1)
        if _u32(k, depth_at) < reserved + BLK_MQ_TAG_MIN:
            return -k.errno.ENOMEM
    if _u32(k, depth_at) != first:
        k.linux.pr(f"blk_mq_alloc_set_map_and_rqs: reduced tag depth ({first} -> {_u32(k, depth_at)})", 6)
    return 0


# --- the tag set ------------------------------------------------------------------------------

def _check(k, set_: int) -> int:
    mem = k.machine.mem
    depth = _u32(k, set_ + _off(k, SET, "queue_depth"))
    if not _u32(k, set_ + _off(k, SET, "nr_hw_queues")) or not depth:
        return -k.errno.EINVAL
    if depth < _u32(k, set_ + _off(k, SET, "reserved_tags")) + BLK_MQ_TAG_MIN:
        return -k.errno.EINVAL
    if not mem.read_ptr(set_ + _off(k, SET, "ops")) or not _op(k, set_, "queue_rq"):
        return -k.errno.EINVAL
    if bool(_op(k, set_, "get_budget")) != bool(_op(k, set_, "put_budget")):
        return -k.errno.EINVAL
    if depth > BLK_MQ_MAX_DEPTH:
        k.linux.pr(f"blk-mq: reduced tag depth to {BLK_MQ_MAX_DEPTH}", 6)
        _set_u32(k, set_ + _off(k, SET, "queue_depth"), BLK_MQ_MAX_DEPTH)
    nr_maps = _u32(k, set_ + _off(k, SET, "nr_maps"))
    if nr_maps == 0:
        _set_u32(k, set_ + _off(k, SET, "nr_maps"), 1)
    elif nr_maps > HCTX_MAX_TYPES:
        return -k.errno.EINVAL
    if _u32(k, set_ + _off(k, SET, "nr_maps")) == 1 and _u32(k, set_ + _off(k, SET, "nr_hw_queues")) > _nr_cpu_ids(k):
        _set_u32(k, set_ + _off(k, SET, "nr_hw_queues"), _nr_cpu_ids(k))
    return 0


def _free_maps(k, set_: int) -> None:
    mem = k.machine.mem
    for i in range(min(_u32(k, set_ + _off(k, SET, "nr_maps")), HCTX_MAX_TYPES)):
        slot = _qmap(k, set_, i) + _off(k, QMAP, "mq_map")
        _free(k, mem.read_ptr(slot))
        mem.write_ptr(slot, 0)


@table.service("int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set)", needs_call=True)
def blk_mq_alloc_tag_set(k, set_: int, call=None) -> int:
    """Check the set, then allocate its maps, tags and requests; 0, -EINVAL or -ENOMEM."""
    mem, word = k.machine.mem, k.machine.word_size
    caller = call.return_address
    error = _check(k, set_)
    if error:
        return error
    nr_hw = _u32(k, set_ + _off(k, SET, "nr_hw_queues"))
    tags_array = _kcalloc(k, nr_hw, word, caller)
    if not tags_array:
        return -k.errno.ENOMEM
    mem.write_ptr(set_ + _off(k, SET, "tags"), tags_array)
    for i in range(_u32(k, set_ + _off(k, SET, "nr_maps"))):
        mem.write_ptr(_qmap(k, set_, i) + _off(k, QMAP, "mq_map"), _kcalloc(k, _nr_cpu_ids(k), 4, caller))
        _set_u32(k, _qmap(k, set_, i) + _off(k, QMAP, "nr_queues"), nr_hw)
    _update_queue_map(k, set_)
    if _alloc_with_fallback_depth(k, set_, caller):
        _free_maps(k, set_)
        _free(k, tags_array)
        mem.write_ptr(set_ + _off(k, SET, "tags"), 0)
        return -k.errno.ENOMEM
    mem.write(set_ + _off(k, SET, "tag_list_lock"), bytes(k.linux.layout.field_size(SET, "tag_list_lock")))
    head = set_ + _off(k, SET, "tag_list")
    mem.write_ptr(head, head)
    mem.write_ptr(head + word, head)
    return 0


@table.service("void blk_mq_free_tag_set(struct blk_mq_tag_set *set)")
def blk_mq_free_tag_set(k, set_: int) -> None:
    """exit_request for every request; free the requests, tags, maps and the tags array."""
    mem = k.machine.mem
    if mem.read_ptr(set_ + _off(k, SET, "tags")):
        _free_all_tags(k, set_, _u32(k, set_ + _off(k, SET, "nr_hw_queues")))
    _free_maps(k, set_)
    _free(k, mem.read_ptr(set_ + _off(k, SET, "tags")))
    mem.write_ptr(set_ + _off(k, SET, "tags"), 0)
