"""List LRUs (mm/list_lru.c, 6.1): __list_lru_init / list_lru_destroy and the list walks
a shrinker's owner uses (list_lru_add, list_lru_del, list_lru_count_one).

__list_lru_init records the shrinker's id (-1 without one), kcalloc's one list_lru_node per
NUMA node (kemu has one node; the array is charged to the caller, so a module that never
destroys it leaks visibly), each with an empty list and no items, and notes whether the LRU
is memcg-aware; a memcg-aware one gets an empty XArray and joins the kernel's memcg_list_lrus
list. kemu runs no memory cgroups, so every item lives on the node's global list, as the
kernel keeps them for the root cgroup. list_lru_destroy undoes all of it (nothing for an LRU
whose node array is already gone).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list, list_add_tail, list_del_init, list_empty

table = ServiceTable("list_lru")

LRU, NODE = "struct list_lru", "struct list_lru_node"
NR_NODE_IDS = 1
XA_FLAGS_LOCK_IRQ = 1


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _memcg_list(k) -> int:
    head = k.linux.__dict__.get("memcg_list_lrus")
    if head is None:
        head = k.linux.__dict__["memcg_list_lrus"] = k.machine.alloc("kdata", 2 * k.machine.word_size, 16)
        init_list(k, head)
    return head


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) else value


@table.service("int __list_lru_init(struct list_lru *lru, bool memcg_aware, struct lock_class_key *key, "
               "struct shrinker *shrinker)", needs_call=True)
def __list_lru_init(k, lru: int, memcg_aware: int, key: int, shrinker: int, call=None) -> int:
    """Set the LRU up: per-node empty lists, the shrinker id; 0 or -ENOMEM."""
    mem, lay = k.machine.mem, k.linux.layout
    shrinker_id = mem.read_u32(shrinker + _off(k, "struct shrinker", "id")) if shrinker else 0xFFFFFFFF
    mem.write_u32(lru + _off(k, LRU, "shrinker_id"), shrinker_id)
    nodes = k.heap.alloc(NR_NODE_IDS * lay.size(NODE), "kmalloc", zero=True, caller=call.return_address)
    if not nodes:
        return -k.errno.ENOMEM
    mem.write_ptr(lru + _off(k, LRU, "node"), nodes)
    for i in range(NR_NODE_IDS):
        init_list(k, nodes + i * lay.size(NODE) + _off(k, NODE, "lru.list"))
    aware = 1 if memcg_aware & 0xFF else 0
    mem.write_u8(lru + _off(k, LRU, "memcg_aware"), aware)
    if aware:
        xa = lru + _off(k, LRU, "xa")
        mem.write(xa, bytes(lay.size("struct xarray")))
        mem.write_u32(xa + _off(k, "struct xarray", "xa_flags"), XA_FLAGS_LOCK_IRQ)
        list_add_tail(k, lru + _off(k, LRU, "list"), _memcg_list(k))
    return 0


@table.service("void list_lru_destroy(struct list_lru *lru)", needs_call=True)
def list_lru_destroy(k, lru: int, call=None) -> None:
    """Free the node array (nothing if already destroyed), leave memcg_list_lrus."""
    mem = k.machine.mem
    nodes = mem.read_ptr(lru + _off(k, LRU, "node"))
    if not nodes:
        return
    if mem.read_u8(lru + _off(k, LRU, "memcg_aware")):
        list_del_init(k, lru + _off(k, LRU, "list"))
    k.heap.free(nodes, caller=call.return_address)
    mem.write_ptr(lru + _off(k, LRU, "node"), 0)
    mem.write_u32(lru + _off(k, LRU, "shrinker_id"), 0xFFFFFFFF)


def _node(k, lru: int, nid: int = 0) -> int:
    return k.machine.mem.read_ptr(lru + _off(k, LRU, "node")) + nid * k.linux.layout.size(NODE)


def _count_add(k, node: int, delta: int) -> None:
    mem, word = k.machine.mem, k.machine.word_size
    for fld in ("lru.nr_items", "nr_items"):
        at = node + _off(k, NODE, fld)
        value = _signed(mem.read_ptr(at), 8 * word) + delta
        mem.write_ptr(at, value & ((1 << (8 * word)) - 1))


@table.service("bool list_lru_add(struct list_lru *lru, struct list_head *item)")
def list_lru_add(k, lru: int, item: int) -> int:
    """Put an unlisted item at the tail of its node's list; false if it is already on one."""
    if not list_empty(k, item):
        return 0
    node = _node(k, lru)
    list_add_tail(k, item, node + _off(k, NODE, "lru.list"))
    _count_add(k, node, 1)
    return 1


@table.service("bool list_lru_del(struct list_lru *lru, struct list_head *item)")
def list_lru_del(k, lru: int, item: int) -> int:
    """Take a listed item off its list (leaving it empty); false if it was on none."""
    if list_empty(k, item):
        return 0
    list_del_init(k, item)
    _count_add(k, _node(k, lru), -1)
    return 1


@table.service("unsigned long list_lru_count_one(struct list_lru *lru, int nid, struct mem_cgroup *memcg)")
def list_lru_count_one(k, lru: int, nid: int, memcg: int) -> int:
    """Items on the node's list (never negative)."""
    count = _signed(k.machine.mem.read_ptr(_node(k, lru, 0) + _off(k, NODE, "lru.nr_items")),
                    8 * k.machine.word_size)
    return max(count, 0)
