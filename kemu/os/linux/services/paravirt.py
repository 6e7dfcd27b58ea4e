"""The pv_ops entries a bare-metal 6.1 kernel backs with C rather than one instruction:
native_safe_halt/native_halt (irq.safe_halt, irq.halt) and native_queued_spin_lock_slowpath
(lock.queued_spin_lock_slowpath). pv_ops_native.py points the slots at these services.

Halting waits for the next interrupt. kemu's only interrupt source is the timer tick of the
virtual clock, so a halt lets one tick pass (timers due then fire, queued work runs) and
returns, as the CPU does when the tick wakes it. kemu's CPU state does not model the
kernel's interrupt flag between calls (every guest call starts from a clean state), so
`halt` and `safe_halt` behave alike.

The qspinlock slow path is entered when the fast path's cmpxchg found the lock word non-zero.
kemu has one CPU and one task: if the word has become free the lock is taken, as the slow
path's own retry does; if it is still held, the holder is the very task now spinning, which
on a real machine spins forever until the soft-lockup watchdog reports it. kemu reports the
same and abandons the call (KernelPanic), leaving the kernel usable.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("paravirt")

#: qspinlock word (include/asm-generic/qspinlock_types.h): locked byte, pending byte, tail
Q_LOCKED_VAL = 1
#: the soft-lockup watchdog's threshold (2 * watchdog_thresh, 10 s by default)
SOFTLOCKUP_SECONDS = 22


@table.service("void __kemu_native_safe_halt(void)")
def __kemu_native_safe_halt(k) -> None:
    """sti; hlt: sleep until the next interrupt, the next tick of the virtual clock."""
    k.linux.timekeeping.advance(1)


@table.service("void __kemu_native_halt(void)")
def __kemu_native_halt(k) -> None:
    """hlt: as safe_halt (kemu does not carry the kernel's interrupt flag between calls)."""
    k.linux.timekeeping.advance(1)


@table.service("void __kemu_native_queued_spin_lock_slowpath(struct qspinlock *lock, u32 val)")
def __kemu_native_queued_spin_lock_slowpath(k, lock: int, val: int) -> None:
    """Take `lock` if it is free now; a lock still held on the only CPU can never be released."""
    k.check_length(lock, 4, "write")
    mem = k.machine.mem
    if mem.read_u32(lock) == 0:
        mem.write_u32(lock, Q_LOCKED_VAL)
        return
    from ..bugs import current_pid_comm
    pid, comm = current_pid_comm(k.linux)
    k.linux.pr(f"watchdog: BUG: soft lockup - CPU#0 stuck for {SOFTLOCKUP_SECONDS}s! [{comm}:{pid}]", 0)
    raise KernelPanic(f"spinning on spinlock {k.machine.symbolize(lock)} (word {mem.read_u32(lock):#x}) "
                      "held on the only CPU: nothing can release it")
