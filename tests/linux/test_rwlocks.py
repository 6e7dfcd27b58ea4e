"""Reader-writer spinlocks (services/rwlocks.py) over 6.1's qrwlock word: readers add 1 << 9,
a writer owns the low byte; on the only CPU a lock that must wait never gets free, which is
the soft-lockup report. Both arches."""
from __future__ import annotations

import pytest

from kemu.kernel import KernelPanic
from kemu.os.linux.services.rwlocks import preempt_count_addr

from .conftest import ko
from .notifier_helpers import call, kdata

QR_BIAS = 1 << 9


def cnts(linux, lock: int) -> int:
    return linux.machine.mem.read_u32(lock)


def test_readers_share_the_lock_and_count_in_the_word(linux):
    lock = kdata(linux, 8)
    call(linux, "_raw_read_lock", lock)
    call(linux, "_raw_read_lock_bh", lock)
    assert cnts(linux, lock) == 2 * QR_BIAS
    call(linux, "_raw_read_unlock_bh", lock)
    call(linux, "_raw_read_unlock", lock)
    assert cnts(linux, lock) == 0


def test_a_writer_owns_the_low_byte_and_unlock_clears_it(linux):
    lock = kdata(linux, 8)
    flags = call(linux, "_raw_write_lock_irqsave", lock)
    assert cnts(linux, lock) == 0xFF
    call(linux, "_raw_write_unlock_irqrestore", lock, flags)
    assert cnts(linux, lock) == 0


def test_write_lock_taken_twice_on_the_one_cpu_is_a_soft_lockup(linux):
    lock = kdata(linux, 8)
    call(linux, "_raw_write_lock", lock)
    with pytest.raises(KernelPanic, match="write_lock spinning"):
        call(linux, "_raw_write_lock", lock)
    assert "watchdog: BUG: soft lockup - CPU#0 stuck for 22s!" in linux.dmesg()
    linux.insmod(str(ko(linux.arch, "hello")))            # the kernel goes on


def test_read_lock_behind_a_writer_is_a_soft_lockup(linux):
    lock = kdata(linux, 8)
    call(linux, "_raw_write_lock_irq", lock)
    with pytest.raises(KernelPanic, match="read_lock spinning behind a writer"):
        call(linux, "_raw_read_lock", lock)


def test_trylock_fails_instead_of_spinning(linux):
    lock = kdata(linux, 8)
    call(linux, "_raw_read_lock", lock)
    assert call(linux, "_raw_write_trylock", lock) == 0
    assert call(linux, "_raw_read_trylock", lock) == 1
    assert cnts(linux, lock) == 2 * QR_BIAS


def test_bh_variants_raise_and_restore_the_softirq_count(linux):
    lock = kdata(linux, 8)
    at = preempt_count_addr(linux.kernel)
    before = linux.machine.mem.read_u32(at)
    call(linux, "_raw_write_lock_bh", lock)
    assert linux.machine.mem.read_u32(at) == before + 0x200
    call(linux, "_raw_write_unlock_bh", lock)
    assert linux.machine.mem.read_u32(at) == before


def test_local_bh_enable_without_disable_warns(linux):
    call(linux, "__local_bh_enable_ip", 0, 0x200)
    assert "local_bh_enable() without local_bh_disable()" in linux.dmesg()
    assert "W" in linux.taints
