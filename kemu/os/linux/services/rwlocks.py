"""Reader-writer spinlocks (kernel/locking/spinlock.c over the queued rwlock of
kernel/locking/qrwlock.c, Linux 6.1) and the bottom-half enable that their _bh variants end
with (kernel/softirq.c).

rwlock_t is the qrwlock: a 32-bit `cnts` word (the low byte `wlocked` is 0xff while a writer
holds the lock, bit 8 says a writer waits, each reader adds 1 << 9) and the arch spinlock
writers queue on. The services work on that word in guest memory, as the kernel does:

* read_lock adds a reader; a writer holding the lock makes the reader spin;
* write_lock takes the word from 0 to 0xff; readers or a writer present make it spin;
* read_unlock takes a reader away, write_unlock clears the `wlocked` byte.

kemu runs one CPU and one task and nothing else runs while a guest call spins, so a spin is
the holder waiting on itself: the real machine spins until the soft-lockup watchdog fires.
kemu prints the watchdog's report and abandons the call (KernelPanic), as the spinlock slow
path does (services/paravirt.py).

_bh variants disable bottom halves: `preempt_count` (the per-CPU `__preempt_count`) goes up by
SOFTIRQ_DISABLE_OFFSET, and `__local_bh_enable_ip` (also reached inline from every
local_bh_enable() in a module) takes it back down. _irq/_irqsave variants save and disable
interrupts: kemu's CPU state does not carry the interrupt flag between guest calls, so the
saved flags are X86_EFLAGS_IF, as on a CPU running with interrupts on.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

from .kernel_pointer import kernel_struct
from .paravirt import SOFTLOCKUP_SECONDS

table = ServiceTable("rwlocks")

QW_LOCKED = 0x0FF        # a writer holds the lock
QW_WAITING = 0x100       # a writer is waiting
QW_WMASK = 0x1FF
QR_BIAS = 1 << 9         # one reader
SOFTIRQ_DISABLE_OFFSET = 2 * (1 << 8)   # SOFTIRQ_OFFSET * 2 (include/linux/preempt.h)
SOFTIRQ_MASK = 0xFF00
X86_EFLAGS_IF = 0x200


def _cnts(k, lock: int) -> int:
    kernel_struct(k, lock, "rwlock_t", "the rwlock_t")
    return k.machine.mem.read_u32(lock)


def _lockup(k, lock: int, what: str) -> None:
    from ..bugs import current_pid_comm
    pid, comm = current_pid_comm(k.linux)
    k.linux.pr(f"watchdog: BUG: soft lockup - CPU#0 stuck for {SOFTLOCKUP_SECONDS}s! [{comm}:{pid}]", 0)
    raise KernelPanic(f"{what} on rwlock {k.machine.symbolize(lock)} (cnts {_cnts(k, lock):#x}) "
                      "held on the only CPU: nothing can release it")


def read_lock(k, lock: int) -> None:
    """queued_read_lock: add a reader; a writer in the word can never leave on one CPU."""
    cnts = _cnts(k, lock)
    if cnts & QW_WMASK:
        _lockup(k, lock, "read_lock spinning behind a writer")
    k.machine.mem.write_u32(lock, (cnts + QR_BIAS) & 0xFFFFFFFF)


def read_unlock(k, lock: int) -> None:
    """queued_read_unlock: one reader fewer."""
    k.machine.mem.write_u32(lock, (_cnts(k, lock) - QR_BIAS) & 0xFFFFFFFF)


def write_lock(k, lock: int) -> None:
    """queued_write_lock: 0 -> _QW_LOCKED; anyone in the word can never leave on one CPU."""
    if _cnts(k, lock):
        _lockup(k, lock, "write_lock spinning")
    k.machine.mem.write_u32(lock, QW_LOCKED)


def write_unlock(k, lock: int) -> None:
    """queued_write_unlock: clear the wlocked byte."""
    k.machine.mem.write_u8(lock, 0)


def read_trylock(k, lock: int) -> int:
    """queued_read_trylock: 1 and a reader added unless a writer is in the word."""
    cnts = _cnts(k, lock)
    if cnts & QW_WMASK:
        return 0
    k.machine.mem.write_u32(lock, (cnts + QR_BIAS) & 0xFFFFFFFF)
    return 1


def write_trylock(k, lock: int) -> int:
    """queued_write_trylock: 1 and the lock taken if the word was 0."""
    if _cnts(k, lock):
        return 0
    k.machine.mem.write_u32(lock, QW_LOCKED)
    return 1


def preempt_count_addr(k) -> int:
    """Where CPU 0's `__preempt_count` lives."""
    sym = k.symbols.get("__preempt_count")
    return sym.addr + (k.linux.percpu.addr if k.linux.arch == "x86_64" else 0)


def bh_disable(k, cnt: int = SOFTIRQ_DISABLE_OFFSET) -> None:
    """__local_bh_disable_ip: preempt_count += cnt."""
    at = preempt_count_addr(k)
    k.machine.mem.write_u32(at, (k.machine.mem.read_u32(at) + cnt) & 0xFFFFFFFF)


