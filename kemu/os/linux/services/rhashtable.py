"""Resizable hash tables (lib/rhashtable.c, include/linux/rhashtable.h; 6.1).

Modules insert, look up and remove with inline code from rhashtable.h that works directly
on the table, so kemu builds the real thing in guest memory: rhashtable_init fills the
module's struct rhashtable (params copied, min/max sizes rounded as the kernel does, the
key length in words and ht->p.hashfn set to kemu's jhash2/jhash when the module gave no hash
function) and hangs a real struct bucket_table (size, hash_rnd, NULL buckets) off ht->tbl.
The inline fast paths then hash, chain and lock buckets themselves.

What is out of line is done here on the same memory: rhashtable_insert_slow (the fast path
falls back to it when a chain is long or the table is over 100%; it grows the table first),
the deferred resize worker the fast path schedules above 75% (ht->run_work, whose function
is __kemu_rht_deferred_worker: it rehashes into a table twice the size, or shrinks a sparse
one with automatic_shrinking), and rhashtable_free_and_destroy, which calls the module's
free function for every object and frees the table. Resizing moves every chain at once
(kemu runs one CPU and never resizes while guest code is inside the table), so no
future_tbl is ever left behind and tables are never nested.

Chains end in the bucket's nulls marker (odd), bit 0 of a bucket word is its lock, and
objects are reached as rhash_head - head_offset, as in the kernel. Hashes of objects come
from the table's own functions: params.obj_hashfn, or ht->p.hashfn over the key.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

from ..list_head import init_list
from .driver_basics import _rng

table = ServiceTable("rhashtable")

EINVAL, E2BIG = 22, 7
HASH_DEFAULT_SIZE, HASH_MIN_SIZE = 64, 4
M32 = 0xFFFFFFFF
JHASH_INITVAL = 0xDEADBEEF


# --- Bob Jenkins' lookup3 as include/linux/jhash.h has it ----------------------------------------
def _rol(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & M32


def _mix(a: int, b: int, c: int) -> tuple[int, int, int]:
    """__jhash_mix: mix three 32-bit values reversibly."""
    a = ((a - c) & M32) ^ _rol(c, 4)
    c = (c + b) & M32
    b = ((b - a) & M32) ^ _rol(a, 6)
    a = (a + c) & M32
    c = ((c - b) & M32) ^ _rol(b, 8)
    b = (b + a) & M32
    a = ((a - c) & M32) ^ _rol(c, 16)
    c = (c + b) & M32
    b = ((b - a) & M32) ^ _rol(a, 19)
    a = (a + c) & M32
    c = ((c - b) & M32) ^ _rol(b, 4)
    b = (b + a) & M32
    return a, b, c


def _final(a: int, b: int, c: int) -> int:
    """__jhash_final: the last mixing of a, b, c into c."""
    c = ((c ^ b) - _rol(b, 14)) & M32
    a = ((a ^ c) - _rol(c, 11)) & M32
    b = ((b ^ a) - _rol(a, 25)) & M32
    c = ((c ^ b) - _rol(b, 16)) & M32
    a = ((a ^ c) - _rol(c, 4)) & M32
    b = ((b ^ a) - _rol(a, 14)) & M32
    c = ((c ^ b) - _rol(b, 24)) & M32
    return c


def jhash(data: bytes, initval: int) -> int:
    """jhash(key, length, initval) over bytes."""
    a = b = c = (JHASH_INITVAL + len(data) + initval) & M32
    while len(data) > 12:
        w = [int.from_bytes(data[i:i + 4], "little") for i in (0, 4, 8)]
        a, b, c = _mix((a + w[0]) & M32, (b + w[1]) & M32, (c + w[2]) & M32)
        data = data[12:]
    if not data:
        return c
    data = data.ljust(12, b"\0")
    w = [int.from_bytes(data[i:i + 4], "little") for i in (0, 4, 8)]
    return _final((a + w[0]) & M32, (b + w[1]) & M32, (c + w[2]) & M32)


def jhash2(words: list[int], initval: int) -> int:
    """jhash2(k, length in u32s, initval)."""
    a = b = c = (JHASH_INITVAL + (len(words) << 2) + initval) & M32
    while len(words) > 3:
        a, b, c = _mix((a + words[0]) & M32, (b + words[1]) & M32, (c + words[2]) & M32)
        words = words[3:]
    if not words:
        return c
    words = words + [0] * (3 - len(words))
    return _final((a + words[0]) & M32, (b + words[1]) & M32, (c + words[2]) & M32)


@table.service("unsigned int __kemu_rht_jhash(const void *key, unsigned int length, unsigned int seed)")
def __kemu_rht_jhash(k, key: int, length: int, seed: int) -> int:
    """ht->p.hashfn for a table whose key is not a whole number of u32s (the kernel's jhash)."""
    return jhash_at(k, key, length, seed)


def jhash_at(k, key: int, length: int, seed: int) -> int:
    return jhash(k.machine.mem.read(key, length), seed)


@table.service("unsigned int __kemu_rht_jhash2(const void *key, unsigned int length, unsigned int seed)")
def __kemu_rht_jhash2(k, key: int, length: int, seed: int) -> int:
    """ht->p.hashfn for a key of `length` u32s (the kernel's rhashtable_jhash2)."""
    return jhash2_at(k, key, length, seed)


def jhash2_at(k, key: int, length: int, seed: int) -> int:
    raw = k.machine.mem.read(key, 4 * length)
    return jhash2([int.from_bytes(raw[i:i + 4], "little") for i in range(0, len(raw), 4)], seed)


# --- the guest structures --------------------------------------------------------------------------
class Table:
    """A struct rhashtable in guest memory and its current bucket table."""

    def __init__(self, k, ht: int):
        if not ht:
            raise KernelPanic("rhashtable: NULL struct rhashtable")
        self.k, self.ht, self.mem, self.word = k, ht, k.machine.mem, k.machine.word_size
        lay = k.linux.layout
        self.o = lambda s, f: lay.offset(s, f)
        self.p = ht + self.o("struct rhashtable", "p")

    def param16(self, name: str) -> int:
        return self.mem.read_u16(self.p + self.o("struct rhashtable_params", name))

    def param_ptr(self, name: str) -> int:
        return self.mem.read_ptr(self.p + self.o("struct rhashtable_params", name))

    def field(self, name: str) -> int:
        return self.ht + self.o("struct rhashtable", name)

    @property
    def tbl(self) -> int:
        return self.mem.read_ptr(self.field("tbl"))

    @property
    def nelems(self) -> int:
        return self.mem.read_u32(self.field("nelems"))

    @nelems.setter
    def nelems(self, n: int) -> None:
        self.mem.write_u32(self.field("nelems"), n & M32)

    def size(self, tbl: int) -> int:
        return self.mem.read_u32(tbl + self.o("struct bucket_table", "size"))

    def bucket(self, tbl: int, i: int) -> int:
        return tbl + self.o("struct bucket_table", "buckets[0]") + i * self.word

    def chain(self, tbl: int, i: int) -> list[int]:
        """The rhash_heads hanging off bucket i, in order (the lock bit masked off)."""
        out, he = [], self.mem.read_ptr(self.bucket(tbl, i)) & ~1
        while he and not he & 1:
            out.append(he)
            he = self.mem.read_ptr(he)
        return out

    def nulls(self, tbl: int, i: int) -> int:
        """RHT_NULLS_MARKER(&tbl->buckets[i]): what ends that bucket's chain."""
        return ((self.bucket(tbl, i) << 1) | 1) & ((1 << (8 * self.word)) - 1)

    def obj(self, he: int) -> int:
        return he - self.param16("head_offset")

    def _call_hash(self, fn: int, ptr: int, length: int, rnd: int) -> int:
        k = self.k
        if fn == k.installed["__kemu_rht_jhash2"][1]:
            return jhash2_at(k, ptr, length, rnd)
        if fn == k.installed["__kemu_rht_jhash"][1]:
            return jhash_at(k, ptr, length, rnd)
        return k.linux.call_kernel_word(fn, ptr, length, rnd, what="rhashtable: hash function") & M32

    def key_hash(self, tbl: int, key: int) -> int:
        rnd = self.mem.read_u32(tbl + self.o("struct bucket_table", "hash_rnd"))
        h = self._call_hash(self.param_ptr("hashfn"), key, self.mem.read_u32(self.field("key_len")), rnd)
        return h & (self.size(tbl) - 1)

    def obj_hash(self, tbl: int, obj: int) -> int:
        """rht_head_hashfn with the table's own parameters: the bucket of an object."""
        fn = self.param_ptr("obj_hashfn")
        if fn:
            rnd = self.mem.read_u32(tbl + self.o("struct bucket_table", "hash_rnd"))
            return self._call_hash(fn, obj, self.param16("key_len"), rnd) & (self.size(tbl) - 1)
        return self.key_hash(tbl, obj + self.param16("key_offset"))

    def same_key(self, key: int, obj: int) -> bool:
        cmp = self.param_ptr("obj_cmpfn")
        if cmp:
            arg = self.k.heap.alloc(2 * self.word, "rhashtable_compare_arg")
            try:
                self.mem.write_ptr(arg, self.ht)
                self.mem.write_ptr(arg + self.word, key)
                return self.k.linux.call_kernel_pointer(cmp, arg, obj, what="rhashtable: obj_cmpfn") == 0
            finally:
                self.k.heap.free(arg)
        n = self.param16("key_len")
        return self.mem.read(obj + self.param16("key_offset"), n) == self.mem.read(key, n)

    # --- bucket tables -----------------------------------------------------------------------------
    def alloc_table(self, nbuckets: int, caller: int | None) -> int:
        """bucket_table_alloc: a zeroed table of nbuckets NULL buckets and a fresh hash_rnd."""
        size = self.o("struct bucket_table", "buckets[0]") + nbuckets * self.word
        tbl = self.k.heap.alloc(size, "bucket_table", zero=True, align=64, caller=caller)
        self.mem.write_u32(tbl + self.o("struct bucket_table", "size"), nbuckets)
        self.mem.write_u32(tbl + self.o("struct bucket_table", "hash_rnd"), _rng(self.k).getrandbits(32))
        init_list(self.k, tbl + self.o("struct bucket_table", "walkers"))
        return tbl

    def rehash(self, nbuckets: int) -> None:
        """Move every chain into a new table of nbuckets and free the old one."""
        old = self.tbl
        new = self.alloc_table(nbuckets, None)
        for i in range(self.size(old)):
            for he in self.chain(old, i):
                j = self.obj_hash(new, self.obj(he))
                head = self.mem.read_ptr(self.bucket(new, j)) or self.nulls(new, j)
                self.mem.write_ptr(he, head)
                self.mem.write_ptr(self.bucket(new, j), he)
        self.mem.write_ptr(self.field("tbl"), new)
        self.k.heap.free(old)

    def max_size(self) -> int:
        return self.mem.read_u32(self.p + self.o("struct rhashtable_params", "max_size"))

    def grow_above(self, tbl: int, percent: int) -> bool:
        size, n, cap = self.size(tbl), self.nelems, self.max_size()
        limit = size if percent == 100 else size // 4 * 3
        return n > limit and (not cap or size < cap)

    def shrink_target(self, tbl: int) -> int | None:
        """The smaller size a sparse table (below 30%) shrinks to with automatic_shrinking."""
        o = self.o("struct rhashtable_params", "automatic_shrinking")
        size, n, lo = self.size(tbl), self.nelems, self.param16("min_size")
        if not self.mem.read_u8(self.p + o) or not n * 10 < size * 3 or size <= lo:
            return None
        target = max(_pow2_up(n * 3 // 2), lo)
        return target if target < size else None


def _pow2_up(n: int) -> int:
    return 1 << max(n - 1, 0).bit_length()


def _pow2_down(n: int) -> int:
    return 1 << (n.bit_length() - 1) if n else 0


def _err_ptr(k, errno: int) -> int:
    return -errno & ((1 << (8 * k.machine.word_size)) - 1)


def init(k, ht: int, params: int, rhlist: bool, caller: int | None) -> int:
    t = Table(k, ht)
    mem, lay = k.machine.mem, k.linux.layout
    psize = lay.size("struct rhashtable_params")
    pf = lambda f: params + lay.offset("struct rhashtable_params", f)        # noqa: E731
    key_len, obj_hashfn = mem.read_u16(pf("key_len")), mem.read_ptr(pf("obj_hashfn"))
    if (not key_len and not obj_hashfn) or (obj_hashfn and not mem.read_ptr(pf("obj_cmpfn"))):
        return -EINVAL
    mem.write(ht, bytes(lay.size("struct rhashtable")))
    mem.write(t.p, mem.read(params, psize))
    mem.write_u8(t.field("rhlist"), int(rhlist))
    tp = lambda f: t.p + lay.offset("struct rhashtable_params", f)            # noqa: E731
    min_size = mem.read_u16(pf("min_size"))
    if min_size:
        mem.write_u16(tp("min_size"), _pow2_up(min_size) & 0xFFFF)
    max_elems = 1 << 31
    max_size = mem.read_u32(pf("max_size"))
    if max_size:
        mem.write_u32(tp("max_size"), _pow2_down(max_size))
        if _pow2_down(max_size) < max_elems // 2:
            max_elems = _pow2_down(max_size) * 2
    mem.write_u32(t.field("max_elems"), max_elems)
    min_size = max(mem.read_u16(tp("min_size")), HASH_MIN_SIZE)
    mem.write_u16(tp("min_size"), min_size)
    hint = mem.read_u16(pf("nelem_hint"))
    size = max(_pow2_up(hint * 4 // 3), min_size) if hint else max(HASH_DEFAULT_SIZE, min_size)
    mem.write_u32(t.field("key_len"), key_len)
    if not mem.read_ptr(pf("hashfn")):
        if key_len & 3:
            mem.write_ptr(tp("hashfn"), k.installed["__kemu_rht_jhash"][1])
        else:
            mem.write_u32(t.field("key_len"), key_len // 4)
            mem.write_ptr(tp("hashfn"), k.installed["__kemu_rht_jhash2"][1])
    mem.write_ptr(t.field("tbl"), t.alloc_table(size, caller))
    work = t.field("run_work")
    mem.write_ptr(work, -0x200 & ((1 << (8 * t.word)) - 1))            # WORK_STRUCT_NO_POOL
    init_list(k, work + lay.offset("struct work_struct", "entry"))
    mem.write_ptr(work + lay.offset("struct work_struct", "func"), k.installed["__kemu_rht_deferred_worker"][1])
    return 0


@table.service("int rhashtable_init(struct rhashtable *ht, const struct rhashtable_params *params)",
               needs_call=True)
def rhashtable_init(k, ht: int, params: int, call=None) -> int:
    """Set up an empty table with the given parameters: 0, or -EINVAL without a key length
    or object hash function (or with an object hash but no compare function)."""
    return init(k, ht, params, False, call.return_address)


@table.service("int rhltable_init(struct rhltable *hlt, const struct rhashtable_params *params)",
               needs_call=True)
def rhltable_init(k, hlt: int, params: int, call=None) -> int:
    """rhashtable_init for a table of lists (objects with equal keys chained together)."""
    return init(k, hlt, params, True, call.return_address)


@table.service("void *rhashtable_insert_slow(struct rhashtable *ht, const void *key, struct rhash_head *obj)")
def rhashtable_insert_slow(k, ht: int, key: int, obj: int) -> int:
    """Insert outside the fast path: NULL when inserted (or chained onto its key's list in
    an rhltable), the object already holding the key, ERR_PTR(-E2BIG) at max_elems. A table
    over 100% is grown first."""
    t = Table(k, ht)
    mem = k.machine.mem
    if t.grow_above(t.tbl, 100):
        t.rehash(t.size(t.tbl) * 2)
    tbl = t.tbl
    i = t.obj_hash(tbl, t.obj(obj))
    prev = 0
    for he in t.chain(tbl, i):
        if key and t.same_key(key, t.obj(he)):
            if not mem.read_u8(t.field("rhlist")):
                return t.obj(he)
            mem.write_ptr(obj + t.word, he)                       # list->next = the old list
            mem.write_ptr(obj, mem.read_ptr(he))                  # take its place in the chain
            mem.write_ptr(prev if prev else t.bucket(tbl, i), obj)
            return 0
        prev = he
    if t.nelems >= mem.read_u32(t.field("max_elems")):
        return _err_ptr(k, E2BIG)
    mem.write_ptr(obj, mem.read_ptr(t.bucket(tbl, i)) & ~1 or t.nulls(tbl, i))
    if mem.read_u8(t.field("rhlist")):
        mem.write_ptr(obj + t.word, 0)
    mem.write_ptr(t.bucket(tbl, i), obj)
    t.nelems += 1
    if t.grow_above(tbl, 75):
        t.rehash(t.size(tbl) * 2)
    return 0


@table.service("void __kemu_rht_deferred_worker(struct work_struct *work)")
def __kemu_rht_deferred_worker(k, work: int) -> None:
    """ht->run_work (rht_deferred_worker): grow a table above 75% to twice its size, or
    shrink a sparse one that asked for automatic shrinking."""
    t = Table(k, work - k.linux.layout.offset("struct rhashtable", "run_work"))
    tbl = t.tbl
    if t.grow_above(tbl, 75):
        t.rehash(t.size(tbl) * 2)
    else:
        target = t.shrink_target(tbl)
        if target:
            t.rehash(target)


def destroy(k, ht: int, free_fn: int, arg: int) -> None:
    t = Table(k, ht)
    mem = k.machine.mem
    k.linux.timekeeping.cancel_work(t.field("run_work"))
    tbl = t.tbl
    if not tbl:
        return
    rhlist = mem.read_u8(t.field("rhlist"))
    if free_fn:
        for i in range(t.size(tbl)):
            for he in t.chain(tbl, i):
                item = he
                while item:
                    nxt = mem.read_ptr(item + t.word) if rhlist else 0
                    k.linux.call_kernel_pointer(free_fn, t.obj(item), arg, what="rhashtable_free_and_destroy: free_fn")
                    item = nxt
    k.heap.free(tbl)
    mem.write_ptr(t.field("tbl"), 0)


@table.service("void rhashtable_free_and_destroy(struct rhashtable *ht, void (*free_fn)(void *ptr, void *arg), "
               "void *arg)")
def rhashtable_free_and_destroy(k, ht: int, free_fn: int, arg: int) -> None:
    """Stop the resize worker, call free_fn(object, arg) for every object (each member of an
    rhltable list), and free the bucket table."""
    destroy(k, ht, free_fn, arg)


@table.service("void rhashtable_destroy(struct rhashtable *ht)")
def rhashtable_destroy(k, ht: int) -> None:
    """Free the bucket table (the objects are the caller's)."""
    destroy(k, ht, 0, 0)
