"""RCU and SRCU grace periods (services/rcu_callbacks.py, srcu.py): callbacks wait for the
end of a grace period (the next tick of the virtual clock, or a synchronize/barrier call),
SRCU counts its readers in the per-CPU srcu_data, waiting inside one's own read-side section
never ends. Both arches."""
from __future__ import annotations

import pytest

from kemu.kernel import KernelPanic

from .notifier_helpers import Recorder, call, kdata


def test_call_rcu_runs_the_callback_only_after_a_grace_period(linux):
    rec = Recorder(linux)
    head = kdata(linux, 16)
    call(linux, "call_rcu", head, rec.addr("kemu_test_rcu_cb"))
    assert rec.calls == []
    call(linux, "synchronize_rcu")
    assert rec.calls == [("rcu", head)]


def test_the_next_tick_ends_the_grace_period(linux):
    rec = Recorder(linux)
    head = kdata(linux, 16)
    call(linux, "call_rcu", head, rec.addr("kemu_test_rcu_cb"))
    linux.timekeeping.advance(1)
    assert rec.calls == [("rcu", head)]


def test_rcu_barrier_and_synchronize_net_run_what_is_queued(linux):
    rec = Recorder(linux)
    a, b = kdata(linux, 16), kdata(linux, 16)
    call(linux, "call_rcu", a, rec.addr("kemu_test_rcu_cb"))
    call(linux, "rcu_barrier")
    call(linux, "call_rcu", b, rec.addr("kemu_test_rcu_cb"))
    call(linux, "synchronize_net")
    assert rec.calls == [("rcu", a), ("rcu", b)]


def test_kfree_rcu_frees_the_object_holding_the_head_after_the_grace_period(linux):
    obj = linux.kernel.heap.alloc(64, "kmalloc", zero=True)
    call(linux, "kvfree_call_rcu", obj + 24, 24)           # kfree_rcu(obj, rcu) with rcu at 24
    assert obj in linux.kernel.heap
    call(linux, "synchronize_rcu")
    assert obj not in linux.kernel.heap


def test_kvfree_rcu_of_a_bare_pointer_frees_it(linux):
    obj = linux.kernel.heap.alloc(64, "kmalloc", zero=True)
    call(linux, "kvfree_call_rcu", 0, obj)
    linux.timekeeping.advance(1)
    assert obj not in linux.kernel.heap


def test_synchronize_rcu_inside_a_read_side_section_is_a_stall(linux):
    call(linux, "__rcu_read_lock")
    with pytest.raises(KernelPanic, match="inside an RCU read-side critical section"):
        call(linux, "synchronize_rcu")
    assert "self-detected stall" in linux.dmesg()


def srcu_struct(linux) -> int:
    ssp = kdata(linux, linux.layout.size("struct srcu_struct"))
    assert call(linux, "init_srcu_struct", ssp) == 0
    return ssp


def test_srcu_readers_are_counted_in_the_per_cpu_srcu_data(linux):
    from kemu.os.linux.services.srcu import readers
    ssp = srcu_struct(linux)
    i = call(linux, "__srcu_read_lock", ssp)
    j = call(linux, "__srcu_read_lock", ssp)
    assert (i, j) == (0, 0) and readers(linux.kernel, ssp) == 2
    call(linux, "__srcu_read_unlock", ssp, j)
    call(linux, "__srcu_read_unlock", ssp, i)
    assert readers(linux.kernel, ssp) == 0


def test_a_grace_period_flips_the_index_readers_then_get(linux):
    ssp = srcu_struct(linux)
    call(linux, "synchronize_srcu", ssp)
    assert call(linux, "__srcu_read_lock", ssp) == 1
    seq = linux.machine.mem.read_ptr(ssp + linux.layout.offset("struct srcu_struct", "srcu_gp_seq"))
    assert seq == 4


def test_synchronize_srcu_inside_its_own_reader_never_returns(linux):
    ssp = srcu_struct(linux)
    call(linux, "__srcu_read_lock", ssp)
    with pytest.raises(KernelPanic, match="waits for its own SRCU read-side section"):
        call(linux, "synchronize_srcu", ssp)
    assert "blocked for more than 120 seconds" in linux.dmesg()


def test_call_srcu_runs_at_srcu_barrier(linux):
    rec = Recorder(linux)
    ssp = srcu_struct(linux)
    head = kdata(linux, 16)
    call(linux, "call_srcu", ssp, head, rec.addr("kemu_test_rcu_cb"))
    call(linux, "synchronize_rcu")                      # another domain: not this one's period
    assert rec.calls == []
    call(linux, "srcu_barrier", ssp)
    assert rec.calls == [("rcu", head)]


def test_cleanup_with_a_reader_inside_warns_and_keeps_the_structure(linux):
    ssp = srcu_struct(linux)
    call(linux, "__srcu_read_lock", ssp)
    call(linux, "cleanup_srcu_struct", ssp)
    assert "Active srcu_struct" in linux.dmesg()
    sda = ssp + linux.layout.offset("struct srcu_struct", "sda")
    assert linux.machine.mem.read_ptr(sda) != 0


def test_cleanup_frees_the_per_cpu_data(linux):
    ssp = srcu_struct(linux)
    live = len(linux.kernel.heap.leaks())
    call(linux, "cleanup_srcu_struct", ssp)
    assert len(linux.kernel.heap.leaks()) == live - 1
    assert linux.machine.mem.read_ptr(ssp + linux.layout.offset("struct srcu_struct", "sda")) == 0


def test_an_srcu_notifier_head_is_initialised_empty_and_usable(linux):
    rec = Recorder(linux)
    nh = kdata(linux, linux.layout.size("struct srcu_notifier_head"))
    call(linux, "srcu_init_notifier_head", nh)
    nb = rec.block()
    call(linux, "srcu_notifier_chain_register", nh, nb)
    call(linux, "srcu_notifier_call_chain", nh, 5, 0)
    assert rec.notified() == [nb]
