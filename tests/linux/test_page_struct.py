"""struct page for page allocations (services/page_struct.py): the memory map makes the
inline page_to_virt/virt_to_page of each arch agree with page_address, and the pages go
back when the last reference is dropped. Both arches."""
from __future__ import annotations

from .libds_helpers import call

GFP_ZERO, GFP_COMP = 0x100, 0x40000


def inline_page_address(linux, page: int) -> int:
    """What a module's inlined page_address computes from the exported bases."""
    mem, data = linux.machine.mem, linux.data
    if linux.arch == "x86_64":
        vmemmap, base = mem.read_ptr(data["vmemmap_base"]), mem.read_ptr(data["page_offset_base"])
        return (base + ((page - vmemmap) % (1 << 64)) // 64 * 4096) % (1 << 64)
    return 0xC0000000 + ((page - mem.read_ptr(data["mem_map"])) % (1 << 32)) // 40 * 4096


def test_the_inline_and_the_service_page_address_agree(linux):
    page = call(linux, "alloc_pages", GFP_ZERO, 1)
    addr = call(linux, "page_address", page)
    assert addr % 4096 == 0
    assert inline_page_address(linux, page) == addr
    assert linux.machine.mem.read(addr, 8192) == bytes(8192)


def test_a_new_page_holds_one_reference_and_free_returns_it(linux):
    page = call(linux, "alloc_pages", 0, 0)
    addr = call(linux, "page_address", page)
    refcount = page + linux.layout.offset("struct page", "_refcount")
    assert linux.machine.mem.read_u32(refcount) == 1
    call(linux, "__free_pages", page, 0)
    assert all(b.addr != addr for b in linux.kernel.heap.leaks())


def test_a_folio_is_compound_with_its_order_on_the_first_tail(linux):
    folio = call(linux, "folio_alloc", 0, 2)
    size, mem = linux.layout.size("struct page"), linux.machine.mem
    assert mem.read_ptr(folio + linux.layout.offset("struct page", "flags")) & (1 << 16)
    assert mem.read_u8(folio + size + linux.layout.offset("struct page", "compound_order")) == 2
    assert mem.read_ptr(folio + 3 * size + linux.layout.offset("struct page", "compound_head")) == folio | 1
