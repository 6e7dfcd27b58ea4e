"""struct page for pages from the page allocator (mm/page_alloc.c, include/linux/mm.h; 6.1):
alloc_pages/__alloc_pages/folio_alloc hand out a struct page *, page_address turns it back
into the memory, and put_page/__free_pages give it back.

Modules convert between the two inline, so kemu keeps a real memory map covering the whole
kernel heap (where page allocations live), laid out as the kernel's own:
- x86-64 (SPARSEMEM_VMEMMAP): page_to_virt(p) = page_offset_base + (p - vmemmap_base) /
  sizeof(struct page) * PAGE_SIZE. page_offset_base stays 0 and vmemmap_base is set so the
  map's entries line up with the heap's pages;
- i386 (FLATMEM, HIGHMEM): virt_to_page(a) = mem_map + (a - PAGE_OFFSET) / PAGE_SIZE, with
  mem_map set likewise; page_address() is a kernel function there.
The map is set up on first use. A new allocation's head page gets _refcount 1 (tail pages of
a compound allocation point at it, its order recorded, PG_head set); the pages are freed when
the count drops to zero (__free_pages, or put_page's __folio_put). An allocation never freed
is a heap block charged to its caller, so unload reports it."""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

from .page_alloc import GFP_ZERO, PAGE_SIZE, alloc_pages_addr

table = ServiceTable("page_struct")

GFP_COMP = 0x40000
PG_HEAD = 16
PAGE_OFFSET_I386 = 0xC0000000


class MemMap:
    """The kernel heap's struct pages in guest memory."""

    def __init__(self, k):
        self.k, lay, m = k, k.linux.layout, k.machine
        self.size = lay.size("struct page")
        self.off = lambda f: lay.offset("struct page", f)
        heap = m.layout["kheap"]
        self.h0, self.h1 = heap.start, heap.end
        if k.arch != "x86_64":               # i386's lowmem holds the kernel's own data too
            self.h0 = min(self.h0, m.layout["kdata"].start)
        npages = (self.h1 - self.h0) // PAGE_SIZE
        self.base = m.alloc("kdata", npages * self.size, 64)
        m.mem.write(self.base, bytes(npages * self.size))
        mask = (1 << (8 * m.word_size)) - 1
        data = k.linux.data
        if k.arch == "x86_64":
            m.mem.write_ptr(data["page_offset_base"], 0)
            m.mem.write_ptr(data["vmemmap_base"], (self.base - (self.h0 // PAGE_SIZE) * self.size) & mask)
        else:
            pfn0 = (self.h0 - PAGE_OFFSET_I386) // PAGE_SIZE
            m.mem.write_ptr(data["mem_map"], (self.base - pfn0 * self.size) & mask)
        self.orders: dict[int, int] = {}          # head page -> order of a live allocation

    def page(self, addr: int) -> int:
        return self.base + (addr - self.h0) // PAGE_SIZE * self.size

    def address(self, page: int) -> int:
        if not self.base <= page < self.base + (self.h1 - self.h0) // PAGE_SIZE * self.size:
            raise KernelPanic(f"page_address: {page:#x} is not a struct page of kemu's memory map")
        return self.h0 + (page - self.base) // self.size * PAGE_SIZE


def memmap(k) -> MemMap:
    mm = k.linux.__dict__.get("memmap")
    if mm is None:
        mm = k.linux.memmap = MemMap(k)
    return mm


def new_pages(k, gfp: int, order: int, call) -> int:
    """The head struct page of 2^order new pages, NULL if the order is too large."""
    addr = alloc_pages_addr(k, gfp, order & 0xFFFFFFFF, call)
    if not addr:
        return 0
    mm, mem = memmap(k), k.machine.mem
    head = mm.page(addr)
    for i in range(1 << order):
        p = head + i * mm.size
        mem.write(p, bytes(mm.size))
        if i and gfp & GFP_COMP:
            mem.write_ptr(p + mm.off("compound_head"), head | 1)
    if order and gfp & GFP_COMP:
        mem.write_ptr(head + mm.off("flags"), 1 << PG_HEAD)
        mem.write_u8(head + mm.size + mm.off("compound_order"), order)
    mem.write_u32(head + mm.off("_refcount"), 1)
    mm.orders[head] = order
    return head


def release(k, page: int, call) -> None:
    """Free the allocation whose head is `page` and clear its struct pages."""
    mm = memmap(k)
    order = mm.orders.pop(page, None)
    if order is None:
        raise KernelPanic(f"Bad page state: freeing {page:#x}, which is no page allocation")
    k.heap.free(mm.address(page), caller=call.return_address if call else None)
    k.machine.mem.write(page, bytes(mm.size << order))


@table.service("struct page *alloc_pages(gfp_t gfp, unsigned int order)", needs_call=True)
def alloc_pages(k, gfp: int, order: int, call=None) -> int:
    """2^order contiguous pages (zeroed with __GFP_ZERO); their first struct page."""
    return new_pages(k, gfp, order, call)


@table.service("struct page *__alloc_pages(gfp_t gfp, unsigned int order, int preferred_nid, void *nodemask)",
               needs_call=True)
def __alloc_pages(k, gfp: int, order: int, preferred_nid: int, nodemask: int, call=None) -> int:
    """alloc_pages on a node (kemu has one)."""
    return new_pages(k, gfp, order, call)


@table.service("struct folio *folio_alloc(gfp_t gfp, unsigned int order)", needs_call=True)
def folio_alloc(k, gfp: int, order: int, call=None) -> int:
    """A folio: a compound allocation of 2^order pages."""
    return new_pages(k, gfp | GFP_COMP, order, call)


@table.service("struct folio *__folio_alloc(gfp_t gfp, unsigned int order, int preferred_nid, void *nodemask)",
               needs_call=True)
def __folio_alloc(k, gfp: int, order: int, preferred_nid: int, nodemask: int, call=None) -> int:
    return new_pages(k, gfp | GFP_COMP, order, call)


@table.service("void __free_pages(struct page *page, unsigned int order)", needs_call=True)
def __free_pages(k, page: int, order: int, call=None) -> None:
    """Drop a reference; the pages go back when it was the last."""
    mm, mem = memmap(k), k.machine.mem
    ref = page + mm.off("_refcount")
    count = (mem.read_u32(ref) - 1) & 0xFFFFFFFF
    mem.write_u32(ref, count)
    if count == 0:
        release(k, page, call)


@table.service("void __folio_put(struct folio *folio)", needs_call=True)
def __folio_put(k, folio: int, call=None) -> None:
    """put_page/folio_put found the count at zero: free the folio."""
    release(k, folio, call)


@table.service("void *page_address(const struct page *page)")
def page_address(k, page: int) -> int:
    """The kernel address of a page (a function on i386 with HIGHMEM; kemu has no high
    memory, so every page is mapped)."""
    return memmap(k).address(page)
