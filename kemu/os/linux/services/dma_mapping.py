"""DMA masks and pools (kernel/dma/mapping.c, direct.c, mm/dmapool.c, 6.1).

x86 without an IOMMU maps DMA directly (no dma_map_ops on the device), so dma_supported is
dma_direct_supported: any mask of 32 bits or more is fine; a narrower one must still cover
ZONE_DMA, which x86 sets at 24 bits, else the device cannot be served. dma_set_mask
refuses with -EIO a device without a dma_mask pointer (the bus never gave it one: a
platform device that did not set it up) or an unsupported mask, and otherwise stores the
mask through dev->dma_mask; dma_set_coherent_mask checks the mask the same way and stores
it in coherent_dma_mask. dma_addr_t is 64 bits on both arches (686-pae has PAE), so the
kernel's truncation to it changes nothing here.

dma_pool_create checks the geometry as the kernel does (alignment a power of two, a
non-zero size rounded up to at least 4 and to the alignment, a boundary that is a power of
two no smaller than the size) and returns a pool (kemu keeps its name and geometry; struct
dma_pool is private to mm/dmapool.c); dma_pool_destroy of NULL does nothing, of a pool
frees it. kemu gives out no pool blocks yet (dma_pool_alloc needs DMA addresses), so a
destroyed pool never has busy blocks.
"""
from __future__ import annotations

from dataclasses import dataclass

from kemu.kernel import ServiceTable

table = ServiceTable("dma_mapping")

ZONE_DMA_BITS = 24
PAGE_SIZE = 4096
POOL_NAME = 32          # sizeof(dma_pool.name)
POOL_SIZE = 128         # kemu's stand-in for the private struct dma_pool


def _mask(bits: int) -> int:
    return (1 << bits) - 1


def dma_supported(mask: int) -> bool:
    """dma_direct_supported on x86: 32 bits or more always; a narrower mask must reach the
    top of ZONE_DMA (24 bits; the machine has more memory than that)."""
    return mask >= _mask(ZONE_DMA_BITS)


def _off(k, fld: str) -> int:
    return k.linux.layout.offset("struct device", fld)


@table.service("int dma_set_mask(struct device *dev, u64 mask)")
def dma_set_mask(k, dev: int, mask: int) -> int:
    """*dev->dma_mask = mask; -EIO without a dma_mask pointer or for a mask too narrow."""
    mem = k.machine.mem
    mask &= _mask(64)
    slot = mem.read_ptr(dev + _off(k, "dma_mask"))
    if not slot or not dma_supported(mask):
        return -k.errno.EIO
    mem.write_u64(slot, mask)
    return 0


@table.service("int dma_set_coherent_mask(struct device *dev, u64 mask)")
def dma_set_coherent_mask(k, dev: int, mask: int) -> int:
    """dev->coherent_dma_mask = mask; -EIO for a mask too narrow."""
    mask &= _mask(64)
    if not dma_supported(mask):
        return -k.errno.EIO
    k.machine.mem.write_u64(dev + _off(k, "coherent_dma_mask"), mask)
    return 0


@dataclass
class DmaPool:
    name: str
    dev: int
    size: int
    align: int
    boundary: int


def pools(k) -> dict[int, DmaPool]:
    reg = k.linux.__dict__.get("dma_pools")
    if reg is None:
        reg = k.linux.__dict__["dma_pools"] = {}
    return reg


def _power_of_two(n: int) -> bool:
    return n & (n - 1) == 0


@table.service("struct dma_pool *dma_pool_create(const char *name, struct device *dev, size_t size, "
               "size_t align, size_t boundary)", needs_call=True)
def dma_pool_create(k, name: int, dev: int, size: int, align: int, boundary: int, call=None) -> int:
    """A pool of `size`-byte blocks; NULL for a bad alignment, size or boundary."""
    align = align or 1
    if not _power_of_two(align) or size == 0:
        return 0
    size = -(-max(size, 4) // align) * align
    boundary = boundary or max(size, PAGE_SIZE)
    if boundary < size or not _power_of_two(boundary):
        return 0
    pool = k.heap.alloc(POOL_SIZE, "kmalloc", zero=True, caller=call.return_address)
    text = k.read_str(name, 256).decode("latin-1")[:POOL_NAME - 1] if name else ""
    pools(k)[pool] = DmaPool(text, dev, size, align, boundary)
    return pool


@table.service("void dma_pool_destroy(struct dma_pool *pool)", needs_call=True)
def dma_pool_destroy(k, pool: int, call=None) -> None:
    """Free a pool made by dma_pool_create; NULL ignored."""
    if not pool:
        return
    if pools(k).pop(pool, None) is None:
        from .blkdev import warn
        warn(k, f"WARNING: dma_pool_destroy: {pool:#x} is not a DMA pool")
        return
    k.heap.free(pool, caller=call.return_address)
