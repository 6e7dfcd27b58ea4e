"""The services real modules' CPU code needs, called directly (no corpus needed): completions,
MSR accessors on CPU 0 and an offline CPU, strim, ___ratelimit, and system.call's errors."""
from __future__ import annotations

import pytest

import kemu
from kemu.kernel import GuestCrash
from kemu.os.linux.calls import NoSuchFunction

from .conftest import ARCHES

MSR_EFER, UNIMPLEMENTED_MSR = 0xC0000080, 0x12345


def _signed(system, value: int) -> int:
    bits = 8 * system.machine.word_size
    return value - (1 << bits) if value >> (bits - 1) else value


@pytest.fixture(params=ARCHES)
def system(request):
    return kemu.boot("linux", request.param)


def test_one_cpu_is_online_with_cpuinfo_from_cpuid(system):
    mem, data = system.machine.mem, system.data
    assert mem.read_u32(data["nr_cpu_ids"]) == 1 and mem.read_u8(data["__cpu_online_mask"]) == 1
    lay = system.layout
    info = data["boot_cpu_data"]
    assert mem.read_u32(info + lay.offset("struct cpuinfo_x86", "cpuid_level")) == system.cpu.cpuid(0)[0]
    caps = info + lay.offset("struct cpuinfo_x86", "x86_capability")
    assert mem.read_u32(caps) == system.cpu.cpuid(1)[3]                # word 0: CPUID.1:EDX
    assert mem.read(system.cpu.percpu_address("cpu_info"), lay.size("struct cpuinfo_x86")) == \
        mem.read(info, lay.size("struct cpuinfo_x86"))


def test_a_completion_is_taken_once_per_complete_and_an_endless_wait_is_reported(system):
    heap = system.kernel.heap
    x = heap.alloc(system.layout.size("struct completion"), "test", zero=True)
    system.call("complete", x)
    system.call("wait_for_completion", x)                       # returns: one was there
    with pytest.raises(GuestCrash, match="EFAULT"):
        system.call("wait_for_completion", x)                   # none left: would sleep forever
    assert "sleeps uninterruptibly without timeout on completion" in system.dmesg()
    system.call("complete_all", x)
    for _ in range(3):
        system.call("wait_for_completion", x)                   # complete_all: every wait returns
    heap.free(x)


def test_msr_accessors_read_the_cpu_and_fail_as_the_kernel_does(system):
    heap, mem = system.kernel.heap, system.machine.mem
    lo, hi = heap.alloc(4, "test"), heap.alloc(4, "test")
    assert system.call("rdmsr_safe_on_cpu", 0, MSR_EFER, lo, hi) == 0
    assert mem.read_u32(lo) | mem.read_u32(hi) << 32 == system.cpu.rdmsr(MSR_EFER)
    mem.write_u32(lo, 0xAAAA)
    assert _signed(system, system.call("rdmsr_safe_on_cpu", 0, UNIMPLEMENTED_MSR, lo, hi)) == -system.errno.EIO
    assert mem.read_u32(lo) == 0                                # the fixup's zero
    assert _signed(system, system.call("rdmsr_safe_on_cpu", 1, MSR_EFER, lo, hi)) == -system.errno.ENXIO
    assert _signed(system, system.call("wrmsr_safe_on_cpu", 0, UNIMPLEMENTED_MSR, 0, 0)) == -system.errno.EIO


def test_strim_cuts_white_space_in_place(system):
    heap, mem = system.kernel.heap, system.machine.mem
    s = heap.alloc(32, "test")
    mem.write(s, b" \t hello world \n\xa0\0")
    start = system.call("strim", s)
    assert start == s + 3 and system.kernel.read_str(start) == b"hello world"


def test_ratelimit_allows_burst_per_interval_and_reports_what_it_suppressed(system):
    lay, heap, mem = system.layout, system.kernel.heap, system.machine.mem
    rs = heap.alloc(lay.size("struct ratelimit_state"), "test", zero=True)
    mem.write_u32(rs + lay.offset("struct ratelimit_state", "interval"), 250)     # one second
    mem.write_u32(rs + lay.offset("struct ratelimit_state", "burst"), 2)
    func = heap.alloc(8, "test")
    mem.write(func, b"probe\0")
    assert [system.call("___ratelimit", rs, func) for _ in range(4)] == [1, 1, 0, 0]
    system.advance(1.1)
    assert system.call("___ratelimit", rs, func) == 1
    assert "probe: 2 callbacks suppressed" in system.dmesg()


def test_calling_an_unknown_function_or_with_a_bad_argument_is_a_clear_error(system):
    with pytest.raises(NoSuchFunction, match="no kernel function 'no_such_fn'"):
        system.call("no_such_fn")
    with pytest.raises(TypeError, match="neither an int nor bytes"):
        system.call("strim", "text")
    assert system.call("strim", b"  ok\0") != 0                  # still usable
