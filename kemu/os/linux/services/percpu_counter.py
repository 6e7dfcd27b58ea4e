"""Per-CPU counters (lib/percpu_counter.c, 6.1): a shared s64 `count` plus an s32 per CPU,
folded into `count` when a CPU's share reaches the batch. sctp and the bridge keep their
socket and memory totals in them.

The struct percpu_counter is the module's, in guest memory (layout measured from Debian's
headers), so the inline percpu_counter_read() sees the real count; its per-CPU s32 is a real
alloc_percpu allocation charged to the caller, released by percpu_counter_destroy (a counter
never destroyed shows as a leak, as it would in the kernel). kemu has one CPU, so a sum is
count plus CPU 0's share."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list, list_add_tail, list_del_init
from .percpu_alloc import GFP_KERNEL, pcpu_alloc, percpu_address

table = ServiceTable("percpu_counter")

ENOMEM = 12
M64 = (1 << 64) - 1


def _off(k, name: str) -> int:
    return k.linux.layout.offset("struct percpu_counter", name)


def _s(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _counters_head(k) -> int:
    """The kernel's list of live counters (percpu_counters, walked at CPU hotplug)."""
    head = k.linux.__dict__.get("percpu_counters_head")
    if head is None:
        head = k.linux.percpu_counters_head = k.heap.alloc(2 * k.machine.word_size, "percpu_counters")
        init_list(k, head)
    return head


def _cpu0(k, fbc: int) -> int:
    return percpu_address(k, k.machine.mem.read_ptr(fbc + _off(k, "counters")))


def _count(k, fbc: int) -> int:
    return _s(k.machine.mem.read_u64(fbc + _off(k, "count")), 64)


def _set_count(k, fbc: int, value: int) -> None:
    k.machine.mem.write_u64(fbc + _off(k, "count"), value & M64)


@table.service("int __percpu_counter_init(struct percpu_counter *fbc, s64 amount, gfp_t gfp, "
               "struct lock_class_key *key)", needs_call=True)
def __percpu_counter_init(k, fbc: int, amount: int, gfp: int, key: int, call=None) -> int:
    """Start the counter at amount with a zeroed per-CPU share; -ENOMEM if that cannot be
    allocated."""
    mem = k.machine.mem
    counters = pcpu_alloc(k, 4, 4, gfp | GFP_KERNEL, call)
    if not counters:
        return -ENOMEM
    mem.write_u32(fbc + _off(k, "lock"), 0)
    _set_count(k, fbc, amount)
    mem.write_ptr(fbc + _off(k, "counters"), counters)
    init_list(k, fbc + _off(k, "list"))
    list_add_tail(k, fbc + _off(k, "list"), _counters_head(k))
    return 0


@table.service("void percpu_counter_destroy(struct percpu_counter *fbc)", needs_call=True)
def percpu_counter_destroy(k, fbc: int, call=None) -> None:
    """Release the per-CPU share (a counter never initialised, or already destroyed, is left)."""
    mem = k.machine.mem
    counters = mem.read_ptr(fbc + _off(k, "counters"))
    if not counters:
        return
    list_del_init(k, fbc + _off(k, "list"))
    k.heap.free(percpu_address(k, counters), caller=call.return_address)
    mem.write_ptr(fbc + _off(k, "counters"), 0)


@table.service("void percpu_counter_set(struct percpu_counter *fbc, s64 amount)")
def percpu_counter_set(k, fbc: int, amount: int) -> None:
    """Every CPU's share cleared, the count set to amount."""
    k.machine.mem.write_u32(_cpu0(k, fbc), 0)
    _set_count(k, fbc, amount)


@table.service("void percpu_counter_add_batch(struct percpu_counter *fbc, s64 amount, s32 batch)")
def percpu_counter_add_batch(k, fbc: int, amount: int, batch: int) -> None:
    """Add to this CPU's share; once it reaches +-batch it moves into count."""
    mem, cpu = k.machine.mem, _cpu0(k, fbc)
    share = _s(mem.read_u32(cpu), 32) + _s(amount, 64)
    if abs(share) >= _s(batch, 32):
        _set_count(k, fbc, _count(k, fbc) + share)
        share = 0
    mem.write_u32(cpu, share & 0xFFFFFFFF)


@table.service("s64 __percpu_counter_sum(struct percpu_counter *fbc)")
def __percpu_counter_sum(k, fbc: int) -> int:
    """The exact total: count plus every CPU's share."""
    return (_count(k, fbc) + _s(k.machine.mem.read_u32(_cpu0(k, fbc)), 32)) & M64


@table.service("int __percpu_counter_compare(struct percpu_counter *fbc, s64 rhs, s32 batch)")
def __percpu_counter_compare(k, fbc: int, rhs: int, batch: int) -> int:
    """-1, 0 or 1 as the counter is below, equal to or above rhs (exact on one CPU)."""
    total = _s(__percpu_counter_sum(k, fbc), 64)
    rhs = _s(rhs, 64)
    return (total > rhs) - (total < rhs)
