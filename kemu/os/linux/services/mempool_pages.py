"""Page pools (mm/mempool.c, 6.1): mempool_alloc_pages / mempool_free_pages, the element
functions of mempool_create_page_pool(min_nr, order), whose pool_data is the order.

An element is alloc_pages(gfp, order)'s struct page and goes back with
__free_pages(page, order). The struct page model belongs to the page allocator's services
(alloc_pages, __free_pages); these call them through the kernel's own entry points, so
the pages are the allocator's in every respect (page_address works on them, leaks are
charged as its are). A kernel built without those services has no page allocator to ask:
mempool_alloc_pages then says so in the log and answers NULL, which makes the pool's
creation fail with -ENOMEM as a real allocation failure would.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("mempool_pages")


def _entry(k, name: str) -> int:
    found = k.installed.get(name)
    return found[1] if found else 0


@table.service("void *mempool_alloc_pages(gfp_t gfp_mask, void *pool_data)")
def mempool_alloc_pages(k, gfp_mask: int, pool_data: int) -> int:
    """alloc_pages(gfp_mask, order = pool_data); NULL when no page can be had."""
    alloc = _entry(k, "alloc_pages")
    if not alloc:
        k.linux.pr("mempool_alloc_pages: this kernel has no page allocator (alloc_pages)", 3)
        return 0
    return k.linux.call_kernel_word(alloc, gfp_mask, pool_data & 0xFFFFFFFF, what="alloc_pages")


@table.service("void mempool_free_pages(void *element, void *pool_data)")
def mempool_free_pages(k, element: int, pool_data: int) -> None:
    """__free_pages(element, order = pool_data)."""
    free = _entry(k, "__free_pages")
    if element and free:
        k.linux.call_kernel_word(free, element, pool_data & 0xFFFFFFFF, what="__free_pages")
