"""Memory device types (mm/memory-tiers.c in Linux 6.1): the abstract distance a driver gives
the memory it hot-adds (dax/kmem's slow memory) so the kernel can rank it in tiers.

alloc_memory_type(adistance) makes a `struct memory_dev_type` (kernel heap, charged to the
caller: one never destroyed is a leak) with an empty tier-sibling list, no nodes, the
distance and one reference; destroy_memory_type drops that reference and frees it when it
was the last (nodes given the type with init_node_memory_type hold their own).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list

table = ServiceTable("memory_tiers")

STRUCT = "struct memory_dev_type"


def _kref(k, memtype: int) -> int:
    return memtype + k.linux.layout.offset(STRUCT, "kref")


@table.service("struct memory_dev_type *alloc_memory_type(int adistance)", needs_call=True)
def alloc_memory_type(k, adistance: int, call=None) -> int:
    """A new memory type at `adistance`, holding one reference."""
    lay = k.linux.layout
    memtype = k.heap.alloc(lay.size(STRUCT), "memory_dev_type", zero=True,
                           caller=call.return_address if call is not None else None)
    init_list(k, memtype + lay.offset(STRUCT, "tier_sibiling"))
    k.machine.mem.write_u32(memtype + lay.offset(STRUCT, "adistance"), adistance & 0xFFFFFFFF)
    k.machine.mem.write_u32(_kref(k, memtype), 1)
    return memtype


@table.service("void destroy_memory_type(struct memory_dev_type *memtype)")
def destroy_memory_type(k, memtype: int) -> None:
    """Drop a reference; the last one frees the type."""
    refs = k.machine.mem.read_u32(_kref(k, memtype))
    if refs == 0:
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr("refcount_t: underflow; use-after-free.", 4)
        k.linux.add_taint("W")
        return
    k.machine.mem.write_u32(_kref(k, memtype), refs - 1)
    if refs == 1:
        k.heap.free(memtype)
