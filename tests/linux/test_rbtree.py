"""The rbtree services (services/rbtree.py) on nodes laid out as struct rb_node in guest
memory: nodes linked in the way rb_link_node does and rebalanced by rb_insert_color keep the
red-black invariants, walk in order both ways, and stay valid through rb_erase. Both arches."""
from __future__ import annotations

import random

from .libds_helpers import call, zeroed


class Tree:
    """A tree of nodes keyed by an int stored after each rb_node."""

    def __init__(self, linux):
        self.linux, self.mem, self.word = linux, linux.machine.mem, linux.machine.word_size
        self.lay = linux.layout
        self.root = zeroed(linux, self.word)
        self.size = self.lay.size("struct rb_node")
        self.keys = {}

    def f(self, n, name):
        return n + self.lay.offset("struct rb_node", name)

    def left(self, n):
        return self.mem.read_ptr(self.f(n, "rb_left"))

    def right(self, n):
        return self.mem.read_ptr(self.f(n, "rb_right"))

    def insert(self, key):
        node = zeroed(self.linux, self.size + 8)
        self.keys[node] = key
        parent, link = 0, self.root
        while self.mem.read_ptr(link):
            parent = self.mem.read_ptr(link)
            link = self.f(parent, "rb_left") if key < self.keys[parent] else self.f(parent, "rb_right")
        self.mem.write_ptr(self.f(node, "__rb_parent_color"), parent)       # rb_link_node: red
        self.mem.write_ptr(link, node)
        call(self.linux, "rb_insert_color", node, self.root)
        return node

    def black_height(self, n, parent=0):
        """Check the invariants below n; its black height."""
        if not n:
            return 1
        pc = self.mem.read_ptr(self.f(n, "__rb_parent_color"))
        assert pc & ~3 == parent
        black = pc & 1
        for child in (self.left(n), self.right(n)):
            if child and not black:
                assert self.mem.read_ptr(self.f(child, "__rb_parent_color")) & 1, "red node with red child"
        lh, rh = self.black_height(self.left(n), n), self.black_height(self.right(n), n)
        assert lh == rh
        return lh + black

    def walk(self, first="rb_first", step="rb_next"):
        out, n = [], call(self.linux, first, self.root)
        while n:
            out.append(self.keys[n])
            n = call(self.linux, step, n)
        return out


def test_inserts_keep_the_invariants_and_walk_in_order(linux):
    t, keys = Tree(linux), random.Random(1).sample(range(1000), 60)
    for key in keys:
        t.insert(key)
        t.black_height(linux.machine.mem.read_ptr(t.root))
    assert linux.machine.mem.read_ptr(t.f(linux.machine.mem.read_ptr(t.root), "__rb_parent_color")) & 1
    assert t.walk() == sorted(keys)
    assert t.walk("rb_last", "rb_prev") == sorted(keys, reverse=True)


def test_erase_keeps_the_invariants_and_the_order(linux):
    t, rng = Tree(linux), random.Random(2)
    nodes = {t.insert(key): key for key in rng.sample(range(1000), 50)}
    for node in rng.sample(list(nodes), 35):
        call(linux, "rb_erase", node, t.root)
        del nodes[node]
        t.black_height(linux.machine.mem.read_ptr(t.root))
        assert t.walk() == sorted(nodes.values())


def test_postorder_visits_children_before_parents(linux):
    t = Tree(linux)
    for key in range(15):
        t.insert(key)
    seen, n = set(), call(linux, "rb_first_postorder", t.root)
    while n:
        assert all(c in seen for c in (t.left(n), t.right(n)) if c)
        seen.add(n)
        n = call(linux, "rb_next_postorder", n)
    assert len(seen) == 15
