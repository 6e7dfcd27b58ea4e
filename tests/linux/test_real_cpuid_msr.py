"""Debian's arch/x86/kernel/cpuid.ko and msr.ko on kemu's one CPU: they register their char
devices (__register_chrdev, majors 203 and 202), a class whose devnode() names the nodes
/dev/cpu/0/{cpuid,msr}, and a dynamic CPU-hotplug state whose startup creates the device
for CPU 0. Reading a node runs the driver's own cross-CPU call; the answers must be what the
emulated CPU's CPUID and RDMSR give (asked of the CPU directly here, never typed in)."""
from __future__ import annotations

import struct

import pytest

from kemu.kernel import SyscallError

from .conftest import ARCHES
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

X86_IOC_RDMSR_REGS = 0xC02063A0        # _IOWR('c', 0xA0, __u32[8])
MSR_EFER, MSR_IA32_APICBASE, MSR_IA32_SYSENTER_ESP, MSR_IA32_PERF_STATUS = 0xC0000080, 0x1B, 0x175, 0x198
UNIMPLEMENTED_MSR = 0x12345


def pread(system, fd: int, n: int, offset: int) -> bytes:
    system.lseek(fd, offset, 0)
    return system.read(fd, n)


@pytest.mark.parametrize("arch", ARCHES)
def test_cpuid_nodes_appear_through_the_class_devnode_and_go_on_unload(arch):
    system = boot_with(arch, "cpuid", "msr")
    cpuid, msr = system.devfs.lookup("/dev/cpu/0/cpuid"), system.devfs.lookup("/dev/cpu/0/msr")
    assert (cpuid.major, cpuid.minor, msr.major, msr.minor) == (203, 0, 202, 0)
    devices = system.chrdevs.proc_devices()
    assert "203 cpu/cpuid\n" in devices and "202 cpu/msr\n" in devices
    system.rmmod("msr")
    system.rmmod("cpuid")
    assert system.devfs.lookup("/dev/cpu/0/cpuid") is None and system.devfs.lookup("/dev/cpu/0/msr") is None
    assert "cpu/cpuid" not in system.chrdevs.proc_devices()
    assert system.cpuhp_states == {}                           # the hotplug state went with it
    assert system.leaks() == []


@pytest.mark.parametrize("arch", ARCHES)
def test_reading_cpuid_at_leaf_and_subleaf_gives_the_cpus_cpuid(arch):
    system = boot_with(arch, "cpuid")
    fd = system.open("/dev/cpu/0/cpuid")
    max_leaf = system.cpu.cpuid(0)[0]
    max_ext = system.cpu.cpuid(0x80000000)[0]
    queries = [(leaf, 0) for leaf in range(max_leaf + 1)] + [(4, 1), (4, 2), (0xD, 1)] \
        + [(leaf, 0) for leaf in range(0x80000000, max_ext + 1)]
    for leaf, subleaf in queries:
        got = struct.unpack("<4I", pread(system, fd, 16, leaf | subleaf << 32))
        assert got == system.cpu.cpuid(leaf, subleaf), (hex(leaf), subleaf)
    vendor = pread(system, fd, 16, 0)[4:16]
    assert vendor[0:4] + vendor[8:12] + vendor[4:8] == b"GenuineIntel"
    system.lseek(fd, 0, 0)
    several = system.read(fd, 48)                 # consecutive leaves, the position advancing
    assert several == b"".join(struct.pack("<4I", *system.cpu.cpuid(leaf)) for leaf in (0, 1, 2))
    with pytest.raises(SyscallError) as bad:
        system.read(fd, 10)                       # not a multiple of 16
    assert bad.value.name == "EINVAL"
    system.close(fd)


@pytest.mark.parametrize("arch", ARCHES)
def test_reading_msr_gives_the_cpus_rdmsr_and_eio_where_rdmsr_faults(arch):
    system = boot_with(arch, "msr")
    fd = system.open("/dev/cpu/0/msr", "rw")
    for number in (MSR_EFER, MSR_IA32_APICBASE, MSR_IA32_PERF_STATUS):
        (value,) = struct.unpack("<Q", pread(system, fd, 8, number))
        assert value == system.cpu.rdmsr(number), hex(number)
    assert system.cpu.rdmsr(MSR_IA32_PERF_STATUS) != 0          # a value that shows it was read
    if arch == "x86_64":
        assert system.cpu.rdmsr(MSR_EFER) & 0x500 == 0x500      # long mode enabled and active
    with pytest.raises(SyscallError) as bad:
        pread(system, fd, 8, UNIMPLEMENTED_MSR)
    assert bad.value.name == "EIO"
    system.close(fd)


@pytest.mark.parametrize("arch", ARCHES)
def test_msr_register_ioctl_and_writes_reach_the_cpu_with_the_drivers_checks(arch):
    system = boot_with(arch, "msr")
    fd = system.open("/dev/cpu/0/msr", "rw")
    regs = struct.pack("<8I", 0, MSR_IA32_PERF_STATUS, 0, 0, 0, 0, 0x1234, 0)
    out = system.ioctl(fd, X86_IOC_RDMSR_REGS, regs)
    eax, ecx, edx, *_rest, esi, _edi = struct.unpack("<8I", out.data)
    assert (edx << 32 | eax, ecx, esi) == (system.cpu.rdmsr(MSR_IA32_PERF_STATUS), MSR_IA32_PERF_STATUS, 0x1234)
    with pytest.raises(SyscallError) as bad:
        system.ioctl(fd, X86_IOC_RDMSR_REGS, struct.pack("<8I", 0, UNIMPLEMENTED_MSR, 0, 0, 0, 0, 0, 0))
    assert bad.value.name == "EIO"
    system.lseek(fd, MSR_IA32_SYSENTER_ESP, 0)
    assert system.write(fd, struct.pack("<Q", 0x1000)) == 8
    assert "Write to unrecognized MSR 0x175" in system.dmesg()
    assert "S" in system.taints                          # TAINT_CPU_OUT_OF_SPEC, as msr_write sets
    for number in (UNIMPLEMENTED_MSR, MSR_IA32_PERF_STATUS):  # absent, and read-only
        system.lseek(fd, number, 0)
        with pytest.raises(SyscallError) as bad:
            system.write(fd, bytes(8))
        assert bad.value.name == "EIO"
    system.close(fd)
