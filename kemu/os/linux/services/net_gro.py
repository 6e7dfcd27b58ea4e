"""NAPI contexts, GRO cells and per-CPU route caches of a net_device (net/core/dev.c,
gro_cells.c, dst_cache.c in Linux 6.1): what IP tunnel drivers (ip_gre, ipip, ip_vti, sit,
ip6_tunnel) set up in their ndo_init and take down in ndo_uninit.

* `netif_napi_add_weight`: a NAPI context is initialised (empty poll, rx and GRO lists, its
  poll function and weight, the device) and joins `dev->napi_list`, left scheduled
  (SCHED|NPSVC) until `napi_enable`; adding it twice is 6.1's WARN. `napi_disable` marks it
  scheduled again (kemu never polls, so nothing is waited for); `__netif_napi_del` unlinks it.
* `gro_cells_init`: per-CPU {skb queue, NAPI context} cells, each NAPI added to the device with
  the kernel's gro_cell_poll (NO_BUSY_POLL) and enabled; `gro_cells_destroy` disables and
  deletes each, purges its queue and frees the cells.
* `dst_cache_init`: per-CPU route-cache slots (struct dst_cache_pcpu, private to dst_cache.c:
  refresh_ts, dst, cookie, an IPv6-sized source address), empty, reset_ts = jiffies;
  `dst_cache_destroy` frees them (kemu holds no routes, so no dst is released).
One CPU is possible in kemu, so each per-CPU allocation has one copy.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list, list_del_init, list_empty
from .net_device import off as dev_off
from .percpu_alloc import GFP_KERNEL, pcpu_alloc, percpu_address

table = ServiceTable("net_gro")

NAPI_STATE_SCHED, NAPI_STATE_NPSVC, NAPI_STATE_LISTED, NAPI_STATE_NO_BUSY_POLL = 0, 3, 4, 5
GRO_HASH_BUCKETS = 8
NAPI_POLL_WEIGHT = 64


def _f(k, name: str) -> int:
    return k.linux.layout.offset("struct napi_struct", name)


def _state(k, napi: int) -> int:
    return k.machine.mem.read_ptr(napi + _f(k, "state"))


def _set_state(k, napi: int, value: int) -> None:
    k.machine.mem.write_ptr(napi + _f(k, "state"), value)


def _list_add(k, node: int, head: int) -> None:
    """list_add: `node` right after `head`."""
    mem, word = k.machine.mem, k.machine.word_size
    first = mem.read_ptr(head)
    mem.write_ptr(node, first)
    mem.write_ptr(node + word, head)
    mem.write_ptr(first + word, node)
    mem.write_ptr(head, node)


def napi_add(k, dev: int, napi: int, poll: int, weight: int) -> None:
    """netif_napi_add_weight."""
    mem, lay = k.machine.mem, k.linux.layout
    if _state(k, napi) & (1 << NAPI_STATE_LISTED):
        k.linux.pr(f"WARNING: netif_napi_add_weight: napi {napi:#x} already added", 4)
        k.linux.add_taint("W")
        return
    _set_state(k, napi, _state(k, napi) | (1 << NAPI_STATE_LISTED))
    init_list(k, napi + _f(k, "poll_list"))
    mem.write_ptr(napi + _f(k, "napi_hash_node"), 0)
    mem.write_ptr(napi + _f(k, "napi_hash_node") + k.machine.word_size, 0)
    gsize = lay.size("struct gro_list")
    for i in range(GRO_HASH_BUCKETS):
        bucket = napi + _f(k, "gro_hash") + i * gsize
        init_list(k, bucket + lay.offset("struct gro_list", "list"))
        mem.write_u32(bucket + lay.offset("struct gro_list", "count"), 0)
    mem.write_ptr(napi + _f(k, "gro_bitmask"), 0)
    mem.write_ptr(napi + _f(k, "skb"), 0)
    init_list(k, napi + _f(k, "rx_list"))
    mem.write_u32(napi + _f(k, "rx_count"), 0)
    mem.write_ptr(napi + _f(k, "poll"), poll)
    if weight > NAPI_POLL_WEIGHT:
        k.linux.pr(f"netif_napi_add_weight() called with weight {weight}", 3)
    mem.write_u32(napi + _f(k, "weight"), weight & 0xFFFFFFFF)
    mem.write_ptr(napi + _f(k, "dev"), dev)
    _set_state(k, napi, _state(k, napi) | (1 << NAPI_STATE_SCHED) | (1 << NAPI_STATE_NPSVC))
    _list_add(k, napi + _f(k, "dev_list"), dev + dev_off(k, "napi_list"))


def napi_del(k, napi: int) -> None:
    """__netif_napi_del: unlinked from the device's list once."""
    state = _state(k, napi)
    if not state & (1 << NAPI_STATE_LISTED):
        return
    _set_state(k, napi, state & ~(1 << NAPI_STATE_LISTED))
    list_del_init(k, napi + _f(k, "dev_list"))
    k.machine.mem.write_ptr(napi + _f(k, "gro_bitmask"), 0)


