"""The small block-layer and filesystem registries through their stubs: quota formats
(services/quota_formats.py), badblocks tables (badblocks.py), DMA masks and pools
(dma_mapping.py), list LRUs (list_lru.py) and bio sets (bioset.py)."""
from __future__ import annotations

from kemu.os.linux.services import bioset, dma_mapping, quota_formats

from .blk_helpers import call, off

EIO = 5


def struct(linux, name: str) -> int:
    return linux.kernel.heap.alloc(linux.layout.size(name), "test", zero=True)


# --- quota formats -------------------------------------------------------------------------------

def quota_format(linux, fmt_id: int) -> int:
    fmt = struct(linux, "struct quota_format_type")
    linux.machine.mem.write_u32(fmt + off(linux, "struct quota_format_type", "qf_fmt_id"), fmt_id)
    return fmt


def test_quota_formats_are_pushed_on_the_front_and_found_by_id(linux):
    v1, v2 = quota_format(linux, 1), quota_format(linux, 2)
    assert call(linux, "register_quota_format", v1) == 0 and call(linux, "register_quota_format", v2) == 0
    assert quota_formats.registered(linux.kernel) == [v2, v1]
    assert quota_formats.find_quota_format(linux.kernel, 1) == v1


def test_unregistering_a_quota_format_unlinks_only_it(linux):
    v1, v2 = quota_format(linux, 1), quota_format(linux, 2)
    call(linux, "register_quota_format", v1)
    call(linux, "register_quota_format", v2)
    call(linux, "unregister_quota_format", v2)
    call(linux, "unregister_quota_format", v2)         # not there any more: nothing happens
    assert quota_formats.registered(linux.kernel) == [v1]


# --- badblocks -----------------------------------------------------------------------------------

def test_badblocks_init_gives_an_enabled_table_a_page_and_exit_frees_it(linux):
    bb = struct(linux, "struct badblocks")
    mem = linux.machine.mem
    assert call(linux, "badblocks_init", bb, 1) == 0
    page = mem.read_ptr(bb + off(linux, "struct badblocks", "page"))
    assert linux.kernel.heap.block_containing(page).size == 4096
    assert mem.read_u32(bb + off(linux, "struct badblocks", "shift")) == 0
    call(linux, "badblocks_exit", bb)
    assert linux.kernel.heap.block_containing(page) is None
    assert mem.read_ptr(bb + off(linux, "struct badblocks", "page")) == 0


def test_a_disabled_badblocks_table_has_shift_minus_one(linux):
    bb = struct(linux, "struct badblocks")
    call(linux, "badblocks_init", bb, 0)
    assert linux.machine.mem.read_u32(bb + off(linux, "struct badblocks", "shift")) == 0xFFFFFFFF


# --- DMA masks and pools -------------------------------------------------------------------------

def u64(linux, value: int) -> tuple[int, ...]:
    """A u64 argument as the caller passes it: one register, or two words on i386."""
    return (value,) if linux.machine.word_size == 8 else (value & 0xFFFFFFFF, value >> 32)


def device_with_mask_slot(linux) -> int:
    dev = struct(linux, "struct device")
    linux.machine.mem.write_ptr(dev + off(linux, "struct device", "dma_mask"),
                                dev + off(linux, "struct device", "coherent_dma_mask"))
    return dev


def test_dma_set_mask_stores_the_mask_through_dma_mask(linux):
    dev = device_with_mask_slot(linux)
    assert call(linux, "dma_set_mask", dev, *u64(linux, (1 << 64) - 1)) == 0
    assert linux.machine.mem.read_u64(dev + off(linux, "struct device", "coherent_dma_mask")) == (1 << 64) - 1


def test_dma_set_mask_without_a_dma_mask_pointer_is_eio(linux):
    assert call(linux, "dma_set_mask", struct(linux, "struct device"), *u64(linux, (1 << 32) - 1)) == -EIO


