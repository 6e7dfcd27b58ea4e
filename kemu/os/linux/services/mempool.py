"""Memory pools (mm/mempool.c, 6.1): a reserve of preallocated elements so that an
allocation that must not fail (I/O paths: sunrpc's tasks and buffers, the block layer,
dm) can fall back on it when the allocator has nothing.

A pool is a `struct mempool_s` in guest memory with the caller's alloc/free functions and
their pool_data; creating it fills the reserve with min_nr elements from alloc (ENOMEM and
nothing kept if one fails). mempool_alloc asks the allocator first and takes from the
reserve only when that fails; mempool_free refills the reserve below min_nr, else gives the
element to free. The alloc/free functions are called through their pointers as the kernel
does (a module's own, or the kernel's mempool_alloc_slab/mempool_kmalloc pairs below).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import memory

table = ServiceTable("mempool")

STRUCT = "struct mempool_s"
GFP_KERNEL = 0xCC0
ENOMEM = 12


def _off(k, field: str) -> int:
    return k.linux.layout.offset(STRUCT, field)


def _get(k, pool: int, field: str) -> int:
    if field in ("min_nr", "curr_nr"):
        value = k.machine.mem.read_u32(pool + _off(k, field))
        return value - (1 << 32) if value & 0x80000000 else value
    return k.machine.mem.read_ptr(pool + _off(k, field))


def _set(k, pool: int, field: str, value: int) -> None:
    if field in ("min_nr", "curr_nr"):
        k.machine.mem.write_u32(pool + _off(k, field), value & 0xFFFFFFFF)
    else:
        k.machine.mem.write_ptr(pool + _off(k, field), value)


def _call_alloc(k, pool: int, gfp: int) -> int:
    return k.linux.call_kernel_word(_get(k, pool, "alloc"), gfp, _get(k, pool, "pool_data"),
                                    what="mempool alloc")


def _call_free(k, pool: int, element: int) -> None:
    k.linux.call_kernel_word(_get(k, pool, "free"), element, _get(k, pool, "pool_data"), what="mempool free")


def _add(k, pool: int, element: int) -> None:
    n = _get(k, pool, "curr_nr")
    k.machine.mem.write_ptr(_get(k, pool, "elements") + n * k.machine.word_size, element)
    _set(k, pool, "curr_nr", n + 1)


def _remove(k, pool: int) -> int:
    n = _get(k, pool, "curr_nr") - 1
    _set(k, pool, "curr_nr", n)
    return k.machine.mem.read_ptr(_get(k, pool, "elements") + n * k.machine.word_size)


def pool_exit(k, pool: int) -> None:
    """mempool_exit: free every reserved element through the pool's free, then the array."""
    while _get(k, pool, "curr_nr") > 0:
        _call_free(k, pool, _remove(k, pool))
    elements = _get(k, pool, "elements")
    if elements:
        k.heap.free(elements)
    _set(k, pool, "elements", 0)


def pool_init(k, pool: int, min_nr: int, alloc_fn: int, free_fn: int, pool_data: int, gfp: int,
              caller: int | None) -> int:
    """mempool_init_node: set the pool up and fill its reserve; 0 or -ENOMEM."""
    lay, mem = k.linux.layout, k.machine.mem
    mem.write(pool, bytes(lay.size(STRUCT)))
    _set(k, pool, "min_nr", min_nr)
    _set(k, pool, "pool_data", pool_data)
    _set(k, pool, "alloc", alloc_fn)
    _set(k, pool, "free", free_fn)
    head = pool + _off(k, "wait") + lay.offset("struct wait_queue_head", "head")
    mem.write_ptr(head, head)
    mem.write_ptr(head + k.machine.word_size, head)
    _set(k, pool, "elements", k.heap.alloc(max(min_nr, 1) * k.machine.word_size, "kmalloc", zero=True,
                                           caller=caller))
    while _get(k, pool, "curr_nr") < min_nr:
        element = _call_alloc(k, pool, gfp)
        if not element:
            pool_exit(k, pool)
            return -ENOMEM
        _add(k, pool, element)
    return 0


def pool_create(k, min_nr: int, alloc_fn: int, free_fn: int, pool_data: int, gfp: int, call) -> int:
    pool = k.heap.alloc(k.linux.layout.size(STRUCT), "kmalloc", zero=True, caller=call.return_address)
    if pool_init(k, pool, min_nr, alloc_fn, free_fn, pool_data, gfp, call.return_address):
        k.heap.free(pool)
        return 0
    return pool


@table.service("struct mempool_s *mempool_create(int min_nr, void *alloc_fn, void *free_fn, "
               "void *pool_data)", needs_call=True)