def napi_enable_(k, napi: int) -> None:
    _set_state(k, napi, _state(k, napi) & ~((1 << NAPI_STATE_SCHED) | (1 << NAPI_STATE_NPSVC)))


def napi_disable_(k, napi: int) -> None:
    _set_state(k, napi, _state(k, napi) | (1 << NAPI_STATE_SCHED) | (1 << NAPI_STATE_NPSVC))


@table.service("void netif_napi_add_weight(struct net_device *dev, struct napi_struct *napi, "
               "int (*poll)(struct napi_struct *, int), int weight)")
def netif_napi_add_weight(k, dev: int, napi: int, poll: int, weight: int) -> None:
    """Initialise a NAPI context on the device (left disabled)."""
    napi_add(k, dev, napi, poll, weight)


@table.service("void __netif_napi_del(struct napi_struct *napi)")
def __netif_napi_del(k, napi: int) -> None:
    """Take a NAPI context off its device."""
    napi_del(k, napi)


@table.service("void napi_enable(struct napi_struct *n)")
def napi_enable(k, n: int) -> None:
    """Allow the context to be scheduled."""
    napi_enable_(k, n)


@table.service("void napi_disable(struct napi_struct *n)")
def napi_disable(k, n: int) -> None:
    """Stop the context being scheduled (kemu never polls it, so there is nothing to wait for)."""
    napi_disable_(k, n)


def _gro_cell(k) -> tuple[int, int]:
    """(size of struct gro_cell, offset of its napi): an sk_buff_head, then a napi_struct."""
    lay = k.linux.layout
    align = lay.align("struct napi_struct")
    napi_off = -(-lay.size("struct sk_buff_head") // align) * align
    return napi_off + lay.size("struct napi_struct"), napi_off


@table.service("int gro_cells_init(struct gro_cells *gcells, struct net_device *dev)", needs_call=True)
def gro_cells_init(k, gcells: int, dev: int, call=None) -> int:
    """Per-CPU GRO cells for the device: 0 or -ENOMEM."""
    size, napi_off = _gro_cell(k)
    cells = pcpu_alloc(k, size, k.linux.layout.align("struct napi_struct"), GFP_KERNEL, call)
    if not cells:
        return -k.errno.ENOMEM
    k.machine.mem.write_ptr(gcells, cells)
    cell = percpu_address(k, cells)
    init_list(k, cell)                                   # __skb_queue_head_init: next = prev = head
    napi = cell + napi_off
    _set_state(k, napi, 1 << NAPI_STATE_NO_BUSY_POLL)
    napi_add(k, dev, napi, k.missing_stub("gro_cell_poll"), NAPI_POLL_WEIGHT)
    napi_enable_(k, napi)
    return 0


@table.service("void gro_cells_destroy(struct gro_cells *gcells)", needs_call=True)
def gro_cells_destroy(k, gcells: int, call=None) -> None:
    """Disable and delete each cell's NAPI, purge its queue, free the cells."""
    cells = k.machine.mem.read_ptr(gcells)
    if not cells:
        return
    _, napi_off = _gro_cell(k)
    cell = percpu_address(k, cells)
    napi_disable_(k, cell + napi_off)
    napi_del(k, cell + napi_off)
    if not list_empty(k, cell):
        k.linux.pr(f"kemu: gro_cells_destroy: queued skbs in cell {cell:#x} left alone", 4)
    k.heap.free(cell, caller=call.return_address)
    k.machine.mem.write_ptr(gcells, 0)


def _dst_cache_pcpu_size(k) -> int:
    """struct dst_cache_pcpu (private to net/core/dst_cache.c): unsigned long refresh_ts,
    struct dst_entry *dst, u32 cookie, union {in_addr, in6_addr}, padded to a word."""
    word = k.machine.word_size
    return -(-(2 * word + 4 + 16) // word) * word


@table.service("int dst_cache_init(struct dst_cache *dst_cache, gfp_t gfp)", needs_call=True)
def dst_cache_init(k, dst_cache: int, gfp: int, call=None) -> int:
    """Empty per-CPU route-cache slots: 0 or -ENOMEM."""
    lay = k.linux.layout
    cache = pcpu_alloc(k, _dst_cache_pcpu_size(k), k.machine.word_size, gfp, call)
    if not cache:
        return -k.errno.ENOMEM
    k.machine.mem.write_ptr(dst_cache + lay.offset("struct dst_cache", "cache"), cache)
    k.machine.mem.write_ptr(dst_cache + lay.offset("struct dst_cache", "reset_ts"),
                            k.linux.timekeeping.jiffies & ((1 << (8 * k.machine.word_size)) - 1))
    return 0


@table.service("void dst_cache_destroy(struct dst_cache *dst_cache)", needs_call=True)
def dst_cache_destroy(k, dst_cache: int, call=None) -> None:
    """Free the per-CPU slots (NULL cache ignored)."""
    addr = dst_cache + k.linux.layout.offset("struct dst_cache", "cache")
    cache = k.machine.mem.read_ptr(addr)
    if not cache:
        return
    k.heap.free(percpu_address(k, cache), caller=call.return_address)
    k.machine.mem.write_ptr(addr, 0)
