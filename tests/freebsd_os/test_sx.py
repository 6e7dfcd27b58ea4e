"""sx(9) through the functions a KLD_MODULE's sx_* macros call (fixture sxmod and direct
calls), misuse panicking with kern_sx.c's INVARIANTS texts."""
from __future__ import annotations

import pytest

import kemu
from kemu.kernel import GuestCrash

from .conftest import fixture_dir
from .test_commands import Console

SX_RECURSE = 0x20
SA_SLOCKED, SA_XLOCKED, SA_UNLOCKED, SA_RECURSED, SA_NOTRECURSED = 0x02, 0x04, 0x00, 0x08, 0x10


def call(system, name: str, *args: int) -> int:
    return system.call_guest(system.kernel.symbols.lookup(name), *args, what=name)


def _string(system, text: bytes) -> int:
    addr = system.kernel.heap.alloc(len(text) + 1, "test")
    system.machine.mem.write(addr, text + b"\0")
    return addr


def _new_sx(system, name: bytes, opts: int = 0) -> int:
    sx = system.kernel.heap.alloc(64, "test", zero=True)
    call(system, "sx_init_flags", sx, _string(system, name), opts)
    return sx


def _word(system, sx: int) -> int:
    off = 24 if system.machine.word_size == 8 else 16
    return system.machine.mem.read_ptr(sx + off)


def test_sxmod_shares_upgrades_downgrades_and_recurses_as_a_kld_does(system):
    mark = len(system.dmesg())
    system.kldload("sxmod")
    assert system.dmesg()[mark:].splitlines() == [
        "sxmod: two sharers (word 0x41), try_xlock=0",
        "sxmod: upgrade=1 xlocked=1",
        "sxmod: sxmod xlocked=1 holder=me try_slock=0",
        "sxmod: recursed (try_xlock=1) and released",
    ]
    system.unload("sxmod.ko")
    assert system.dmesg().endswith("sxmod: destroyed\n")


def test_the_lock_word_has_the_real_encoding(system):
    sx = _new_sx(system, b"enc")
    assert _word(system, sx) == 0x1                               # SX_LOCK_UNLOCKED
    call(system, "_sx_slock", sx, 0, 0, 0)
    call(system, "_sx_slock", sx, 0, 0, 0)
    assert _word(system, sx) == (2 << 5) | 1
    call(system, "_sx_sunlock", sx, 0, 0)
    call(system, "_sx_sunlock", sx, 0, 0)
    call(system, "_sx_xlock", sx, 0, 0, 0)
    assert _word(system, sx) == system.curthread == system.kernel.symbols.lookup("thread0")
    call(system, "_sx_xunlock", sx, 0, 0)
    call(system, "sx_destroy", sx)
    assert _word(system, sx) == 0x6                               # SX_LOCK_DESTROYED


@pytest.mark.parametrize("misuse, text", [
    (1, "panic: Lock sxmod not exclusively locked @ "),
    (2, "panic: _sx_xlock_hard: recursed on non-recursive sx sxmod @ "),
    (3, "panic: sx lock still held"),
])
def test_misuse_from_a_kld_panics_with_kern_sx_texts_and_the_machine_carries_on(arch, misuse, text):
    console = Console(kemu.boot("freebsd", arch), fixture_dir(arch))
    assert console.run("kldload sxmod")[0] == 0
    status, out, err = console.run(f"sysctl debug.sxmod.misuse={misuse}")
    assert status == 1 and text in out
    assert "sxmod.c:" in out or misuse == 3
    assert console.run("kldstat -n sxmod.ko")[0] == 0


def test_assertions_check_share_exclusive_and_recursion(system):
    f = _string(system, b"mod.c")
    sx = _new_sx(system, b"asrt", SX_RECURSE)
    with pytest.raises(GuestCrash):
        call(system, "_sx_assert", sx, SA_SLOCKED, f, 3)
    assert "panic: Lock asrt not share locked @ mod.c:3" in system.dmesg()
    call(system, "_sx_xlock", sx, 0, f, 4)
    call(system, "_sx_xlock", sx, 0, f, 5)
    call(system, "_sx_assert", sx, SA_XLOCKED | SA_RECURSED, f, 6)
    with pytest.raises(GuestCrash):
        call(system, "_sx_assert", sx, SA_XLOCKED | SA_NOTRECURSED, f, 7)
    assert "panic: Lock asrt recursed @ mod.c:7" in system.dmesg()
    with pytest.raises(GuestCrash):
        call(system, "_sx_assert", sx, SA_UNLOCKED, f, 8)
    assert "panic: Lock asrt exclusively locked @ mod.c:8" in system.dmesg()


def test_using_a_destroyed_sx_panics_and_sx_new_allows_reinitialising(system):
    f = _string(system, b"mod.c")
    sx = _new_sx(system, b"gone")
    with pytest.raises(GuestCrash):
        call(system, "sx_init_flags", sx, _string(system, b"again"), 0)
    assert 'panic: lock "again"' in system.dmesg() and "already initialized" in system.dmesg()
    call(system, "sx_destroy", sx)
    with pytest.raises(GuestCrash):
        call(system, "_sx_xlock", sx, 0, f, 12)
    assert "panic: sx_xlock() of destroyed sx @ mod.c:12" in system.dmesg()
    call(system, "sx_init_flags", sx, _string(system, b"fresh"), 0x40)      # SX_NEW
    assert call(system, "sx_try_xlock_", sx, f, 13) == 1
