"""mutex(9): a module built against <sys/mutex.h> links, and its calls behave as NetBSD's
(ownership, tryenter on a held mutex, LOCKDEBUG panics on misuse) on both arches."""
from __future__ import annotations

import pytest

import kemu
from kemu.kernel import SyscallError
from kemu.paths import ROOT


def _boot(arch):
    return kemu.boot("netbsd", arch, modules=str(ROOT / "fixtures/netbsd" / arch / "gcc"))


@pytest.mark.parametrize("arch", ["x86_64", "i386"])
def test_mutex_ownership_and_tryenter_follow_the_lock_state(arch):
    system = _boot(arch)
    system.modctl_load("mutexdemo")
    log = system.dmesg()
    assert "mutexdemo: owned while held = 1" in log
    assert "mutexdemo: tryenter while held = 0" in log
    assert "mutexdemo: owned after exit = 0" in log
    assert "mutexdemo: tryenter when free = 1" in log
    system.modctl_unload("mutexdemo")
    assert "mutexdemo: destroyed" in system.dmesg()
    assert system.modctl_stat() == [] and system.leaks() == []


@pytest.mark.parametrize("arch", ["x86_64", "i386"])
def test_entering_a_held_mutex_panics_as_lockdebug_does(arch):
    system = _boot(arch)
    with pytest.raises(SyscallError, match="MODULE_CMD_INIT"):
        system.modctl_load("mutexdemo", props={"misuse": 1})
    assert "panic: mutex_enter: locking against myself" in system.dmesg()
    system.modctl_load("fibo")     # the machine stays usable
    system.modctl_unload("fibo")


def test_mutex_misuse_from_python_names_the_mutex_and_the_fault():
    from kemu.kernel import KernelPanic
    from kemu.os.netbsd import services_mutex as m
    system = _boot("x86_64")
    k = system.kernel
    lock = k.heap.alloc(8, "kmem")
    with pytest.raises(KernelPanic, match=f"mutex_enter: mutex {lock:#x} used before mutex_init"):
        m.mutex_enter.service.func(k, lock)
    m.mutex_init.service.func(k, lock, 2, 0)
    with pytest.raises(KernelPanic, match="exiting unheld mutex"):
        m.mutex_exit.service.func(k, lock)
    m.mutex_enter.service.func(k, lock)
    with pytest.raises(KernelPanic, match="destroying held lock"):
        m.mutex_destroy.service.func(k, lock)
    m.mutex_exit.service.func(k, lock)
    m.mutex_destroy.service.func(k, lock)
    with pytest.raises(KernelPanic, match="unknown mutex type 9"):
        m.mutex_init.service.func(k, lock, 9, 0)
