"""The dynamic per-CPU allocator (mm/percpu.c): alloc_percpu()/free_percpu().

A per-CPU pointer is not an address: the kernel turns it into CPU n's copy by adding
`__per_cpu_offset[n]` (per_cpu_ptr), and `this_cpu_*` reach the running CPU's copy through
%gs (x86-64) or %fs (i386) with the same pointer. 6.1 places a dynamic allocation in a chunk
and hands out `chunk address - pcpu_base_addr + __per_cpu_start` (__addr_to_pcpu_ptr), so
any memory works as long as the pointer is made that way. kemu has one CPU: each allocation
is one zeroed heap block (charged to the caller, so an unload that never freed it reports a
leak), and the pointer is its address minus CPU 0's offset (the per-CPU area on x86-64,
0 on i386: cpu.py), so both per_cpu_ptr(p, 0) and this_cpu_ptr(p) land on the block.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("percpu_alloc")

PCPU_MIN_ALLOC_SIZE = 4            # 1 << PCPU_MIN_ALLOC_SHIFT
PCPU_MIN_UNIT_SIZE = 32 << 10      # the largest single allocation pcpu_alloc accepts
PAGE_SIZE = 4096
GFP_NOWARN = 0x2000                # ___GFP_NOWARN in 6.1's gfp.h
GFP_KERNEL = 0xCC0


def cpu0_offset(k) -> int:
    """__per_cpu_offset[0]: what per_cpu_ptr(p, 0) adds to a per-CPU pointer."""
    linux = k.linux
    return linux.percpu.addr if linux.arch == "x86_64" else 0


def percpu_pointer(k, addr: int) -> int:
    """The per-CPU pointer of CPU 0's copy at `addr` (wrapping as the kernel's arithmetic)."""
    mask = (1 << (8 * k.machine.word_size)) - 1
    return (addr - cpu0_offset(k)) & mask


def percpu_address(k, ptr: int) -> int:
    """CPU 0's copy of per-CPU pointer `ptr` (per_cpu_ptr(ptr, 0))."""
    mask = (1 << (8 * k.machine.word_size)) - 1
    return (ptr + cpu0_offset(k)) & mask


def pcpu_alloc(k, size: int, align: int, gfp: int, call) -> int:
    """pcpu_alloc: size and alignment rounded up to 4 bytes, refused (WARN unless
    __GFP_NOWARN, NULL) when size is 0 or above PCPU_MIN_UNIT_SIZE or the alignment is not a
    power of two up to a page; the memory is zeroed for every CPU."""
    align = max(align, PCPU_MIN_ALLOC_SIZE)
    size = -(-size // PCPU_MIN_ALLOC_SIZE) * PCPU_MIN_ALLOC_SIZE
    if not size or size > PCPU_MIN_UNIT_SIZE or align > PAGE_SIZE or align & (align - 1):
        if not gfp & GFP_NOWARN:
            k.linux.pr("------------[ cut here ]------------", 4)
            k.linux.pr(f"illegal size ({size}) or align ({align}) for percpu allocation", 4)
            k.linux.add_taint("W")
        return 0
    addr = k.heap.alloc(size, "percpu", zero=True, align=max(align, 16), caller=call.return_address)
    return percpu_pointer(k, addr)


@table.service("void *__alloc_percpu(size_t size, size_t align)", needs_call=True)
def __alloc_percpu(k, size: int, align: int, call=None) -> int:
    """alloc_percpu(type): zeroed per-CPU memory for every possible CPU (GFP_KERNEL)."""
    return pcpu_alloc(k, size, align, GFP_KERNEL, call)


@table.service("void *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp)", needs_call=True)
def __alloc_percpu_gfp(k, size: int, align: int, gfp: int, call=None) -> int:
    """alloc_percpu_gfp(type, gfp): the same with the caller's GFP flags (__GFP_NOWARN
    silences the WARN for an illegal request)."""
    return pcpu_alloc(k, size, align, gfp, call)


@table.service("void free_percpu(void *ptr)", needs_call=True)
def free_percpu(k, ptr: int, call=None) -> None:
    """Free per-CPU memory from alloc_percpu; NULL is ignored. A pointer that is no live
    allocation is a bad free (the heap's error names it and the caller)."""
    if not ptr:
        return
    k.heap.free(percpu_address(k, ptr), caller=call.return_address)
