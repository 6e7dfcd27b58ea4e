"""Sleepable RCU (kernel/rcu/srcutree.c in Linux 6.1) and the SRCU notifier head built on it.

A `struct srcu_struct` counts its readers in per-CPU `struct srcu_data` (`sda`): a reader adds
one to `srcu_lock_count[idx]` on entry and to `srcu_unlock_count[idx]` on exit, `idx` being
the low bit of `srcu_idx` when it entered; a grace period flips `srcu_idx` and waits until the
old index's counts are equal. The services keep exactly those counters in guest memory
(`init_srcu_struct` allocates `sda` as the kernel does, with alloc_percpu; DEFINE_SRCU's
static one is the module's own per-CPU variable), so readers nest and interleave as in the
kernel.

* synchronize_srcu waits for the readers that were there when it began: on one CPU they are
  the waiting task's own, so a synchronize_srcu inside its own read-side section never returns
  (the kernel hangs; kemu reports the hung task and abandons the call). Otherwise the grace
  period ends at once: `srcu_idx` flips, `srcu_gp_seq` advances one period and the call_srcu
  callbacks queued before it run.
* call_srcu callbacks also run at the next tick of kemu's virtual clock with the RCU ones
  (rcu_callbacks.py), and srcu_barrier runs them all.
* cleanup_srcu_struct with readers still inside or callbacks pending is the kernel's WARN and
  leaves the structure (and its per-CPU memory) alone; otherwise `sda` is freed.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

from .kernel_pointer import kernel_struct
from .notifier_chains import HEADS
from .percpu_alloc import GFP_KERNEL, percpu_address
from .rcu_callbacks import Callback, rcu

table = ServiceTable("srcu")

RCU_SEQ_PERIOD = 4          # 1 << RCU_SEQ_CTR_SHIFT: srcu_gp_seq per grace period


def _off(k, struct: str, field: str) -> int:
    return k.linux.layout.offset(struct, field)


def _sda(k, ssp: int) -> int:
    """CPU 0's struct srcu_data of `ssp`."""
    kernel_struct(k, ssp, "struct srcu_struct", "the srcu_struct")
    ptr = k.machine.mem.read_ptr(ssp + _off(k, "struct srcu_struct", "sda"))
    if not ptr:
        raise KernelPanic(f"srcu_struct {k.machine.symbolize(ssp)} used before init_srcu_struct "
                          "(or after cleanup_srcu_struct): its per-CPU srcu_data is NULL")
    return percpu_address(k, ptr)


def _counter(k, ssp: int, which: str, idx: int) -> int:
    return _sda(k, ssp) + _off(k, "struct srcu_data", which) + (idx & 1) * k.machine.word_size


def _bump(k, addr: int) -> None:
    mask = (1 << (8 * k.machine.word_size)) - 1
    k.machine.mem.write_ptr(addr, (k.machine.mem.read_ptr(addr) + 1) & mask)


def readers(k, ssp: int) -> int:
    """Readers inside `ssp`'s read-side sections now (both indexes)."""
    mem, total = k.machine.mem, 0
    for idx in (0, 1):
        total += mem.read_ptr(_counter(k, ssp, "srcu_lock_count", idx))
        total -= mem.read_ptr(_counter(k, ssp, "srcu_unlock_count", idx))
    mask = (1 << (8 * k.machine.word_size)) - 1
    total &= mask
    return total - (mask + 1) if total >> (8 * k.machine.word_size - 1) else total


def init_srcu(k, ssp: int, call) -> int:
    """init_srcu_struct_fields: zero the grace-period state, allocate the per-CPU data."""
    from .percpu_alloc import pcpu_alloc
    mem = k.machine.mem
    mem.write_u32(ssp + _off(k, "struct srcu_struct", "srcu_idx"), 0)
    mem.write_ptr(ssp + _off(k, "struct srcu_struct", "srcu_gp_seq"), 0)
    lay = k.linux.layout
    sda = pcpu_alloc(k, lay.size("struct srcu_data"), lay.align("struct srcu_data"), GFP_KERNEL, call)
    if not sda:
        return -k.errno.ENOMEM
    mem.write_ptr(ssp + _off(k, "struct srcu_struct", "sda"), sda)
    return 0


def _pending(k, ssp: int) -> list[Callback]:
    return [cb for cb in rcu(k).pending if cb.ssp == ssp]