def bh_enable(k, cnt: int = SOFTIRQ_DISABLE_OFFSET) -> None:
    """__local_bh_enable_ip: preempt_count -= cnt. Softirqs raised meanwhile run when kemu's
    virtual clock next ticks (tasklets.py). Enabling more than was disabled underflows the
    softirq count: lockdep's WARN in the kernel; kemu reports it the same way."""
    mem, at = k.machine.mem, preempt_count_addr(k)
    count = mem.read_u32(at)
    on_x86_64 = k.linux.arch == "x86_64"
    # x86-64 keeps PREEMPT_NEED_RESCHED inverted in bit 31 of the same word
    value = count & 0x7FFFFFFF if on_x86_64 else count
    if (value & SOFTIRQ_MASK) < cnt:
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr(f"WARNING: local_bh_enable() without local_bh_disable() (preempt_count {value:#x})", 4)
        k.linux.add_taint("W")
        return
    mem.write_u32(at, (count - cnt) & 0xFFFFFFFF)


@table.service("void __local_bh_enable_ip(unsigned long ip, unsigned int cnt)")
def __local_bh_enable_ip(k, ip: int, cnt: int) -> None:
    """local_bh_enable(): give back the softirq-disable count local_bh_disable() added inline."""
    bh_enable(k, cnt)


@table.service("void _raw_read_lock(struct qrwlock *lock)")
def _raw_read_lock(k, lock: int) -> None:
    """Take the lock for reading."""
    read_lock(k, lock)


@table.service("void _raw_read_unlock(struct qrwlock *lock)")
def _raw_read_unlock(k, lock: int) -> None:
    """Drop a read hold."""
    read_unlock(k, lock)


@table.service("int _raw_read_trylock(struct qrwlock *lock)")
def _raw_read_trylock(k, lock: int) -> int:
    """Read-lock unless a writer is in."""
    return read_trylock(k, lock)


@table.service("void _raw_write_lock(struct qrwlock *lock)")
def _raw_write_lock(k, lock: int) -> None:
    """Take the lock for writing."""
    write_lock(k, lock)


@table.service("void _raw_write_lock_nested(struct qrwlock *lock, int subclass)")
def _raw_write_lock_nested(k, lock: int, subclass: int) -> None:
    """write_lock with a lockdep subclass (the same lock)."""
    write_lock(k, lock)


@table.service("void _raw_write_unlock(struct qrwlock *lock)")
def _raw_write_unlock(k, lock: int) -> None:
    """Drop the write hold."""
    write_unlock(k, lock)


@table.service("int _raw_write_trylock(struct qrwlock *lock)")
def _raw_write_trylock(k, lock: int) -> int:
    """Write-lock if nobody is in."""
    return write_trylock(k, lock)


@table.service("void _raw_read_lock_irq(struct qrwlock *lock)")
def _raw_read_lock_irq(k, lock: int) -> None:
    """Disable interrupts, read-lock."""
    read_lock(k, lock)


@table.service("void _raw_read_unlock_irq(struct qrwlock *lock)")
def _raw_read_unlock_irq(k, lock: int) -> None:
    """Read-unlock, enable interrupts."""
    read_unlock(k, lock)


@table.service("void _raw_write_lock_irq(struct qrwlock *lock)")
def _raw_write_lock_irq(k, lock: int) -> None:
    """Disable interrupts, write-lock."""
    write_lock(k, lock)


@table.service("void _raw_write_unlock_irq(struct qrwlock *lock)")
def _raw_write_unlock_irq(k, lock: int) -> None:
    """Write-unlock, enable interrupts."""
    write_unlock(k, lock)


@table.service("unsigned long _raw_read_lock_irqsave(struct qrwlock *lock)")
def _raw_read_lock_irqsave(k, lock: int) -> int:
    """Save and disable interrupts, read-lock; the saved flags."""
    read_lock(k, lock)
    return X86_EFLAGS_IF


@table.service("void _raw_read_unlock_irqrestore(struct qrwlock *lock, unsigned long flags)")
def _raw_read_unlock_irqrestore(k, lock: int, flags: int) -> None:
    """Read-unlock, restore the flags."""
    read_unlock(k, lock)


@table.service("unsigned long _raw_write_lock_irqsave(struct qrwlock *lock)")
def _raw_write_lock_irqsave(k, lock: int) -> int:
    """Save and disable interrupts, write-lock; the saved flags."""
    write_lock(k, lock)
    return X86_EFLAGS_IF


@table.service("void _raw_write_unlock_irqrestore(struct qrwlock *lock, unsigned long flags)")
def _raw_write_unlock_irqrestore(k, lock: int, flags: int) -> None:
    """Write-unlock, restore the flags."""
    write_unlock(k, lock)


@table.service("void _raw_read_lock_bh(struct qrwlock *lock)")
def _raw_read_lock_bh(k, lock: int) -> None:
    """Disable bottom halves, read-lock."""
    read_lock(k, lock)                        # a spin here leaves the count as it was
    bh_disable(k)


@table.service("void _raw_read_unlock_bh(struct qrwlock *lock)")
def _raw_read_unlock_bh(k, lock: int) -> None:
    """Read-unlock, enable bottom halves."""
    read_unlock(k, lock)
    bh_enable(k)


@table.service("void _raw_write_lock_bh(struct qrwlock *lock)")
def _raw_write_lock_bh(k, lock: int) -> None:
    """Disable bottom halves, write-lock."""
    write_lock(k, lock)                        # a spin here leaves the count as it was
    bh_disable(k)


@table.service("void _raw_write_unlock_bh(struct qrwlock *lock)")
def _raw_write_unlock_bh(k, lock: int) -> None:
    """Write-unlock, enable bottom halves."""
    write_unlock(k, lock)
    bh_enable(k)
