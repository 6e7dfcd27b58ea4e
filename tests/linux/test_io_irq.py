"""Device memory and interrupt lines (services/io_mapping.py, irq_table.py): ioremap of a
range nothing backs reads all-ones and drops writes, iounmap gives the mapping back (an
unmapped one is a visible leak); the IO-APIC's lines refuse an unshared second user, share
between IRQF_SHARED users and are listed in /proc/interrupts."""
from __future__ import annotations

import pytest

from kemu.os.linux.services.irq_table import IRQF_SHARED

from .conftest import ARCHES
from .platform_helpers import boot, call, cstr, kbuf, read_file, routine, s32


@pytest.fixture(params=ARCHES)
def linux(request):
    return boot(request.param)


def ioremap(linux, phys: int, size: int) -> int:
    args = (phys, 0, size) if linux.arch == "i386" else (phys, size)      # resource_size_t is u64
    return call(linux, "ioremap", *args)


def test_an_empty_bus_reads_all_ones_and_drops_writes(linux):
    io = ioremap(linux, 0xFED40010, 0x20)
    assert io & 0xFFF == 0x010
    assert linux.machine.mem.read(io, 4) == b"\xff" * 4
    store = routine(linux, "mov dword ptr [rdi], 0x12345678; mov eax, 7; ret",
                    "mov dword ptr [eax], 0x12345678; mov eax, 7; ret")
    assert linux.machine.call(store, io) == 7                     # the write went nowhere, the code went on
    assert linux.machine.mem.read(io, 4) == b"\xff" * 4
    assert call(linux, "check_signature", io, kbuf(linux, b"\xff\xff"), 2) == 1
    assert call(linux, "check_signature", io, linux.kernel.heap.alloc(2, "t", zero=True), 2) == 0


def test_iounmap_gives_the_mapping_back_and_warns_for_a_stranger(linux):
    live = linux.kernel.heap.stats.live_blocks
    io = ioremap(linux, 0xFED00000, 0x400)
    assert linux.kernel.heap.stats.live_blocks == live + 1          # its vm_struct
    call(linux, "iounmap", io)
    assert linux.kernel.heap.stats.live_blocks == live
    assert not linux.machine.mem.is_mapped(io)
    call(linux, "iounmap", io)
    assert "Trying to iounmap() nonexistent vm area" in linux.dmesg()
    assert ioremap(linux, 0x1000, 0) == 0


def test_boot_lines_are_listed_in_proc_interrupts(linux):
    text = read_file(linux, "/proc/interrupts")
    assert text.splitlines()[0].strip() == "CPU0"
    assert "  0:          0   IO-APIC   2-edge      timer" in text
    assert "  9:          0   IO-APIC   9-fasteoi   acpi" in text


def test_an_unshared_line_is_busy_and_a_shared_one_is_shared(linux):
    handler = routine(linux, "xor eax, eax; ret", "xor eax, eax; ret")
    dev = linux.kernel.heap.alloc(8, "test", zero=True)
    assert s32(call(linux, "request_threaded_irq", 8, handler, 0, 0, cstr(linux, "myrtc"), dev)) == -linux.errno.EBUSY
    assert "genirq: Flags mismatch irq 8. 00000000 (myrtc) vs. 00000000 (rtc0)" in linux.dmesg()
    name = cstr(linux, "mysci")
    assert call(linux, "request_threaded_irq", 9, handler, 0, IRQF_SHARED, name, dev) == 0
    assert "acpi, mysci" in read_file(linux, "/proc/interrupts")
    assert call(linux, "free_irq", 9, dev) == name
    assert call(linux, "free_irq", 9, dev) == 0
    assert "Trying to free already-free IRQ 9" in linux.dmesg()


def test_requests_the_kernel_refuses(linux):
    handler = routine(linux, "xor eax, eax; ret", "xor eax, eax; ret")
    name = cstr(linux, "x")
    assert s32(call(linux, "request_threaded_irq", 10, 0, 0, 0, name, 0)) == -linux.errno.EINVAL
    assert s32(call(linux, "request_threaded_irq", 10, handler, 0, IRQF_SHARED, name, 0)) == -linux.errno.EINVAL
    assert s32(call(linux, "request_threaded_irq", 200, handler, 0, 0, name, 0)) == -linux.errno.EINVAL
    assert call(linux, "request_threaded_irq", 10, handler, 0, 0, name, 0) == 0
    assert " 10:          0   IO-APIC  10-edge      x" in read_file(linux, "/proc/interrupts")
