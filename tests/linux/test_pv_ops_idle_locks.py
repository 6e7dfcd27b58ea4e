"""The rest of pv_ops as a bare-metal 6.1 kernel fills it: io_delay, load_sp0, halt/safe_halt
and the qspinlock ops (kemu/os/linux/pv_ops_native.py, services/paravirt.py), both arches."""
from __future__ import annotations

import pytest

import kemu
from kemu.kernel import KernelPanic
from kemu.os.linux.pv_ops_native import STRUCT

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def slot(system, name: str) -> int:
    return system.machine.mem.read_ptr(system.data["pv_ops"] + system.layout.offset(STRUCT, name))


def new_lock(system, word: int) -> int:
    lock = system.machine.alloc("kdata", 16, 16)
    system.machine.mem.write_u32(lock, word)
    return lock


def test_every_slot_the_measured_template_has_is_backed(linux):
    present = [f for f in ("cpu.io_delay", "cpu.load_sp0", "cpu.wbinvd", "irq.halt", "irq.safe_halt",
                           "lock.queued_spin_lock_slowpath", "lock.queued_spin_unlock", "lock.wait",
                           "lock.kick", "lock.vcpu_is_preempted") if linux.layout.has(STRUCT, f)]
    assert "lock.queued_spin_unlock" in present and "cpu.io_delay" in present
    for name in present:
        assert slot(linux, name) != 0, name


def test_queued_spin_unlock_clears_the_locked_byte_only(linux):
    lock = new_lock(linux, 0x0001_0101)               # tail, pending, locked
    linux.machine.call(slot(linux, "lock.queued_spin_unlock"), lock)
    assert linux.machine.mem.read_u32(lock) == 0x0001_0100


def test_the_slow_path_takes_a_lock_that_has_become_free(linux):
    lock = new_lock(linux, 0)
    linux.machine.call(slot(linux, "lock.queued_spin_lock_slowpath"), lock, 0x100)
    assert linux.machine.mem.read_u32(lock) == 1


def test_spinning_on_a_lock_held_on_the_only_cpu_is_a_reported_soft_lockup(linux):
    lock = new_lock(linux, 1)
    with pytest.raises(KernelPanic, match="held on the only CPU: nothing can release it"):
        linux.machine.call(slot(linux, "lock.queued_spin_lock_slowpath"), lock, 1)
    assert "watchdog: BUG: soft lockup - CPU#0 stuck for 22s!" in linux.dmesg()
    linux.insmod(str(ko(linux.arch, "hello")))        # the kernel goes on
    assert [m.name for m in linux.modules()] == ["hello"]


def test_a_vcpu_on_bare_metal_is_never_preempted_and_wait_kick_do_nothing(linux):
    assert linux.machine.call(slot(linux, "lock.vcpu_is_preempted"), 0) == 0
    lock = new_lock(linux, 1)
    linux.machine.call(slot(linux, "lock.wait"), lock, 1)
    linux.machine.call(slot(linux, "lock.kick"), 0)
    assert linux.machine.mem.read_u32(lock) == 1


@pytest.mark.parametrize("name", ["irq.safe_halt", "irq.halt"])
def test_halting_sleeps_until_the_next_timer_tick(name):
    linux = kemu.boot("linux", "x86_64")
    before = linux.kernel.clock.ticks
    linux.machine.call(slot(linux, name))
    assert linux.kernel.clock.ticks == before + 1


def test_io_delay_writes_the_post_port_and_returns(linux):
    linux.machine.call(slot(linux, "cpu.io_delay"))


def test_load_sp0_stores_the_stack_top_in_this_cpus_tss():
    linux = kemu.boot("linux", "x86_64")
    linux.machine.call(slot(linux, "cpu.load_sp0"), 0xFFFF_C900_0001_0000)
    tss = linux.kernel.symbols.get("cpu_tss_rw")
    assert linux.machine.mem.read_u64(linux.percpu.addr + tss.addr + 4) == 0xFFFF_C900_0001_0000
