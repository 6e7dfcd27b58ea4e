"""Bio sets (block/bio.c, 6.1): bioset_init / bioset_exit.

A bio_set is where a driver's bios come from: a slab of bios with the set's front padding
(the driver's per-bio data) and back padding (BIO_INLINE_VECS inline bio_vecs when
BIOSET_NEED_BVECS), a mempool of pool_size bios from that slab, with BIOSET_NEED_BVECS a
mempool of BIO_MAX_VECS-long bio_vec arrays from the kernel's "biovec-max" slab, and with
BIOSET_NEED_RESCUER a "bioset" workqueue. bio slabs are shared by size, as
bio_find_or_create_slab shares them ("bio-SIZE", refcounted, destroyed with the last set).
Any part that cannot be had undoes the rest and the answer is -ENOMEM. bioset_exit frees
what exists (it is also safe on a half-built or zeroed set).

BIOSET_PERCPU_CACHE asks for a per-CPU cache of freed bios, which bio_alloc_bioset only
uses when it is there: kemu leaves `cache` NULL, so such a set allocates from its pool.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import mempool
from .timers import _tk

table = ServiceTable("bioset")

BS = "struct bio_set"
BIOSET_NEED_BVECS, BIOSET_NEED_RESCUER = 1, 2
BIO_INLINE_VECS, BIO_MAX_VECS = 4, 256
GFP_KERNEL = 0xCC0


def _off(k, fld: str) -> int:
    return k.linux.layout.offset(BS, fld)


def _slabs(k) -> dict[int, list[int]]:
    """bio slab size -> [kmem_cache, references]."""
    reg = k.linux.__dict__.get("bio_slabs")
    if reg is None:
        reg = k.linux.__dict__["bio_slabs"] = {}
    return reg


def _new_cache(k, size: int) -> int:
    cache = k.heap.alloc(64, "kmem_cache", zero=True)
    k.linux.caches[cache] = size
    return cache


def _biovec_slab(k) -> int:
    """The kernel's biovec-max slab (made at boot in the kernel; here on first use)."""
    cache = k.linux.__dict__.get("biovec_max_slab")
    if cache is None:
        cache = k.linux.__dict__["biovec_max_slab"] = _new_cache(k, BIO_MAX_VECS * k.linux.layout.size("struct bio_vec"))
    return cache


def _slab_size(k, bs: int) -> int:
    mem = k.machine.mem
    return mem.read_u32(bs + _off(k, "front_pad")) + k.linux.layout.size("struct bio") + \
        mem.read_u32(bs + _off(k, "back_pad"))


def _get_slab(k, bs: int) -> int:
    entry = _slabs(k).setdefault(_slab_size(k, bs), [0, 0])
    if not entry[0]:
        entry[0] = _new_cache(k, _slab_size(k, bs))
    entry[1] += 1
    return entry[0]


def _put_slab(k, bs: int, cache: int) -> None:
    for size, entry in list(_slabs(k).items()):
        if entry[0] == cache:
            entry[1] -= 1
            if entry[1] == 0:
                del _slabs(k)[size]
                k.linux.caches.pop(cache, None)
                k.heap.free(cache)
            return


def _slab_pool(k, pool: int, min_nr: int, cache: int, caller: int | None) -> int:
    """mempool_init_slab_pool: elements from mempool_alloc_slab/mempool_free_slab."""
    alloc = k.installed["mempool_alloc_slab"][1]
    free = k.installed["mempool_free_slab"][1]
    return mempool.pool_init(k, pool, min_nr, alloc, free, cache, GFP_KERNEL, caller)


def _pool_live(k, pool: int) -> bool:
    return bool(k.machine.mem.read_ptr(pool + k.linux.layout.offset("struct mempool_s", "elements")))


@table.service("int bioset_init(struct bio_set *bs, unsigned int pool_size, unsigned int front_pad, int flags)",
               needs_call=True)
def bioset_init(k, bs: int, pool_size: int, front_pad: int, flags: int, call=None) -> int:
    """Set up the bio set: slab, bio pool, bvec pool and rescuer as the flags ask; 0 or -ENOMEM."""
    mem, lay = k.machine.mem, k.linux.layout
    caller = call.return_address
    mem.write(bs, bytes(lay.size(BS)))
    mem.write_u32(bs + _off(k, "front_pad"), front_pad)
    back = BIO_INLINE_VECS * lay.size("struct bio_vec") if flags & BIOSET_NEED_BVECS else 0
    mem.write_u32(bs + _off(k, "back_pad"), back)
    slab = _get_slab(k, bs)
    mem.write_ptr(bs + _off(k, "bio_slab"), slab)
    failed = _slab_pool(k, bs + _off(k, "bio_pool"), pool_size, slab, caller)
    if not failed and flags & BIOSET_NEED_BVECS:
        failed = _slab_pool(k, bs + _off(k, "bvec_pool"), pool_size, _biovec_slab(k), caller)
    if not failed and flags & BIOSET_NEED_RESCUER:
        wq = k.heap.alloc(64, "workqueue", zero=True, caller=caller)
        _tk(k).create_queue(wq, "bioset")
        mem.write_ptr(bs + _off(k, "rescue_workqueue"), wq)
    if failed:
        bioset_exit(k, bs, call=call)
        return -k.errno.ENOMEM
    return 0


@table.service("void bioset_exit(struct bio_set *bs)", needs_call=True)
def bioset_exit(k, bs: int, call=None) -> None:
    """Free the set's workqueue, pools and its reference to the bio slab."""
    mem = k.machine.mem
    wq = mem.read_ptr(bs + _off(k, "rescue_workqueue"))
    if wq:
        _tk(k).destroy_queue(wq)
        k.heap.free(wq)
        mem.write_ptr(bs + _off(k, "rescue_workqueue"), 0)
    for fld in ("bio_pool", "bvec_pool"):
        if _pool_live(k, bs + _off(k, fld)):
            mempool.pool_exit(k, bs + _off(k, fld))
    slab = mem.read_ptr(bs + _off(k, "bio_slab"))
    if slab:
        _put_slab(k, bs, slab)
        mem.write_ptr(bs + _off(k, "bio_slab"), 0)
