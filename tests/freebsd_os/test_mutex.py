"""mutex(9) through the functions a KLD_MODULE's mtx_* macros call, misuse panicking as INVARIANTS."""
from __future__ import annotations

import pytest

from kemu.kernel import GuestCrash

MTX_DEF, MTX_RECURSE = 0x0, 0x4
MA_OWNED, MA_NOTOWNED = 0x1, 0x0


def call(system, name: str, *args: int) -> int:
    return system.call_guest(system.kernel.symbols.lookup(name), *args, what=name)


def _new_mutex(system, name: bytes, opts: int = MTX_DEF) -> int:
    """A zeroed `struct mtx` in kernel memory, initialised; returns &m->mtx_lock."""
    word = system.machine.word_size
    base = call(system, "malloc", 64, 0, 0x2 | 0x100)
    text = call(system, "malloc", len(name) + 1, 0, 0x2)
    system.machine.mem.write(text, name + b"\0")
    lock_word = base + (24 if word == 8 else 16)
    call(system, "_mtx_init", lock_word, text, 0, opts)
    assert int.from_bytes(system.machine.mem.read(base, word), "little") == text   # lo_name
    return lock_word


def _file(system) -> int:
    addr = call(system, "malloc", 16, 0, 0x2)
    system.machine.mem.write(addr, b"mod.c\0")
    return addr


def test_lock_unlock_and_trylock_follow_ownership(system):
    c, f = _new_mutex(system, b"demo"), _file(system)
    call(system, "__mtx_lock_flags", c, 0, f, 10)
    assert call(system, "_mtx_trylock_flags_", c, 0, f, 11) == 0
    call(system, "__mtx_assert", c, MA_OWNED, f, 12)
    call(system, "__mtx_unlock_flags", c, 0, f, 13)
    assert int.from_bytes(system.machine.mem.read(c, system.machine.word_size), "little") == 4
    assert call(system, "_mtx_trylock_flags_", c, 0, f, 14) == 1
    call(system, "__mtx_unlock_flags", c, 0, f, 15)
    call(system, "_mtx_destroy", c)


def test_unlocking_an_unowned_mutex_panics_naming_it_and_the_line(system):
    c, f = _new_mutex(system, b"demo"), _file(system)
    with pytest.raises(GuestCrash):
        call(system, "__mtx_unlock_flags", c, 0, f, 42)
    assert "panic: mutex demo not owned at mod.c:42" in system.dmesg()


def test_relocking_a_non_recursive_mutex_panics_but_mtx_recurse_allows_it(system):
    f = _file(system)
    r = _new_mutex(system, b"rec", MTX_RECURSE)
    call(system, "__mtx_lock_flags", r, 0, f, 1)
    call(system, "__mtx_lock_flags", r, 0, f, 2)
    c = _new_mutex(system, b"plain")
    call(system, "__mtx_lock_flags", c, 0, f, 3)
    with pytest.raises(GuestCrash):
        call(system, "__mtx_lock_flags", c, 0, f, 4)
    assert "recursed on non-recursive mutex plain @ mod.c:4" in system.dmesg()


def test_destroying_a_held_mutex_panics(system):
    c, f = _new_mutex(system, b"held"), _file(system)
    call(system, "__mtx_lock_flags", c, 0, f, 7)
    with pytest.raises(GuestCrash):
        call(system, "_mtx_destroy", c)
    assert "mutex held destroyed while held" in system.dmesg()


def test_mtx_assert_notowned_on_a_held_mutex_panics(system):
    c, f = _new_mutex(system, b"asrt"), _file(system)
    call(system, "__mtx_lock_flags", c, 0, f, 1)
    with pytest.raises(GuestCrash):
        call(system, "__mtx_assert", c, MA_NOTOWNED, f, 9)
    assert "mutex asrt owned at mod.c:9" in system.dmesg()


def test_a_kld_built_against_sys_mutex_h_locks_and_destroys_its_mutex(system):
    fileid = system.kldload("mtxmod")
    assert "mtxmod: mtxmod held, trylock=0" in system.dmesg()
    system.kldunload(fileid)
    assert "mtxmod: destroyed" in system.dmesg()


def test_spin_mutex_trylock_and_recursion_panic_name_mtx_lock_spin(system):
    c, f = _new_mutex(system, b"spin", 0x1), _file(system)
    assert call(system, "__mtx_trylock_spin_flags", c, 0, f, 1) == 1
    with pytest.raises(GuestCrash):
        call(system, "__mtx_lock_spin_flags", c, 0, f, 2)
    assert "mtx_lock_spin: recursed on non-recursive mutex spin @ mod.c:2" in system.dmesg()
