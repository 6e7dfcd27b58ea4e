"""malloc(9) and printf(9) as a kld reaches them: through the kernel's symbol table."""
from __future__ import annotations

import pytest

from kemu.kernel import GuestCrash


def call(system, name: str, *args: int) -> int:
    return system.call_guest(system.kernel.symbols.lookup(name), *args, what=name)


def test_malloc_m_zero_clears_reused_memory_and_free_gives_it_back(system):
    first = call(system, "malloc", 64, 0, 0x2)
    system.machine.mem.write(first, b"\xff" * 64)
    call(system, "free", first, 0)
    again = call(system, "malloc", 64, 0, 0x2 | 0x100)
    assert system.machine.mem.read(again, 64) == bytes(64)
    call(system, "free", again, 0)
    assert system.kernel.heap.leaks() == []


def test_malloc_m_nowait_returns_null_when_memory_runs_out_and_m_waitok_panics(system):
    huge = 1 << 30
    assert call(system, "malloc", huge, 0, 0x1) == 0
    with pytest.raises(GuestCrash):
        call(system, "malloc", huge, 0, 0x2)
    assert "panic: malloc(M_WAITOK)" in system.dmesg()


def test_free_of_null_is_a_no_op_and_of_a_stranger_a_panic(system):
    call(system, "free", 0, 0)
    with pytest.raises(GuestCrash):
        call(system, "free", 0x1234, 0)
    assert "panic: free:" in system.dmesg()


def test_malloc_type_names_allocations_after_malloc_init(system):
    system.kldload("echo")                   # MALLOC_DEFINE(M_ECHOBUF, "echobuffer", …)
    assert "echobuffer" in {a.tag for a in system.kernel.heap.leaks()}
