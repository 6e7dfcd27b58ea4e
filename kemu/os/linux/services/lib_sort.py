"""sort() (lib/sort.c, 6.1): an in-place heapsort of num elements of size bytes in guest
memory, comparing with the caller's cmp(a, b) and exchanging with its swap(a, b, size) when
given (else bytewise, as the kernel's built-in swaps do). Like the kernel's it is not stable
and calls back into the module for every comparison, so a cmp that oopses is reported as
the module's."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("lib_sort")

MAX_SORT = 1 << 20


def heapsort(k, base: int, num: int, size: int, cmp: int, swap: int, priv: int | None) -> None:
    mem = k.machine.mem
    k.check_length(base, num * size, "write")

    def at(i: int) -> int:
        return base + i * size

    def less(i: int, j: int) -> bool:
        args = (at(i), at(j)) if priv is None else (at(i), at(j), priv)
        return k.linux.call_kernel_pointer(cmp, *args, what="sort: cmp") < 0

    def exchange(i: int, j: int) -> None:
        if swap:
            args = (at(i), at(j), size) if priv is None else (at(i), at(j), size, priv)
            k.linux.call_kernel_pointer(swap, *args, what="sort: swap")
            return
        a, b = mem.read(at(i), size), mem.read(at(j), size)
        mem.write(at(i), b)
        mem.write(at(j), a)

    def sift(root: int, end: int) -> None:
        while 2 * root + 1 < end:
            child = 2 * root + 1
            if child + 1 < end and less(child, child + 1):
                child += 1
            if not less(root, child):
                return
            exchange(root, child)
            root = child

    for start in range(num // 2 - 1, -1, -1):
        sift(start, num)
    for end in range(num - 1, 0, -1):
        exchange(0, end)
        sift(0, end)


@table.service("void sort(void *base, size_t num, size_t size, int (*cmp)(const void *, const void *), "
               "void (*swap)(void *, void *, int))")
def sort(k, base: int, num: int, size: int, cmp: int, swap: int) -> None:
    """Sort the array ascending by cmp."""
    if num > 1 and size and num <= MAX_SORT:
        heapsort(k, base, num, size, cmp, swap, None)


@table.service("void sort_r(void *base, size_t num, size_t size, "
               "int (*cmp)(const void *, const void *, const void *), "
               "void (*swap)(void *, void *, int, const void *), const void *priv)")
def sort_r(k, base: int, num: int, size: int, cmp: int, swap: int, priv: int) -> None:
    """sort with a private pointer handed to cmp and swap."""
    if num > 1 and size and num <= MAX_SORT:
        heapsort(k, base, num, size, cmp, swap, priv)
