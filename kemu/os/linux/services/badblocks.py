"""Bad block tables (block/badblocks.c, 6.1): badblocks_init / badblocks_exit.

badblocks_init(bb, enable) is __badblocks_init(NULL, bb, enable): no device, count 0, shift 0
when enabled and -1 (disabled) otherwise, a zeroed page for the table (kzalloc(PAGE_SIZE),
charged to the caller so a missing badblocks_exit shows as a leak; -ENOMEM with shift -1 if
it cannot be had) and an initialised seqlock. badblocks_exit frees the page (through the
device's managed resources when the table belongs to a device) and clears the pointer; NULL
is ignored.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .devres import devm_kfree

table = ServiceTable("badblocks")

BB = "struct badblocks"
PAGE_SIZE = 4096


def _off(k, fld: str) -> int:
    return k.linux.layout.offset(BB, fld)


@table.service("int badblocks_init(struct badblocks *bb, int enable)", needs_call=True)
def badblocks_init(k, bb: int, enable: int, call=None) -> int:
    """An empty table, enabled or not; 0 or -ENOMEM."""
    mem = k.machine.mem
    mem.write(bb, bytes(k.linux.layout.size(BB)))
    mem.write_u32(bb + _off(k, "shift"), 0 if enable else 0xFFFFFFFF)
    page = k.heap.alloc(PAGE_SIZE, "kmalloc", zero=True, caller=call.return_address)
    if not page:
        return -k.errno.ENOMEM
    mem.write_ptr(bb + _off(k, "page"), page)
    return 0


@table.service("void badblocks_exit(struct badblocks *bb)", needs_call=True)
def badblocks_exit(k, bb: int, call=None) -> None:
    """Free the table's page; NULL ignored."""
    if not bb:
        return
    mem = k.machine.mem
    page, dev = mem.read_ptr(bb + _off(k, "page")), mem.read_ptr(bb + _off(k, "dev"))
    if dev:
        devm_kfree(k, dev, page)
    elif page:
        k.heap.free(page, caller=call.return_address)
    mem.write_ptr(bb + _off(k, "page"), 0)
