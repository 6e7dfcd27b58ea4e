"""A module's red-black tree (lib/rbtree.c, 6.1): the walks (rb_first, rb_last, rb_next,
rb_prev, post-order) and the rebalancing after an insert (rb_insert_color) or for an erase
(rb_erase), and rb_replace_node. The nodes are the module's own struct rb_node in guest
memory: __rb_parent_color (the parent pointer with the colour in bit 0, 1 for black),
rb_right, rb_left, as measured from Debian's headers; a struct rb_root is one pointer to the
top node. The module links a new node in itself (rb_link_node: red, no children) and then
asks for the colours to be fixed; the rebalancing is the textbook one, so the tree keeps
the red-black invariants the kernel's keeps (the exact shape may differ, which no user of
the rbtree API can observe but through timing)."""
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

    # --- writing -------------------------------------------------------------------------------
    def black(self, n: int) -> bool:
        return not n or bool(self.mem.read_ptr(n + self.o_pc) & 1)

    def set_parent(self, n: int, p: int) -> None:
        pc = n + self.o_pc
        self.mem.write_ptr(pc, p | (self.mem.read_ptr(pc) & 1))

    def set_color(self, n: int, black: bool) -> None:
        pc = n + self.o_pc
        self.mem.write_ptr(pc, (self.mem.read_ptr(pc) & ~1) | int(black))

    def set_left(self, n: int, c: int) -> None:
        self.mem.write_ptr(n + self.o_l, c)

    def set_right(self, n: int, c: int) -> None:
        self.mem.write_ptr(n + self.o_r, c)

    def replace_child(self, old: int, new: int, parent: int, root: int) -> None:
        """Make `new` stand where `old` hung under parent (or at the root)."""
        if not parent:
            self.mem.write_ptr(root, new)
        elif self.left(parent) == old:
            self.set_left(parent, new)
        else:
            self.set_right(parent, new)

    def rotate(self, x: int, root: int, leftwards: bool) -> None:
        """Rotate x down to the left (its right child up) or to the right."""
        near, far = (self.left, self.right) if leftwards else (self.right, self.left)
        set_near, set_far = (self.set_left, self.set_right) if leftwards else (self.set_right, self.set_left)
        y = far(x)
        inner = near(y)
        set_far(x, inner)
        if inner:
            self.set_parent(inner, x)
        self.set_parent(y, self.parent(x))
        self.replace_child(x, y, self.parent(x), root)
        set_near(y, x)
        self.set_parent(x, y)

    def insert_fixup(self, node: int, root: int) -> None:
        while True:
            parent = self.parent(node)
            if not parent:
                self.set_color(node, True)
                return
            if self.black(parent):
                return
            gparent = self.parent(parent)
            on_left = parent == self.left(gparent)
            uncle = self.right(gparent) if on_left else self.left(gparent)
            if not self.black(uncle):
                self.set_color(parent, True)
                self.set_color(uncle, True)
                self.set_color(gparent, False)
                node = gparent
                continue
            if node == (self.right(parent) if on_left else self.left(parent)):
                self.rotate(parent, root, leftwards=on_left)
                node, parent = parent, node
            self.rotate(gparent, root, leftwards=not on_left)
            self.set_color(parent, True)
            self.set_color(gparent, False)
            return

    def erase(self, node: int, root: int) -> None:
        if not self.left(node) or not self.right(node):
            child = self.left(node) or self.right(node)
            parent, black = self.parent(node), self.black(node)
            self.replace_child(node, child, parent, root)
            if child:
                self.set_parent(child, parent)
        else:
            old, node = node, self.down(self.right(node), self.left)       # the successor
            child, parent, black = self.right(node), self.parent(node), self.black(node)
            if parent == old:
                parent = node
            else:
                if child:
                    self.set_parent(child, parent)
                self.set_left(parent, child)
                self.set_right(node, self.right(old))
                self.set_parent(self.right(old), node)
            self.mem.write_ptr(node + self.o_pc, self.mem.read_ptr(old + self.o_pc))
            self.replace_child(old, node, self.parent(old), root)
            self.set_left(node, self.left(old))
            self.set_parent(self.left(old), node)
        if black:
            self.erase_fixup(child, parent, root)

    def erase_fixup(self, x: int, parent: int, root: int) -> None:
        while x != self.mem.read_ptr(root) and self.black(x):
            on_left = x == self.left(parent)
            near, far = (self.left, self.right) if on_left else (self.right, self.left)
            w = far(parent)
            if not self.black(w):
                self.set_color(w, True)
                self.set_color(parent, False)
                self.rotate(parent, root, leftwards=on_left)
                w = far(parent)
            if self.black(near(w)) and self.black(far(w)):
                self.set_color(w, False)
                x, parent = parent, self.parent(parent)
                continue
            if self.black(far(w)):
                self.set_color(near(w), True)
                self.set_color(w, False)
                self.rotate(w, root, leftwards=not on_left)
                w = far(parent)
            self.set_color(w, self.black(parent))
            self.set_color(parent, True)
            self.set_color(far(w), True)
            self.rotate(parent, root, leftwards=on_left)
            x = self.mem.read_ptr(root)
            break
        if x:
            self.set_color(x, True)

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


@table.service("void rb_insert_color(struct rb_node *node, struct rb_root *root)")
def rb_insert_color(k, node: int, root: int) -> None:
    """Rebalance after the module linked a new red node in (rb_link_node)."""
    _Tree(k).insert_fixup(node, root)


@table.service("void rb_erase(struct rb_node *node, struct rb_root *root)")
def rb_erase(k, node: int, root: int) -> None:
    """Unlink node from the tree and rebalance (the node's own fields are left as they are)."""
    _Tree(k).erase(node, root)


@table.service("void rb_replace_node(struct rb_node *victim, struct rb_node *new, struct rb_root *root)")
def rb_replace_node(k, victim: int, new: int, root: int) -> None:
    """Put new where victim is, with its colour and children (no rebalancing: the caller
    guarantees new sorts where victim did)."""
    t = _Tree(k)
    t.mem.write(new, t.mem.read(victim, k.linux.layout.size("struct rb_node")))
    for child in (t.left(victim), t.right(victim)):
        if child:
            t.set_parent(child, new)
    t.replace_child(victim, new, t.parent(victim), root)