def test_a_mask_narrower_than_zone_dma_is_eio(linux):
    dev = device_with_mask_slot(linux)
    assert call(linux, "dma_set_coherent_mask", dev, *u64(linux, (1 << 20) - 1)) == -EIO
    assert call(linux, "dma_set_coherent_mask", dev, *u64(linux, (1 << 24) - 1)) == 0
    assert linux.machine.mem.read_u64(dev + off(linux, "struct device", "coherent_dma_mask")) == (1 << 24) - 1


def test_dma_pool_create_refuses_bad_geometry_and_destroy_frees_a_pool(linux):
    assert call(linux, "dma_pool_create", b"bad\0", 0, 64, 3, 0) == 0          # alignment not 2^n
    assert call(linux, "dma_pool_create", b"bad\0", 0, 0, 8, 0) == 0           # no size
    assert call(linux, "dma_pool_create", b"bad\0", 0, 64, 8, 32) == 0         # boundary < size
    pool = linux.call("dma_pool_create", b"td\0", 0, 10, 8, 0)
    assert dma_mapping.pools(linux.kernel)[pool].size == 16
    call(linux, "dma_pool_destroy", pool)
    call(linux, "dma_pool_destroy", 0)
    assert pool not in dma_mapping.pools(linux.kernel) and linux.kernel.heap.block_containing(pool) is None


# --- list LRUs -----------------------------------------------------------------------------------

def test_list_lru_counts_what_is_added_and_deleted_and_destroy_frees_the_nodes(linux):
    lru = struct(linux, "struct list_lru")
    mem, word = linux.machine.mem, linux.machine.word_size
    assert call(linux, "__list_lru_init", lru, 0, 0, 0) == 0
    assert mem.read_u32(lru + off(linux, "struct list_lru", "shrinker_id")) == 0xFFFFFFFF
    item = linux.kernel.heap.alloc(2 * word, "test")
    mem.write_ptr(item, item)
    mem.write_ptr(item + word, item)
    assert call(linux, "list_lru_add", lru, item) == 1 and call(linux, "list_lru_add", lru, item) == 0
    assert call(linux, "list_lru_count_one", lru, 0, 0) == 1
    assert call(linux, "list_lru_del", lru, item) == 1 and call(linux, "list_lru_count_one", lru, 0, 0) == 0
    nodes = mem.read_ptr(lru + off(linux, "struct list_lru", "node"))
    call(linux, "list_lru_destroy", lru)
    assert linux.kernel.heap.block_containing(nodes) is None
    assert mem.read_ptr(lru + off(linux, "struct list_lru", "node")) == 0


# --- bio sets ------------------------------------------------------------------------------------

def test_bioset_init_fills_both_pools_and_shares_the_slab_by_size(linux):
    mem = linux.machine.mem
    first, second = struct(linux, "struct bio_set"), struct(linux, "struct bio_set")
    assert call(linux, "bioset_init", first, 4, 16, bioset.BIOSET_NEED_BVECS) == 0
    assert call(linux, "bioset_init", second, 2, 16, bioset.BIOSET_NEED_BVECS) == 0
    slab = mem.read_ptr(first + off(linux, "struct bio_set", "bio_slab"))
    assert slab == mem.read_ptr(second + off(linux, "struct bio_set", "bio_slab"))
    size = 16 + linux.layout.size("struct bio") + 4 * linux.layout.size("struct bio_vec")
    assert linux.kernel.linux.caches[slab] == size
    for pool in ("bio_pool", "bvec_pool"):
        at = first + off(linux, "struct bio_set", pool) + off(linux, "struct mempool_s", "curr_nr")
        assert mem.read_u32(at) == 4


def test_bioset_exit_frees_the_pools_and_the_last_set_the_slab(linux):
    before = len(linux.kernel.heap)
    bs = linux.kernel.heap.alloc(linux.layout.size("struct bio_set"), "test", zero=True)
    call(linux, "bioset_init", bs, 4, 0, bioset.BIOSET_NEED_BVECS | bioset.BIOSET_NEED_RESCUER)
    biovec = linux.kernel.linux.biovec_max_slab
    call(linux, "bioset_exit", bs)
    linux.kernel.heap.free(bs)
    assert len(linux.kernel.heap) == before + 1 and linux.kernel.heap.block_containing(biovec)
