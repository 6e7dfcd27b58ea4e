"""rhashtable (services/rhashtable.py): the table in guest memory is the one the modules'
inline fast paths walk, so these tests find objects the way rhashtable.h does: jhash2 of
the key with the table's hash_rnd, masked to the size, down the bucket's chain to the odd
nulls marker. Both arches."""
from __future__ import annotations

from kemu.os.linux.services.rhashtable import jhash2

from .libds_helpers import call, err_ptr, icall, zeroed

EINVAL = 22
KEY_OFFSET, HEAD_OFFSET, OBJ_SIZE = 0, 8, 32


class Guest:
    def __init__(self, linux):
        self.linux, self.lay, self.mem = linux, linux.layout, linux.machine.mem
        self.ht = zeroed(linux, self.lay.size("struct rhashtable"))
        self.params = zeroed(linux, self.lay.size("struct rhashtable_params"))

    def param(self, name: str, value: int) -> None:
        self.mem.write_u16(self.params + self.lay.offset("struct rhashtable_params", name), value)

    def tbl(self) -> int:
        return self.mem.read_ptr(self.ht + self.lay.offset("struct rhashtable", "tbl"))

    def tbl_u32(self, name: str) -> int:
        return self.mem.read_u32(self.tbl() + self.lay.offset("struct bucket_table", name))

    def obj(self, key: int) -> int:
        o = zeroed(self.linux, OBJ_SIZE)
        self.mem.write_u32(o + KEY_OFFSET, key)
        return o

    def lookup(self, key: int) -> int:
        """__rhashtable_lookup as the inline code does it."""
        size, word = self.tbl_u32("size"), self.linux.machine.word_size
        i = jhash2([key], self.tbl_u32("hash_rnd")) & (size - 1)
        he = self.mem.read_ptr(self.tbl() + self.lay.offset("struct bucket_table", "buckets[0]") + i * word) & ~1
        while he and not he & 1:
            if self.mem.read_u32(he - HEAD_OFFSET + KEY_OFFSET) == key:
                return he - HEAD_OFFSET
            he = self.mem.read_ptr(he)
        return 0


def make(linux) -> Guest:
    g = Guest(linux)
    g.param("key_len", 4)
    g.param("key_offset", KEY_OFFSET)
    g.param("head_offset", HEAD_OFFSET)
    assert icall(linux, "rhashtable_init", g.ht, g.params) == 0
    return g


def test_init_needs_a_key_length_or_an_object_hash(linux):
    g = Guest(linux)
    assert icall(linux, "rhashtable_init", g.ht, g.params) == -EINVAL


def test_init_builds_a_default_table_of_64_null_buckets(linux):
    g = make(linux)
    assert g.tbl_u32("size") == 64
    assert g.mem.read_u32(g.ht + linux.layout.offset("struct rhashtable", "key_len")) == 1   # in u32s


def test_inserted_objects_are_found_by_the_inline_walk_and_duplicates_refused(linux):
    g = make(linux)
    objs = {key: g.obj(key) for key in (7, 11, 1 << 20)}
    for key, o in objs.items():
        assert call(linux, "rhashtable_insert_slow", g.ht, o + KEY_OFFSET, o + HEAD_OFFSET) == 0
    assert {key: g.lookup(key) for key in objs} == objs
    dup = g.obj(11)
    assert call(linux, "rhashtable_insert_slow", g.ht, dup + KEY_OFFSET, dup + HEAD_OFFSET) == objs[11]


def test_growing_past_75_percent_rehashes_and_keeps_every_object(linux):
    g = make(linux)
    objs = {key: g.obj(key) for key in range(100)}
    for o in objs.values():
        call(linux, "rhashtable_insert_slow", g.ht, o + KEY_OFFSET, o + HEAD_OFFSET)
    assert g.tbl_u32("size") == 256
    assert all(g.lookup(key) == o for key, o in objs.items())


def test_destroy_frees_the_bucket_table(linux):
    g = make(linux)
    tbl = g.tbl()
    call(linux, "rhashtable_destroy", g.ht)
    assert g.tbl() == 0
    assert all(b.addr != tbl for b in linux.kernel.heap.leaks())


def test_an_rhltable_chains_objects_with_equal_keys_on_one_list(linux):
    g = Guest(linux)
    g.param("key_len", 4)
    g.param("key_offset", KEY_OFFSET)
    g.param("head_offset", HEAD_OFFSET)
    assert icall(linux, "rhltable_init", g.ht, g.params) == 0
    first, second = g.obj(5), g.obj(5)
    for o in (first, second):
        assert call(linux, "rhashtable_insert_slow", g.ht, o + KEY_OFFSET, o + HEAD_OFFSET) == 0
    word = linux.machine.word_size
    assert g.lookup(5) == second
    assert g.mem.read_ptr(second + HEAD_OFFSET + word) == first + HEAD_OFFSET     # list->next
