"""The allocator family (mm/slab_common.c, mm/vmalloc.c): every block is a kemu heap block
charged to the module that allocated it, so an unload reports what it never freed."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("memory")

GFP_ZERO = 0x100           # ___GFP_ZERO in 6.1's gfp.h
ZERO_SIZE_PTR = 16         # what kmalloc(0) returns: a pointer that faults when used
MAX_ALLOC = 1 << 26        # larger requests fail (NULL) as a real kernel's would for a module


def _alloc(k, size: int, flags: int, tag: str, call) -> int:
    if size == 0:
        return ZERO_SIZE_PTR
    if size > MAX_ALLOC:
        return 0
    return k.heap.alloc(size, tag, zero=bool(flags & GFP_ZERO), caller=call.return_address)


def _free(k, addr: int, call) -> None:
    if addr > ZERO_SIZE_PTR:
        k.heap.free(addr, caller=call.return_address)


@table.service("void *__kmalloc(size_t size, gfp_t flags)", needs_call=True)
def __kmalloc(k, size: int, flags: int, call=None) -> int:
    """kmalloc of a size not known at compile time; __GFP_ZERO zeroes it (kzalloc)."""
    return _alloc(k, size, flags, "kmalloc", call)


@table.service("void *kmalloc_trace(struct kmem_cache *s, gfp_t flags, size_t size)", needs_call=True)
def kmalloc_trace(k, s: int, flags: int, size: int, call=None) -> int:
    """kmalloc of a constant size from one of kmalloc_caches[] (the cache pointer is only
    recorded by the real kernel for tracing)."""
    return _alloc(k, size, flags, "kmalloc", call)


@table.service("void *kmalloc_large(size_t size, gfp_t flags)", needs_call=True)
def kmalloc_large(k, size: int, flags: int, call=None) -> int:
    """kmalloc above the largest slab cache (page allocator)."""
    return _alloc(k, size, flags, "kmalloc", call)


@table.service("void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)", needs_call=True)
def kmem_cache_alloc(k, s: int, flags: int, call=None) -> int:
    """An object from a cache made by kmem_cache_create (its object size is kept in the cache)."""
    size = k.linux.caches.get(s, 0) or 64
    return _alloc(k, size, flags, "kmem_cache", call)


@table.service("void kmem_cache_free(struct kmem_cache *s, void *objp)", needs_call=True)
def kmem_cache_free(k, s: int, objp: int, call=None) -> None:
    """Give an object back to its cache."""
    _free(k, objp, call)


@table.service("void kfree(const void *objp)", needs_call=True)
def kfree(k, objp: int, call=None) -> None:
    """Free a kmalloc block; NULL and ZERO_SIZE_PTR are ignored; a bad pointer is a HeapError."""
    _free(k, objp, call)


@table.service("void kfree_sensitive(const void *objp)", needs_call=True)
def kfree_sensitive(k, objp: int, call=None) -> None:
    """Zero a kmalloc block, then free it."""
    if objp > ZERO_SIZE_PTR:
        k.machine.mem.write(objp, bytes(k.heap.size_of(objp)))
    _free(k, objp, call)


@table.service("void *krealloc(const void *p, size_t new_size, gfp_t flags)", needs_call=True)
def krealloc(k, p: int, new_size: int, flags: int, call=None) -> int:
    """Resize a kmalloc block, keeping its contents; NULL p is kmalloc; size 0 frees it."""
    if new_size == 0:
        _free(k, p, call)
        return ZERO_SIZE_PTR
    new = _alloc(k, new_size, flags, "kmalloc", call)
    if new and p > ZERO_SIZE_PTR:
        keep = min(k.heap.size_of(p), new_size)
        k.machine.mem.copy(new, p, keep)
        _free(k, p, call)
    return new


@table.service("void *kmemdup(const void *src, size_t len, gfp_t gfp)", needs_call=True)
def kmemdup(k, src: int, length: int, gfp: int, call=None) -> int:
    """A kmalloc copy of len bytes at src."""
    k.check_length(src, length, "read")
    new = _alloc(k, length, gfp, "kmalloc", call)
    if new > ZERO_SIZE_PTR:
        k.machine.mem.copy(new, src, length)
    return new


@table.service("char *kstrdup(const char *s, gfp_t gfp)", needs_call=True)
def kstrdup(k, s: int, gfp: int, call=None) -> int:
    """A kmalloc copy of the string s (NULL stays NULL)."""
    if s == 0:
        return 0
    text = k.read_str(s) + b"\0"
    new = _alloc(k, len(text), gfp, "kmalloc", call)
    if new:
        k.machine.mem.write(new, text)
    return new


@table.service("void *vmalloc(unsigned long size)", needs_call=True)
def vmalloc(k, size: int, call=None) -> int:
    """Virtually contiguous memory (kemu's heap is contiguous anyway)."""
    return _alloc(k, size, 0, "vmalloc", call)


@table.service("void *vzalloc(unsigned long size)", needs_call=True)
def vzalloc(k, size: int, call=None) -> int:
    """vmalloc, zeroed."""
    return _alloc(k, size, GFP_ZERO, "vmalloc", call)


@table.service("void vfree(const void *addr)", needs_call=True)
def vfree(k, addr: int, call=None) -> None:
    """Free a vmalloc block (NULL ignored)."""
    _free(k, addr, call)


@table.service("void *kvmalloc_node(size_t size, gfp_t flags, int node)", needs_call=True)
def kvmalloc_node(k, size: int, flags: int, node: int, call=None) -> int:
    """kvmalloc/kvzalloc: kmalloc, falling back to vmalloc."""
    return _alloc(k, size, flags, "kmalloc", call)


@table.service("void kvfree(const void *addr)", needs_call=True)
def kvfree(k, addr: int, call=None) -> None:
    """Free a kvmalloc block."""
    _free(k, addr, call)


@table.service("struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, "
               "unsigned int align, unsigned int flags, void (*ctor)(void *))", needs_call=True)
def kmem_cache_create(k, name: int, size: int, align: int, flags: int, ctor: int, call=None) -> int:
    """A cache of `size`-byte objects (its descriptor is a heap block the module must destroy)."""
    cache = k.heap.alloc(64, "kmem_cache", zero=True, caller=call.return_address)
    k.linux.caches[cache] = size
    return cache


@table.service("void kmem_cache_destroy(struct kmem_cache *s)", needs_call=True)
def kmem_cache_destroy(k, s: int, call=None) -> None:
    """Destroy a cache made by kmem_cache_create (NULL ignored)."""
    if s:
        k.linux.caches.pop(s, None)
        _free(k, s, call)
