"""Off-stack CPU masks (lib/cpumask.c, CONFIG_CPUMASK_OFFSTACK: Debian's amd64 kernel, built
for 8192 CPUs, keeps a cpumask_var_t on the heap instead of the stack).

alloc_cpumask_var_node(&mask, gfp, node) allocates cpumask_size() bytes — whole longs for
nr_cpu_ids bits, one long on this one-CPU machine — zeroed for __GFP_ZERO (what
zalloc_cpumask_var passes), stores the pointer in *mask and says whether it got one;
free_cpumask_var frees it (NULL is allowed). The masks are heap blocks charged to the
caller, so a driver that forgets one is seen leaking it. (686-pae keeps its masks on the
stack and exports neither.)
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("cpumask_alloc", {"cpumask_var_t": (4, 8, False, True)})

GFP_ZERO = 0x100


def cpumask_size(k) -> int:
    """BITS_TO_LONGS(nr_cpu_ids) * sizeof(long)."""
    at = k.linux.data.get("nr_cpu_ids")
    bits = k.machine.mem.read_u32(at) if at is not None else 1
    word = k.machine.word_size
    return max(1, -(-bits // (8 * word))) * word


@table.service("bool alloc_cpumask_var_node(cpumask_var_t *mask, gfp_t flags, int node)", needs_call=True)
def alloc_cpumask_var_node(k, mask: int, flags: int, node: int, call=None) -> int:
    """*mask = a new CPU mask (zeroed with __GFP_ZERO); true when it was allocated."""
    block = k.heap.alloc(cpumask_size(k), "cpumask", zero=bool(flags & GFP_ZERO),
                         caller=call.return_address if call is not None else None)
    k.machine.mem.write_ptr(mask, block)
    return int(block != 0)


@table.service("void free_cpumask_var(cpumask_var_t mask)")
def free_cpumask_var(k, mask: int) -> None:
    """Free a mask alloc_cpumask_var_node gave (NULL: nothing)."""
    if mask:
        k.heap.free(mask)
