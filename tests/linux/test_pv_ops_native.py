"""pv_ops slots hold the native routines a bare-metal 6.1 kernel leaves there, run on the CPU."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.pv_ops_native import STRUCT

from .conftest import ARCHES



def slot(system, name: str) -> int:
    return system.machine.mem.read_ptr(system.data["pv_ops"] + system.layout.offset(STRUCT, name))


@pytest.mark.parametrize("arch", ARCHES)
def test_every_measured_tlb_slot_is_filled(arch):
    system = kemu.boot("linux", arch)
    for name in ("mmu.flush_tlb_user", "mmu.flush_tlb_kernel", "mmu.flush_tlb_one_user"):
        assert slot(system, name) == system.pv_ops_native[name]
        system.machine.call(slot(system, name), system.data["pv_ops"])    # runs without a fault


def test_irq_slots_save_disable_enable_the_cpus_interrupt_flag():
    system = kemu.boot("linux", "x86_64")
    call = system.machine.call
    for name in ("irq.irq_disable", "irq.irq_enable"):
        assert slot(system, name) == system.pv_ops_native[name]
        call(slot(system, name))                                            # cli/sti at CPL 0: no #GP
    flags = call(slot(system, "irq.save_fl"))
    assert flags & 0x2                                                      # EFLAGS bit 1 always reads 1


def test_read_cr0_reports_the_cpus_protected_mode_bit():
    system = kemu.boot("linux", "x86_64")
    cr0 = system.machine.call(slot(system, "cpu.read_cr0"))
    assert cr0 & 1                                                          # X86_CR0_PE


def test_i386_has_no_paravirt_xxl_slots():
    system = kemu.boot("linux", "i386")
    assert not system.layout.has(STRUCT, "irq.save_fl")
    assert "irq.save_fl" not in system.pv_ops_native
