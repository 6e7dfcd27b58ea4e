"""Whole pages from the page allocator by address (mm/page_alloc.c, 6.1):
__get_free_pages/get_zeroed_page/free_pages.

A request is 2^order contiguous pages, page-aligned, zeroed with __GFP_ZERO (always for
get_zeroed_page); an order of MAX_ORDER or more is refused with NULL and, unless
__GFP_NOWARN, the kernel's WARN. The pages are a kemu heap block charged to the caller (so
an unload that never freed them reports the leak); free_pages of NULL does nothing, of an
address that is not the start of such a block is a bad free the heap reports."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("page_alloc")

PAGE_SIZE = 4096
MAX_ORDER = 11
GFP_ZERO, GFP_NOWARN = 0x100, 0x2000


def alloc_pages_addr(k, gfp: int, order: int, call) -> int:
    if order >= MAX_ORDER:
        if not gfp & GFP_NOWARN:
            k.linux.pr("------------[ cut here ]------------", 4)
            k.linux.pr(f"WARNING: __alloc_pages: order {order} >= MAX_ORDER {MAX_ORDER}", 4)
            k.linux.add_taint("W")
        return 0
    return k.heap.alloc(PAGE_SIZE << order, "pages", zero=bool(gfp & GFP_ZERO), align=PAGE_SIZE,
                        caller=call.return_address)


@table.service("unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order)", needs_call=True)
def __get_free_pages(k, gfp_mask: int, order: int, call=None) -> int:
    """The address of 2^order new contiguous pages; 0 if the order is too large."""
    return alloc_pages_addr(k, gfp_mask, order, call)


@table.service("unsigned long get_zeroed_page(gfp_t gfp_mask)", needs_call=True)
def get_zeroed_page(k, gfp_mask: int, call=None) -> int:
    """One new zeroed page's address."""
    return alloc_pages_addr(k, gfp_mask | GFP_ZERO, 0, call)


@table.service("void free_pages(unsigned long addr, unsigned int order)", needs_call=True)
def free_pages(k, addr: int, order: int, call=None) -> None:
    """Give back pages from __get_free_pages (0 is ignored)."""
    if addr:
        k.heap.free(addr, caller=call.return_address)
