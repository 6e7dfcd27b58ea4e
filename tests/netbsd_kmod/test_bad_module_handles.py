"""A module that hands the module(9) services a pointer that is no module_t (module_name(NULL),
as a damaged callback does) gets what NetBSD's dereference would give it: a panic, its modcmd
failing with EFAULT, and a kernel that carries on; a load callback that faults is reported and
the module it was told about stays loaded."""
from __future__ import annotations

import struct

import pytest

from kemu.kernel import SyscallError


def call_with_null(arch: str, target: int) -> bytes:
    """Machine code: target(NULL), then return 0."""
    if arch == "x86_64":
        return b"\x31\xff" + b"\x48\xb8" + struct.pack("<Q", target) + b"\xff\xd0\x31\xc0\xc3"
    return b"\x6a\x00\xb8" + struct.pack("<I", target) + b"\xff\xd0\x83\xc4\x04\x31\xc0\xc3"


def test_module_name_of_null_panics_and_the_kernel_carries_on(system, arch):
    system.modctl_load("chain_c")
    mod = system.modules.lookup("chain_c")
    stub = system.kernel.installed["module_name"][1]
    system.machine.mem.load_code(mod.modcmd, call_with_null(arch, stub))   # its FINI now calls it
    with pytest.raises(SyscallError) as info:
        system.modctl_unload("chain_c")
    assert info.value.name == "EFAULT"
    assert "panic: 0x0 is not a module_t" in system.dmesg()
    system.modctl_load("fibo")
    assert "fibo: FIBONACCI driver loaded successfully" in system.dmesg()


def test_a_load_callback_that_faults_leaves_the_new_module_loaded(system):
    system.modctl_load("callbacks")
    image = system.modules.lookup("callbacks").loaded.image
    system.machine.mem.load_code(image.symbols["callbacks_load"], b"\x0f\x0b")     # ud2
    system.modctl_load("fibo")                                            # no error: it loaded
    assert "fault in module callback callbacks_load" in system.dmesg()
    assert "fibo" in [m.name for m in system.modctl_stat()]


def test_an_unload_callback_that_faults_leaves_the_other_module_unloaded(system):
    system.modctl_load("callbacks")
    system.modctl_load("fibo")
    image = system.modules.lookup("callbacks").loaded.image
    system.machine.mem.load_code(image.symbols["callbacks_unload"], b"\x0f\x0b")   # ud2
    system.modctl_unload("fibo")                                          # no error: it went
    assert "fault in module callback callbacks_unload" in system.dmesg()
    assert "fibo" not in [m.name for m in system.modctl_stat()]
