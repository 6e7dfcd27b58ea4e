"""The radix-tree API (lib/radix-tree.c, 6.1). Since 4.20 struct radix_tree_root IS struct
xarray (INIT_RADIX_TREE stores the gfp mask in xa_flags), so kemu keeps a radix tree's
entries in the same per-address store as services/xarray.py: an xa_* call and a radix_tree_*
call on one root see the same slots, and the root's xa_head is non-NULL exactly while the
tree holds something (radix_tree_empty reads it inline).

* radix_tree_insert refuses an occupied slot with -EEXIST (an internal-node pointer is a
  BUG in the kernel: -EINVAL here, as the xarray refuses it);
* radix_tree_lookup / radix_tree_delete return the item (NULL when absent);
* radix_tree_gang_lookup fills results[] with up to max_items items at index >= first_index,
  in index order, and returns how many (brd and null_blk free their pages with it).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .xarray import EINVAL, ZERO, _remove, array, is_internal, sync

table = ServiceTable("radix_tree")

EEXIST = 17


@table.service("int radix_tree_insert(struct radix_tree_root *root, unsigned long index, void *item)",
               needs_call=True)
def radix_tree_insert(k, root: int, index: int, item: int, call=None) -> int:
    """Store item at a free index; -EEXIST when the slot is taken."""
    a = array(k, root, "radix_tree_insert")
    if is_internal(item):
        return -EINVAL
    if index in a.entries:
        return -EEXIST
    if not item:                       # a NULL item leaves the slot empty
        return 0
    a.entries[index] = item
    sync(k, root, a, call.return_address)
    return 0


@table.service("void *radix_tree_lookup(const struct radix_tree_root *root, unsigned long index)")
def radix_tree_lookup(k, root: int, index: int) -> int:
    """The item at index, NULL if none."""
    entry = array(k, root, "radix_tree_lookup").entries.get(index)
    return 0 if entry is None or entry is ZERO else entry


@table.service("void *radix_tree_delete(struct radix_tree_root *root, unsigned long index)")
def radix_tree_delete(k, root: int, index: int) -> int:
    """Remove and return the item at index (NULL if none); its tags go with it."""
    a = array(k, root, "radix_tree_delete")
    entry = _remove(a, index)
    sync(k, root, a)
    return 0 if entry is None or entry is ZERO else entry


@table.service("unsigned int radix_tree_gang_lookup(const struct radix_tree_root *root, void **results, "
               "unsigned long first_index, unsigned int max_items)")
def radix_tree_gang_lookup(k, root: int, results: int, first_index: int, max_items: int) -> int:
    """Up to max_items items from first_index on, in index order, into results[]."""
    a = array(k, root, "radix_tree_gang_lookup")
    found = sorted(i for i, e in a.entries.items() if i >= first_index and e is not ZERO)[:max_items]
    word = k.machine.word_size
    if found:
        k.check_length(results, word * len(found), "write")
    for n, i in enumerate(found):
        k.machine.mem.write_ptr(results + n * word, a.entries[i])
    return len(found)
