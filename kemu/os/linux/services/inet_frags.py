"""IP fragment-reassembly directories as modules see them (net/ipv4/inet_fragment.c in
Linux 6.1): what nf_defrag_ipv6, ipv6 and 6lowpan call from their pernet init and exit.

* `inet_frags_init(f)`: the fragment queue cache is made (named by `f->frags_cache_name`,
  `f->qsize` bytes an object) and the users' refcount starts at 1.
* `fqdir_init(fqdirp, f, net)`: a zeroed struct fqdir pointing at `f` and `net`, one more
  reference on `f`, stored in `*fqdirp`; its rhashtable stays empty (nothing is reassembled
  without packets).
* `fqdir_exit(fqdir)`: the directory is marked dead, `f` loses its reference and it is freed
  (the kernel defers that to a work item; nothing is queued here to wait for).
* `inet_frags_fini(f)`: the last reference goes and the cache is destroyed.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("inet_frags")


def _off(k, struct: str, field: str) -> int:
    return k.linux.layout.offset(struct, field)


@table.service("int inet_frags_init(struct inet_frags *f)")
def inet_frags_init(k, f: int) -> int:
    """Make the fragment-queue cache; refcnt = 1."""
    mem = k.machine.mem
    size = mem.read_u32(f + _off(k, "struct inet_frags", "qsize"))
    cache = k.heap.alloc(64, "kmem_cache inet_frags", zero=True)
    k.linux.caches[cache] = size
    mem.write_ptr(f + _off(k, "struct inet_frags", "frags_cachep"), cache)
    mem.write_u32(f + _off(k, "struct inet_frags", "refcnt"), 1)
    return 0


@table.service("void inet_frags_fini(struct inet_frags *f)")
def inet_frags_fini(k, f: int) -> None:
    """Drop the init reference and destroy the cache."""
    mem = k.machine.mem
    ref = f + _off(k, "struct inet_frags", "refcnt")
    count = mem.read_u32(ref)
    if count != 1:
        k.linux.pr(f"WARNING: inet_frags_fini with {count - 1} fqdir(s) still using it", 4)
        k.linux.add_taint("W")
    mem.write_u32(ref, max(count - 1, 0))
    slot = f + _off(k, "struct inet_frags", "frags_cachep")
    cache = mem.read_ptr(slot)
    if cache in k.linux.caches:
        k.linux.caches.pop(cache)
        if cache in k.heap:
            k.heap.free(cache)
    mem.write_ptr(slot, 0)


@table.service("int fqdir_init(struct fqdir **fqdirp, struct inet_frags *f, struct net *net)")
def fqdir_init(k, fqdirp: int, f: int, net: int) -> int:
    """A new fragment directory for `net`, holding a reference on `f`."""
    mem, lay = k.machine.mem, k.linux.layout
    fqdir = k.heap.alloc(lay.size("struct fqdir"), "fqdir", zero=True, align=lay.align("struct fqdir"))
    mem.write_ptr(fqdir + _off(k, "struct fqdir", "f"), f)
    mem.write_ptr(fqdir + _off(k, "struct fqdir", "net"), net)
    ref = f + _off(k, "struct inet_frags", "refcnt")
    mem.write_u32(ref, mem.read_u32(ref) + 1)
    mem.write_ptr(fqdirp, fqdir)
    return 0


@table.service("void fqdir_exit(struct fqdir *fqdir)")
def fqdir_exit(k, fqdir: int) -> None:
    """Mark the directory dead, release its reference on its inet_frags and free it."""
    mem = k.machine.mem
    mem.write_u8(fqdir + _off(k, "struct fqdir", "dead"), 1)
    f = mem.read_ptr(fqdir + _off(k, "struct fqdir", "f"))
    if f:
        ref = f + _off(k, "struct inet_frags", "refcnt")
        mem.write_u32(ref, max(mem.read_u32(ref) - 1, 0))
    if fqdir in k.heap:
        k.heap.free(fqdir)
