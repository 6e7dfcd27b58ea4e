"""The kernel library's data structures and helpers (lib/, the libds task): one place that
installs their service tables, so system.py needs a single line for all of them."""
from __future__ import annotations

from . import (alloc_node, do_once, ida, lib_random, lib_sort, lib_strings, percpu_counter, proc_attrs, rbtree,
               page_struct, rhashtable, textsearch, timer_extras, user_ns, xarray, zlib_sizes)

TABLES = (xarray.table, ida.table, proc_attrs.table, user_ns.table, lib_strings.table, lib_random.table,
          lib_sort.table, alloc_node.table, textsearch.table, rbtree.table, timer_extras.table,
          percpu_counter.table, do_once.table, rhashtable.table, zlib_sizes.table, page_struct.table)


def install(k) -> None:
    """Install every libds table on kernel `k`."""
    for t in TABLES:
        k.install(t)