def mempool_create(k, min_nr: int, alloc_fn: int, free_fn: int, pool_data: int, call=None) -> int:
    """A new pool with min_nr elements reserved; NULL if they cannot all be allocated."""
    return pool_create(k, min_nr, alloc_fn, free_fn, pool_data, GFP_KERNEL, call)


@table.service("struct mempool_s *mempool_create_node(int min_nr, void *alloc_fn, void *free_fn, "
               "void *pool_data, gfp_t gfp_mask, int nid)", needs_call=True)
def mempool_create_node(k, min_nr: int, alloc_fn: int, free_fn: int, pool_data: int, gfp_mask: int,
                        nid: int, call=None) -> int:
    """mempool_create with the caller's GFP flags (one NUMA node here)."""
    return pool_create(k, min_nr, alloc_fn, free_fn, pool_data, gfp_mask, call)


@table.service("int mempool_init(struct mempool_s *pool, int min_nr, void *alloc_fn, "
               "void *free_fn, void *pool_data)", needs_call=True)
def mempool_init(k, pool: int, min_nr: int, alloc_fn: int, free_fn: int, pool_data: int, call=None) -> int:
    """Set up a pool embedded in the caller's data; 0 or -ENOMEM."""
    return pool_init(k, pool, min_nr, alloc_fn, free_fn, pool_data, GFP_KERNEL, call.return_address)


@table.service("int mempool_init_node(struct mempool_s *pool, int min_nr, void *alloc_fn, "
               "void *free_fn, void *pool_data, gfp_t gfp_mask, int node_id)", needs_call=True)
def mempool_init_node(k, pool: int, min_nr: int, alloc_fn: int, free_fn: int, pool_data: int, gfp_mask: int,
                      node_id: int, call=None) -> int:
    """mempool_init with the caller's GFP flags."""
    return pool_init(k, pool, min_nr, alloc_fn, free_fn, pool_data, gfp_mask, call.return_address)


@table.service("void mempool_exit(struct mempool_s *pool)")
def mempool_exit(k, pool: int) -> None:
    """Free an embedded pool's reserve (the pool itself is the caller's)."""
    pool_exit(k, pool)


@table.service("void mempool_destroy(struct mempool_s *pool)")
def mempool_destroy(k, pool: int) -> None:
    """Free the reserve and the pool; NULL is ignored."""
    if pool:
        pool_exit(k, pool)
        k.heap.free(pool)


@table.service("void *mempool_alloc(struct mempool_s *pool, gfp_t gfp_mask)")
def mempool_alloc(k, pool: int, gfp_mask: int) -> int:
    """An element from the allocator, else from the reserve; NULL when both are empty
    (kemu has no other task that could free one while this waited)."""
    element = _call_alloc(k, pool, gfp_mask)
    if element:
        return element
    if _get(k, pool, "curr_nr") > 0:
        return _remove(k, pool)
    return 0


@table.service("void mempool_free(void *element, struct mempool_s *pool)")
def mempool_free(k, element: int, pool: int) -> None:
    """Refill the reserve if it is below min_nr, else give the element to the pool's free."""
    if not element:
        return
    if _get(k, pool, "curr_nr") < _get(k, pool, "min_nr"):
        _add(k, pool, element)
        return
    _call_free(k, pool, element)


@table.service("void *mempool_alloc_slab(gfp_t gfp_mask, void *pool_data)", needs_call=True)
def mempool_alloc_slab(k, gfp_mask: int, pool_data: int, call=None) -> int:
    """A pool allocator: an object of the kmem_cache in pool_data."""
    return memory.kmem_cache_alloc(k, pool_data, gfp_mask, call=call)


@table.service("void mempool_free_slab(void *element, void *pool_data)", needs_call=True)
def mempool_free_slab(k, element: int, pool_data: int, call=None) -> None:
    """Give an object back to the kmem_cache in pool_data."""
    memory.kmem_cache_free(k, pool_data, element, call=call)


@table.service("void *mempool_kmalloc(gfp_t gfp_mask, void *pool_data)", needs_call=True)
def mempool_kmalloc(k, gfp_mask: int, pool_data: int, call=None) -> int:
    """A pool allocator: kmalloc of the size in pool_data."""
    return memory._alloc(k, pool_data, gfp_mask, "kmalloc", call)


@table.service("void mempool_kfree(void *element, void *pool_data)", needs_call=True)
def mempool_kfree(k, element: int, pool_data: int, call=None) -> None:
    """kfree for mempool_kmalloc's elements."""
    memory._free(k, element, call)
