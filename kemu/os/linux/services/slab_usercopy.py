"""The slab calls filesystem modules make for their inode caches (mm/slab_common.c): a cache
with a region user copies may reach (hardened usercopy), and allocation for a list_lru."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .memory import kmem_cache_alloc, kmem_cache_create

table = ServiceTable("slab_usercopy")


@table.service("struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size, "
               "unsigned int align, unsigned int flags, unsigned int useroffset, unsigned int usersize, "
               "void (*ctor)(void *))", needs_call=True)
def kmem_cache_create_usercopy(k, name: int, size: int, align: int, flags: int, useroffset: int,
                               usersize: int, ctor: int, call=None) -> int:
    """kmem_cache_create whose objects' [useroffset, useroffset+usersize) may be copied to or
    from user space; a region outside the object is a bug the kernel WARNs about and drops."""
    if usersize and (useroffset > size or usersize > size - useroffset):
        k.linux.pr(f"WARNING: kmem_cache_create_usercopy {k.read_str(name, 64).decode('latin-1')}: "
                   f"usercopy region outside the object", 4)
    return kmem_cache_create(k, name, size, align, flags, ctor, call=call)


@table.service("void *kmem_cache_alloc_lru(struct kmem_cache *s, struct list_lru *lru, gfp_t gfpflags)",
               needs_call=True)
def kmem_cache_alloc_lru(k, s: int, lru: int, gfpflags: int, call=None) -> int:
    """kmem_cache_alloc for an object that will sit on `lru` (the list is the caller's)."""
    return kmem_cache_alloc(k, s, gfpflags, call=call)
