"""The interrupt-disabling spinlock variants (kernel/locking/spinlock.c). One CPU and no
interrupts between guest calls: taking the lock marks it held, as the plain variants do."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("spinlocks")


@table.service("void _raw_spin_lock_irq(struct raw_spinlock *lock)")
def _raw_spin_lock_irq(k, lock: int) -> None:
    """Disable interrupts on this CPU and take the lock."""
    k.machine.mem.write_u32(lock, 1)


@table.service("void _raw_spin_unlock_irq(struct raw_spinlock *lock)")
def _raw_spin_unlock_irq(k, lock: int) -> None:
    """Release the lock and enable interrupts."""
    k.machine.mem.write_u32(lock, 0)


@table.service("void _raw_spin_lock_bh(struct raw_spinlock *lock)")
def _raw_spin_lock_bh(k, lock: int) -> None:
    """Disable bottom halves and take the lock."""
    k.machine.mem.write_u32(lock, 1)


@table.service("void _raw_spin_unlock_bh(struct raw_spinlock *lock)")
def _raw_spin_unlock_bh(k, lock: int) -> None:
    """Release the lock and enable bottom halves."""
    k.machine.mem.write_u32(lock, 0)
