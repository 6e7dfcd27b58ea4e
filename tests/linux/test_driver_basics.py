"""Everyday driver calls (kemu/os/linux/services/driver_basics.py), both arches."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.busy_time import READ_COST_NS

from .conftest import ARCHES

E2BIG = 7


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def buf(linux, n: int) -> int:
    return linux.kernel.heap.alloc(n, "test buffer", zero=True)


def signed(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def test_strscpy_copies_whole_strings_and_reports_truncation(linux):
    dst = buf(linux, 8)
    assert linux.call("strscpy", dst, b"hello\0", 8) == 5
    assert linux.machine.mem.read(dst, 6) == b"hello\0"
    assert signed(linux.call("strscpy", dst, b"a longer string\0", 8)) == -E2BIG
    assert linux.machine.mem.read(dst, 8) == b"a longe\0"
    assert signed(linux.call("strscpy", dst, b"x\0", 0)) == -E2BIG


def test_kstrdup_const_copies_and_kfree_const_frees(linux):
    copy = linux.call("kstrdup_const", b"name\0", 0)
    assert linux.machine.mem.read_cstr(copy) == b"name"
    linux.call("kfree_const", copy)
    assert not [b for b in linux.kernel.heap.leaks() if b.addr == copy]


def test_mutex_trylock_fails_on_a_held_mutex(linux):
    lock = buf(linux, 64)
    assert linux.call("mutex_trylock", lock) == 1
    assert linux.call("mutex_trylock", lock) == 0
    linux.call("mutex_unlock", lock)
    assert linux.call("mutex_lock_interruptible", lock) == 0


def test_rwsem_readers_share_and_a_writer_excludes(linux):
    sem = buf(linux, 64)
    linux.call("__init_rwsem", sem, 0, 0)
    linux.call("down_read", sem)
    assert linux.call("down_read_trylock", sem) == 1
    assert linux.call("down_write_trylock", sem) == 0
    linux.call("up_read", sem)
    linux.call("up_read", sem)
    assert linux.call("down_write_trylock", sem) == 1
    assert linux.call("down_read_trylock", sem) == 0
    linux.call("up_write", sem)
    assert linux.machine.mem.read_ptr(sem) == 0


def test_random_numbers_are_reproducible_per_boot(linux):
    first = [linux.call("get_random_u32") & 0xFFFFFFFF for _ in range(3)]
    again = kemu.boot("linux", linux.arch)
    assert [again.call("get_random_u32") & 0xFFFFFFFF for _ in range(3)] == first
    assert len(set(first)) == 3
    out = buf(linux, 32)
    linux.call("get_random_bytes", out, 32)
    assert linux.machine.mem.read(out, 32) != bytes(32)


def test_usleep_range_sleeps_whole_ticks_and_timespec_clocks_follow(linux):
    linux.call("usleep_range_state", 10_000, 20_000, 2)
    assert linux.kernel.clock.ticks == 3                       # 10 ms at HZ=250, rounded up
    ts = buf(linux, 16)
    linux.call("ktime_get_ts64", ts)
    assert linux.machine.mem.read_int(ts, 8) == 0
    # 3 ticks of 4 ms, plus the read's own cost in busy time (busy_time.READ_COST_NS)
    assert linux.machine.mem.read_int(ts + 8, linux.machine.word_size) == 12_000_000 + READ_COST_NS
