"""sort() (lib/sort.c, 6.1): num elements of size bytes in guest memory put in ascending
order by the caller's cmp(a, b), exchanged with its swap(a, b, size) when given (else
bytewise, as the kernel's built-in swaps do). Every comparison calls back into the module,
so a cmp that oopses is reported as the module's. The kernel's is a heapsort; kemu orders
with a merge sort, which calls cmp far less often (each call is a guest call) and yields
an equally valid order (neither is stable)."""
from __future__ import annotations

import functools

from kemu.kernel import ServiceTable

table = ServiceTable("lib_sort")

MAX_SORT = 1 << 20


def sort_array(k, base: int, num: int, size: int, cmp: int, swap: int, priv: int | None) -> None:
    """Order the elements with the module's cmp (called on the elements where they lie, as
    a merge sort needs the fewest calls into guest code), then move them into place:
    bytewise, or with the module's swap through the permutation's cycles."""
    mem = k.machine.mem
    k.check_length(base, num * size, "write")

    def at(i: int) -> int:
        return base + i * size

    def compare(i: int, j: int) -> int:
        args = (at(i), at(j)) if priv is None else (at(i), at(j), priv)
        return k.linux.call_kernel_pointer(cmp, *args, what="sort: cmp")

    order = sorted(range(num), key=functools.cmp_to_key(compare))
    if not swap:
        raw = mem.read(base, num * size)
        mem.write(base, b"".join(raw[i * size:(i + 1) * size] for i in order))
        return
    where = list(range(num))            # where[e]: current slot of original element e
    holds = list(range(num))            # holds[s]: original element now in slot s
    for slot, wanted in enumerate(order):
        src = where[wanted]
        if src == slot:
            continue
        args = (at(slot), at(src), size) if priv is None else (at(slot), at(src), size, priv)
        k.linux.call_kernel_pointer(swap, *args, what="sort: swap")
        moved = holds[slot]
        holds[slot], holds[src] = wanted, moved
        where[wanted], where[moved] = slot, src


@table.service("void sort(void *base, size_t num, size_t size, int (*cmp)(const void *, const void *), "
               "void (*swap)(void *, void *, int))")
def sort(k, base: int, num: int, size: int, cmp: int, swap: int) -> None:
    """Sort the array ascending by cmp."""
    if num > 1 and size and num <= MAX_SORT:
        sort_array(k, base, num, size, cmp, swap, None)


@table.service("void sort_r(void *base, size_t num, size_t size, "
               "int (*cmp)(const void *, const void *, const void *), "
               "void (*swap)(void *, void *, int, const void *), const void *priv)")
def sort_r(k, base: int, num: int, size: int, cmp: int, swap: int, priv: int) -> None:
    """sort with a private pointer handed to cmp and swap."""
    if num > 1 and size and num <= MAX_SORT:
        sort_array(k, base, num, size, cmp, swap, priv)
