"""NUMA-node and sized allocations built on kmalloc (mm/slab_common.c, lib/bitmap.c,
6.1; the off-stack cpumasks are services/cpumask_alloc.py). kemu has one node: the node argument is accepted and ignored as a
single-node machine does. Each block is a kmalloc heap block charged to the caller, so kfree and
bitmap_free release it and an unfreed one shows as a leak."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .memory import GFP_ZERO, _alloc, _free

table = ServiceTable("alloc_node")

@table.service("void *__kmalloc_node(size_t size, gfp_t flags, int node)", needs_call=True)
def __kmalloc_node(k, size: int, flags: int, node: int, call=None) -> int:
    """kmalloc on a node."""
    return _alloc(k, size, flags, "kmalloc", call)


@table.service("void *kmalloc_node_trace(struct kmem_cache *s, gfp_t gfpflags, int node, size_t size)",
               needs_call=True)
def kmalloc_node_trace(k, s: int, gfpflags: int, node: int, size: int, call=None) -> int:
    """kmalloc_node of a constant size (the cache pointer is only for tracing)."""
    return _alloc(k, size, gfpflags, "kmalloc", call)


@table.service("void *kmalloc_large_node(size_t size, gfp_t flags, int node)", needs_call=True)
def kmalloc_large_node(k, size: int, flags: int, node: int, call=None) -> int:
    """kmalloc_node above the largest slab cache."""
    return _alloc(k, size, flags, "kmalloc", call)


@table.service("void *__kmalloc_node_track_caller(size_t size, gfp_t flags, int node, unsigned long caller)",
               needs_call=True)
def __kmalloc_node_track_caller(k, size: int, flags: int, node: int, caller: int, call=None) -> int:
    """kmalloc recorded as made by `caller` (kmemdup and friends inlined into a module)."""
    return _alloc(k, size, flags, "kmalloc", call)


def _bitmap_bytes(k, nbits: int) -> int:
    word = k.machine.word_size
    return -(-(nbits & 0xFFFFFFFF) // (8 * word)) * word


@table.service("unsigned long *bitmap_alloc(unsigned int nbits, gfp_t flags)", needs_call=True)
def bitmap_alloc(k, nbits: int, flags: int, call=None) -> int:
    """A bitmap of nbits bits (whole longs), uninitialised."""
    return _alloc(k, _bitmap_bytes(k, nbits), flags, "kmalloc", call)


@table.service("unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags)", needs_call=True)
def bitmap_zalloc(k, nbits: int, flags: int, call=None) -> int:
    """A cleared bitmap of nbits bits."""
    return _alloc(k, _bitmap_bytes(k, nbits), flags | GFP_ZERO, "kmalloc", call)


@table.service("void bitmap_free(const unsigned long *bitmap)", needs_call=True)
def bitmap_free(k, bitmap: int, call=None) -> None:
    """Free a bitmap from bitmap_alloc/bitmap_zalloc (NULL is ignored)."""
    _free(k, bitmap, call)
