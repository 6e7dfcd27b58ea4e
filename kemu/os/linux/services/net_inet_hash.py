"""Hash-table plumbing of the socket layers (net/ipv4/inet_hashtables.c, inet_timewait_sock.c,
lib/bucket_locks.c, net/ethtool/common.c in Linux 6.1), for protocols built as modules (DCCP,
ILA) that keep their own inet_hashinfo or bucket-locked tables.

* `__alloc_bucket_spinlocks`: an array of spinlocks, max_size of them or (with cpu_mult)
  min(cpus * cpu_mult, max_size), each unlocked; *locks and *locks_mask (size - 1) are set;
  `free_bucket_spinlocks` frees it (kvfree).
* `inet_ehash_locks_alloc`: the established table's lock array, 2 cache lines' worth per CPU
  rounded up to a power of two and capped at the bucket count (ehash_mask + 1);
  `inet_hashinfo2_init_mod`: the INET_LHTABLE_SIZE listening buckets (kmalloc), each an
  unlocked lock and an empty hlist_nulls chain ending in nulls value i + LISTENING_NULLS_BASE.
  Both charge the caller, so a module that never frees them leaks as in the kernel.
* `inet_twsk_purge`: walks every established bucket for TIME_WAIT sockets of dying
  namespaces; kemu creates no sockets in module tables, so a non-empty chain is reported.
* `ethtool_set_ethtool_phy_ops`: phylib's hooks for ethtool (a single pointer).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("net_inet_hash")

L1_CACHE_BYTES = 64
INET_LHTABLE_SIZE = 32
LISTENING_NULLS_BASE = 1 << 29


def _cpus(k) -> int:
    """num_possible_cpus(): kemu boots one CPU (cpu.py)."""
    return 1


def _lock_array(k, count: int, call) -> int:
    size = k.linux.layout.size("spinlock_t")
    return k.heap.alloc(max(1, count * size), "kvmalloc", zero=True, caller=call.return_address)


def _roundup_pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


@table.service("int __alloc_bucket_spinlocks(struct spinlock **locks, unsigned int *locks_mask, size_t max_size, "
               "unsigned int cpu_mult, gfp_t gfp, const char *name, struct lock_class_key *key)",
               needs_call=True)
def __alloc_bucket_spinlocks(k, locks: int, locks_mask: int, max_size: int, cpu_mult: int, gfp: int,
                             name: int, key: int, call=None) -> int:
    """Allocate the lock array and report its mask (0 and *locks NULL-free, or -ENOMEM)."""
    cpu_mult &= 0xFFFFFFFF
    size = min(min(_cpus(k), 64) * cpu_mult, max_size) if cpu_mult else max_size
    size &= 0xFFFFFFFF
    if size * k.linux.layout.size("spinlock_t") > (1 << 26):
        return -k.errno.ENOMEM
    arr = _lock_array(k, size, call)
    k.machine.mem.write_ptr(locks, arr)
    k.machine.mem.write_u32(locks_mask, (size - 1) & 0xFFFFFFFF)
    return 0


@table.service("void free_bucket_spinlocks(struct spinlock *locks)", needs_call=True)
def free_bucket_spinlocks(k, locks: int, call=None) -> None:
    """kvfree the lock array (NULL ignored)."""
    if locks:
        k.heap.free(locks, caller=call.return_address)


def _hashinfo(k, h: int, field: str) -> int:
    return h + k.linux.layout.offset("struct inet_hashinfo", field)


@table.service("int inet_ehash_locks_alloc(struct inet_hashinfo *hashinfo)", needs_call=True)
def inet_ehash_locks_alloc(k, h: int, call=None) -> int:
    """hashinfo->ehash_locks and ehash_locks_mask for the established-connection table."""
    mem, locksz = k.machine.mem, k.linux.layout.size("spinlock_t")
    nblocks = 1
    if locksz:
        nblocks = max(2 * L1_CACHE_BYTES // locksz, 1)
        nblocks = _roundup_pow2(nblocks * _cpus(k))
        nblocks = min(nblocks, mem.read_u32(_hashinfo(k, h, "ehash_mask")) + 1)
        mem.write_ptr(_hashinfo(k, h, "ehash_locks"), _lock_array(k, nblocks, call))
    mem.write_u32(_hashinfo(k, h, "ehash_locks_mask"), nblocks - 1)
    return 0


@table.service("int inet_hashinfo2_init_mod(struct inet_hashinfo *h)", needs_call=True)
def inet_hashinfo2_init_mod(k, h: int, call=None) -> int:
    """The listening (lhash2) buckets of a module's hashinfo, empty."""
    lay, mem = k.linux.layout, k.machine.mem
    bsize = lay.size("struct inet_listen_hashbucket")
    arr = k.heap.alloc(INET_LHTABLE_SIZE * bsize, "kmalloc", zero=True, caller=call.return_address)
    head = lay.offset("struct inet_listen_hashbucket", "nulls_head")
    for i in range(INET_LHTABLE_SIZE):
        # INIT_HLIST_NULLS_HEAD: first = (i + base) << 1 | 1, the chain's nulls marker
        mem.write_ptr(arr + i * bsize + head, ((i + LISTENING_NULLS_BASE) << 1) | 1)
    mem.write_ptr(_hashinfo(k, h, "lhash2"), arr)
    mem.write_u32(_hashinfo(k, h, "lhash2_mask"), INET_LHTABLE_SIZE - 1)
    return 0


@table.service("void inet_twsk_purge(struct inet_hashinfo *hashinfo, int family)")
def inet_twsk_purge(k, h: int, family: int) -> None:
    """Kill the TIME_WAIT sockets of dead namespaces: walk every established chain."""
    lay, mem = k.linux.layout, k.machine.mem
    ehash = mem.read_ptr(_hashinfo(k, h, "ehash"))
    if not ehash:
        return
    buckets = mem.read_u32(_hashinfo(k, h, "ehash_mask")) + 1
    bsize, chain = lay.size("struct inet_ehash_bucket"), lay.offset("struct inet_ehash_bucket", "chain")
    for slot in range(buckets):
        first = mem.read_ptr(ehash + slot * bsize + chain)
        if first and not first & 1:              # not a nulls marker: a socket is hashed here
            k.linux.pr(f"kemu: inet_twsk_purge: socket {first:#x} in bucket {slot}: kemu hashes no "
                       "sockets, left alone", 4)


@table.service("void ethtool_set_ethtool_phy_ops(const struct ethtool_phy_ops *ops)", needs_call=True)
def ethtool_set_ethtool_phy_ops(k, ops: int, call=None) -> None:
    """Install (or clear, NULL) the PHY hooks ethtool's netlink calls (under RTNL)."""
    linux = k.linux
    linux.__dict__["ethtool_phy_ops"] = ops
    module = k.loader.module_at(ops) if ops else None
    if module is not None:
        module.on_unload("ethtool_phy_ops",
                         lambda: linux.__dict__.update(ethtool_phy_ops=0) if linux.ethtool_phy_ops == ops else None)
    elif not ops:
        owner = k.loader.module_at(call.return_address)
        if owner is not None:
            owner.forget_undo("ethtool_phy_ops")
