"""Walking a module's red-black tree (lib/rbtree.c, 6.1): rb_first, rb_last, rb_next,
rb_prev and the post-order walk. The nodes are the module's own struct rb_node in guest
memory: __rb_parent_color (the parent pointer with the colour in bit 0), rb_right, rb_left,
as measured from Debian's headers; a struct rb_root is one pointer to the top node."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("rbtree")


class _Tree:
    def __init__(self, k):
        lay, self.mem = k.linux.layout, k.machine.mem
        self.o_pc = lay.offset("struct rb_node", "__rb_parent_color")
        self.o_r, self.o_l = lay.offset("struct rb_node", "rb_right"), lay.offset("struct rb_node", "rb_left")

    def parent(self, n: int) -> int:
        return self.mem.read_ptr(n + self.o_pc) & ~3

    def left(self, n: int) -> int:
        return self.mem.read_ptr(n + self.o_l)

    def right(self, n: int) -> int:
        return self.mem.read_ptr(n + self.o_r)

    def empty(self, n: int) -> bool:
        """RB_EMPTY_NODE: a node pointing at itself as parent is in no tree."""
        return self.mem.read_ptr(n + self.o_pc) == n

    def down(self, n: int, side) -> int:
        while side(n):
            n = side(n)
        return n

    def step(self, n: int, forward: bool) -> int:
        """In-order successor (forward) or predecessor; 0 at the end."""
        near, far = (self.right, self.left) if forward else (self.left, self.right)
        if self.empty(n):
            return 0
        if near(n):
            return self.down(near(n), far)
        p = self.parent(n)
        while p and n == near(p):
            n, p = p, self.parent(p)
        return p

    def deepest_left(self, n: int) -> int:
        """The first node of a post-order walk of the subtree at n."""
        while True:
            if self.left(n):
                n = self.left(n)
            elif self.right(n):
                n = self.right(n)
            else:
                return n


@table.service("struct rb_node *rb_first(const struct rb_root *root)")
def rb_first(k, root: int) -> int:
    """The leftmost (smallest) node, NULL for an empty tree."""
    top = k.machine.mem.read_ptr(root)
    t = _Tree(k)
    return t.down(top, t.left) if top else 0


@table.service("struct rb_node *rb_last(const struct rb_root *root)")
def rb_last(k, root: int) -> int:
    """The rightmost (largest) node, NULL for an empty tree."""
    top = k.machine.mem.read_ptr(root)
    t = _Tree(k)
    return t.down(top, t.right) if top else 0


@table.service("struct rb_node *rb_next(const struct rb_node *node)")
def rb_next(k, node: int) -> int:
    """The next node in order, NULL after the last (or for a node in no tree)."""
    return _Tree(k).step(node, True)


@table.service("struct rb_node *rb_prev(const struct rb_node *node)")
def rb_prev(k, node: int) -> int:
    """The previous node in order, NULL before the first."""
    return _Tree(k).step(node, False)


@table.service("struct rb_node *rb_first_postorder(const struct rb_root *root)")
def rb_first_postorder(k, root: int) -> int:
    """The first node of a post-order walk (children before parents, for freeing a tree)."""
    top = k.machine.mem.read_ptr(root)
    return _Tree(k).deepest_left(top) if top else 0


@table.service("struct rb_node *rb_next_postorder(const struct rb_node *node)")
def rb_next_postorder(k, node: int) -> int:
    """The node after `node` in post-order, NULL after the root."""
    if not node:
        return 0
    t = _Tree(k)
    p = t.parent(node)
    if p and node == t.left(p) and t.right(p):
        return t.deepest_left(t.right(p))
    return p
