"""RCU grace periods and the callbacks waiting for them (kernel/rcu/tree.c in Linux 6.1):
call_rcu, kvfree_call_rcu (kfree_rcu/kvfree_rcu), synchronize_rcu(_expedited), rcu_barrier
and synchronize_net (net/core/dev.c).

A grace period ends once every CPU has left the read-side sections it was in. kemu has one
CPU and no preemption between guest calls, so a grace period ends at the next tick of kemu's
virtual clock (the RCU softirq, a work item like the tasklet softirq), or at once when a task
waits for one with synchronize_rcu(); the callbacks queued before it then run, oldest first,
as rcu_do_batch runs them: `func(head)` for call_rcu, the freeing of the object for
kvfree_call_rcu. rcu_barrier() waits until every callback queued so far has run.

Waiting for a grace period from inside a read-side section (rcu_read_lock held) waits for
itself: the real kernel reports an RCU CPU stall and never returns. kemu prints the stall
report and abandons the call.

A module going away with a call_rcu callback of its own still queued is the bug every module
exit's rcu_barrier() is there to prevent: the kernel would later call into freed code. kemu
reports it and drops the callback. Objects queued with kfree_rcu are freed before the module
is gone (their grace period would have ended anyway), so they are no leak.
"""
from __future__ import annotations

from dataclasses import dataclass

from kemu.kernel import GuestCrash, HeapError, KernelPanic, ServiceTable

from ..softirq_work import softirq_work
from .rcu_read import rcu_read_depth

table = ServiceTable("rcu_callbacks")

GP_WORK = "__kemu_rcu_softirq"
#: kvfree_call_rcu's `func` is the rcu_head's offset in the object when below this (6.1's
#: __is_kvfree_rcu_offset: offsets under 4096), else the object itself (kvfree_rcu(ptr))
KVFREE_OFFSET_LIMIT = 4096


@dataclass
class Callback:
    head: int
    func: int          # 0 for an object to free
    obj: int = 0       # the object kvfree_call_rcu frees
    ssp: int = 0       # the srcu_struct of a call_srcu callback (srcu.py), 0 for RCU's own


class Rcu:
    """The callbacks waiting for the end of the current grace period."""

    def __init__(self, linux) -> None:
        self.linux = linux
        self.pending: list[Callback] = []
        self.completed = 0                 # grace periods ended so far
        self.queue_addr, self.work = softirq_work(linux, "rcu_preempt", GP_WORK)
        linux.kernel.loader.observers.append(self)

    def queue(self, cb: Callback) -> None:
        self.pending.append(cb)
        self.linux.timekeeping.queue(self.queue_addr, self.work, None)

    def grace_period(self, what: str = "synchronize_rcu") -> None:
        """End a grace period: a waiter inside a read-side section waits for itself."""
        if rcu_read_depth(self.linux.kernel):
            from ..bugs import current_pid_comm
            pid, comm = current_pid_comm(self.linux)
            self.linux.pr("rcu: INFO: rcu_preempt self-detected stall on CPU", 3)
            self.linux.pr(f"rcu: \t0-...!: (21003 ticks this GP) [{comm}:{pid}]", 3)
            raise KernelPanic(f"{what}() inside an RCU read-side critical section waits for itself")
        self.completed += 1
        self.run()

    def run(self) -> None:
        """rcu_do_batch: every RCU callback queued before the grace period ended."""
        batch = [cb for cb in self.pending if not cb.ssp]
        self.pending = [cb for cb in self.pending if cb.ssp]
        for cb in batch:
            self.invoke(cb)

    def invoke(self, cb: Callback) -> None:
        k = self.linux.kernel
        if not cb.func:
            try:
                k.heap.free(cb.obj)
            except HeapError as exc:
                self.linux.pr(f"kvfree_rcu: bad object {cb.obj:#x} queued at {cb.head:#x}: {exc}", 3)
            return
        try:
            self.linux.call_kernel_word(cb.func, cb.head, what="rcu callback")
        except GuestCrash:
            pass                            # reported as an oops; the batch goes on

    # loader observer
    def module_retiring(self, module) -> None:
        """Free the module's kfree_rcu objects; report and drop its own call_rcu callbacks."""
        keep = []
        for cb in self.pending:
            if cb.func and module.holds(cb.func):
                self.linux.pr(f"BUG: {module.name}: unloaded with RCU callback "
                              f"{self.linux.machine.symbolize(cb.func)} pending (no rcu_barrier() "
                              "in its exit): it would run in freed memory", 3)
                self.linux.add_taint("W")
                module.left_behind.append(f"pending call_rcu callback {cb.func:#x}")
            elif not cb.func and self._owned_by(cb.obj, module):
                self.invoke(cb)
            else:
                keep.append(cb)
        self.pending = keep

    def _owned_by(self, obj: int, module) -> bool:
        block = self.linux.kernel.heap.block_containing(obj)
        return block is not None and block.addr == obj and block.owner is module


def rcu(k) -> Rcu:
    linux = k.linux
    if "rcu" not in linux.__dict__:
        linux.__dict__["rcu"] = Rcu(linux)
    return linux.__dict__["rcu"]


@table.service("void call_rcu(struct callback_head *head, void (*func)(struct callback_head *))")
def call_rcu(k, head: int, func: int) -> None:
    """Queue func(head) for after the current grace period."""
    if not func:
        raise KernelPanic(f"call_rcu({head:#x}) with a NULL callback")
    rcu(k).queue(Callback(head, func))


@table.service("void kvfree_call_rcu(struct callback_head *head, void (*func)(struct callback_head *))")
def kvfree_call_rcu(k, head: int, func: int) -> None:
    """kfree_rcu(obj, field): free the object holding `head` (`func` is the field's offset)
    after a grace period; kvfree_rcu(obj) (head NULL) frees `func` itself."""
    obj = head - func if head and func < KVFREE_OFFSET_LIMIT else func
    if not obj:
        return
    rcu(k).queue(Callback(head, 0, obj))


@table.service("void synchronize_rcu(void)")
def synchronize_rcu(k) -> None:
    """Wait for a grace period to end (the callbacks queued before it run)."""
    rcu(k).grace_period("synchronize_rcu")


@table.service("void synchronize_rcu_expedited(void)")
def synchronize_rcu_expedited(k) -> None:
    """As synchronize_rcu, forcing the grace period along (the same on one CPU)."""
    rcu(k).grace_period("synchronize_rcu_expedited")


@table.service("void rcu_barrier(void)")
def rcu_barrier(k) -> None:
    """Wait until every callback queued so far has run."""
    rcu(k).grace_period("rcu_barrier")


@table.service("void synchronize_net(void)")
def synchronize_net(k) -> None:
    """Wait for the packet-processing readers: a (possibly expedited) RCU grace period."""
    rcu(k).grace_period("synchronize_net")


@table.service(f"void {GP_WORK}(struct work_struct *work)")
def __kemu_rcu_softirq(k, work: int) -> None:
    """The RCU softirq on the tick after callbacks were queued: the grace periods (RCU's, and
    SRCU's of structures no reader is inside) have ended."""
    state = rcu(k)
    state.completed += 1
    state.run()
    from .srcu import tick_grace_periods
    tick_grace_periods(k)