def grace_period(k, ssp: int, what: str) -> None:
    """End an SRCU grace period of `ssp` (see the module docstring)."""
    kernel_struct(k, ssp, "struct srcu_struct", f"the srcu_struct given to {what}")
    if readers(k, ssp) > 0:
        from ..bugs import current_pid_comm
        pid, comm = current_pid_comm(k.linux)
        k.linux.pr(f"INFO: task {comm}:{pid} blocked for more than 120 seconds.", 3)
        raise KernelPanic(f"{what}() on {k.machine.symbolize(ssp)} waits for its own SRCU read-side "
                          "section: it never ends")
    mem = k.machine.mem
    at = ssp + _off(k, "struct srcu_struct", "srcu_idx")
    mem.write_u32(at, (mem.read_u32(at) + 1) & 0xFFFFFFFF)
    at = ssp + _off(k, "struct srcu_struct", "srcu_gp_seq")
    mem.write_ptr(at, mem.read_ptr(at) + RCU_SEQ_PERIOD)
    state = rcu(k)
    batch = _pending(k, ssp)
    state.pending = [cb for cb in state.pending if cb not in batch]
    for cb in batch:
        state.invoke(cb)


def tick_grace_periods(k) -> None:
    """The tick ends the grace period of each srcu_struct with callbacks and no reader inside."""
    for ssp in dict.fromkeys(cb.ssp for cb in rcu(k).pending if cb.ssp):
        if readers(k, ssp) == 0:
            grace_period(k, ssp, "srcu grace period")


@table.service("int init_srcu_struct(struct srcu_struct *ssp)", needs_call=True)
def init_srcu_struct(k, ssp: int, call=None) -> int:
    """Initialise a dynamically allocated srcu_struct; -ENOMEM without per-CPU memory."""
    kernel_struct(k, ssp, "struct srcu_struct", "the srcu_struct to initialise")
    return init_srcu(k, ssp, call)


@table.service("void cleanup_srcu_struct(struct srcu_struct *ssp)", needs_call=True)
def cleanup_srcu_struct(k, ssp: int, call=None) -> None:
    """Free the per-CPU data; refused with a WARN while readers or callbacks remain."""
    active = readers(k, ssp)
    if active or _pending(k, ssp):
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr(f"{k.machine.symbolize(ssp)}: Active srcu_struct {ssp:#x} read state: {active} "
                   f"pending callbacks: {len(_pending(k, ssp))}", 4)
        k.linux.add_taint("W")
        return
    at = ssp + _off(k, "struct srcu_struct", "sda")
    sda = k.machine.mem.read_ptr(at)
    k.heap.free(percpu_address(k, sda), caller=call.return_address if call else None)
    k.machine.mem.write_ptr(at, 0)


@table.service("int __srcu_read_lock(struct srcu_struct *ssp)")
def __srcu_read_lock(k, ssp: int) -> int:
    """Enter a read-side section; the index srcu_read_unlock must be given."""
    kernel_struct(k, ssp, "struct srcu_struct", "the srcu_struct")
    idx = k.machine.mem.read_u32(ssp + _off(k, "struct srcu_struct", "srcu_idx")) & 1
    _bump(k, _counter(k, ssp, "srcu_lock_count", idx))
    return idx


@table.service("void __srcu_read_unlock(struct srcu_struct *ssp, int idx)")
def __srcu_read_unlock(k, ssp: int, idx: int) -> None:
    """Leave the read-side section entered with `idx`."""
    _bump(k, _counter(k, ssp, "srcu_unlock_count", idx))


@table.service("void synchronize_srcu(struct srcu_struct *ssp)")
def synchronize_srcu(k, ssp: int) -> None:
    """Wait for the readers already inside to leave."""
    grace_period(k, ssp, "synchronize_srcu")


@table.service("void synchronize_srcu_expedited(struct srcu_struct *ssp)")
def synchronize_srcu_expedited(k, ssp: int) -> None:
    """As synchronize_srcu (the same on one CPU)."""
    grace_period(k, ssp, "synchronize_srcu_expedited")


@table.service("void call_srcu(struct srcu_struct *ssp, struct callback_head *rhp, "
               "void (*func)(struct callback_head *))")
def call_srcu(k, ssp: int, rhp: int, func: int) -> None:
    """Queue func(rhp) for after the next grace period of `ssp`."""
    _sda(k, ssp)                                  # an uninitialised ssp is the caller's bug now
    if not func:
        raise KernelPanic(f"call_srcu({rhp:#x}) with a NULL callback")
    rcu(k).queue(Callback(rhp, func, ssp=ssp))


@table.service("void srcu_barrier(struct srcu_struct *ssp)")
def srcu_barrier(k, ssp: int) -> None:
    """Wait until every call_srcu callback of `ssp` has run."""
    grace_period(k, ssp, "srcu_barrier")


@table.service("void srcu_init_notifier_head(struct srcu_notifier_head *nh)", needs_call=True)
def srcu_init_notifier_head(k, nh: int, call=None) -> None:
    """An empty SRCU notifier chain with its own srcu_struct (BUG if that cannot be made)."""
    head = HEADS["srcu"]
    if init_srcu(k, nh + _off(k, head, "srcu"), call):
        raise KernelPanic("BUG: srcu_init_notifier_head: init_srcu_struct failed")
    k.machine.mem.write_ptr(nh + _off(k, head, "head"), 0)
