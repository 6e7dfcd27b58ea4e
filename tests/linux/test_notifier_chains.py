"""Notifier chains (services/notifier_chains.py, kernel_notifiers.py) as kernel/notifier.c
keeps them: notifier_blocks linked in guest memory in priority order, -EEXIST / -ENOENT /
-EBUSY refusals, calls in order until NOTIFY_STOP_MASK, robust rollback, and the kernel's own
chains fired where kemu raises the event. Both arches."""
from __future__ import annotations

import pytest

from kemu.os.linux.services import kernel_notifiers
from kemu.os.linux.services.notifier_chains import blocks

from .conftest import ko
from .notifier_helpers import Recorder, call, kdata

NOTIFY_STOP = 0x8001
NOTIFY_BAD = 0x8002


def head(linux, kind: str) -> tuple[int, int]:
    """A zeroed `kind` notifier head and the address of its first-block pointer."""
    struct = f"struct {kind}_notifier_head"
    nh = kdata(linux, linux.layout.size(struct))
    return nh, nh + linux.layout.offset(struct, "head")


@pytest.mark.parametrize("kind", ["atomic", "blocking", "raw", "srcu"])
def test_blocks_are_linked_in_guest_memory_highest_priority_first(linux, kind):
    rec = Recorder(linux)
    nh, nl = head(linux, kind)
    low, high, low2 = rec.block(0), rec.block(10), rec.block(0)
    for nb in (low, high, low2):
        assert call(linux, f"{kind}_notifier_chain_register", nh, nb) == 0
    assert linux.machine.mem.read_ptr(nl) == high          # the head points at the first block
    assert blocks(linux.kernel, nl) == [high, low, low2]   # equal priority: after the earlier one


def test_registering_a_block_twice_warns_and_is_refused_with_eexist(linux):
    rec = Recorder(linux)
    nh, nl = head(linux, "blocking")
    nb = rec.block()
    call(linux, "blocking_notifier_chain_register", nh, nb)
    assert call(linux, "blocking_notifier_chain_register", nh, nb) == -17
    assert "already registered" in linux.dmesg() and "W" in linux.taints
    assert blocks(linux.kernel, nl) == [nb]


def test_unregistering_a_block_not_on_the_chain_is_enoent(linux):
    rec = Recorder(linux)
    nh, nl = head(linux, "atomic")
    a, b = rec.block(), rec.block()
    call(linux, "atomic_notifier_chain_register", nh, a)
    assert call(linux, "atomic_notifier_chain_unregister", nh, b) == -2
    assert call(linux, "atomic_notifier_chain_unregister", nh, a) == 0
    assert linux.machine.mem.read_ptr(nl) == 0


def test_unique_priority_registration_refuses_a_taken_priority_with_ebusy(linux):
    rec = Recorder(linux)
    nh, _ = head(linux, "blocking")
    call(linux, "blocking_notifier_chain_register", nh, rec.block(5))
    assert call(linux, "blocking_notifier_chain_register_unique_prio", nh, rec.block(5)) == -16
    assert call(linux, "blocking_notifier_chain_register_unique_prio", nh, rec.block(6)) == 0


def test_calling_the_chain_calls_each_block_in_order_with_val_and_v(linux):
    rec = Recorder(linux)
    nh, _ = head(linux, "atomic")
    a, b = rec.block(1), rec.block(2)
    call(linux, "atomic_notifier_chain_register", nh, a)
    call(linux, "atomic_notifier_chain_register", nh, b)
    rec.results[a] = 0x7
    assert call(linux, "atomic_notifier_call_chain", nh, 42, 0x1234) == 0x7   # the last result
    assert rec.calls == [("notify", b, 42, 0x1234), ("notify", a, 42, 0x1234)]


def test_a_block_returning_stop_ends_the_call_and_its_value_is_the_result(linux):
    rec = Recorder(linux)
    nh, _ = head(linux, "blocking")
    first, second = rec.block(9), rec.block(1)
    for nb in (first, second):
        call(linux, "blocking_notifier_chain_register", nh, nb)
    rec.results[first] = NOTIFY_STOP
    assert call(linux, "blocking_notifier_call_chain", nh, 1, 0) == NOTIFY_STOP
    assert rec.notified() == [first]


def test_an_empty_chain_answers_notify_done(linux):
    nh, _ = head(linux, "raw")
    assert call(linux, "raw_notifier_call_chain", nh, 1, 0) == 0


def test_robust_call_tells_the_blocks_before_a_refusal_the_down_event(linux):
    rec = Recorder(linux)
    nh, _ = head(linux, "blocking")
    a, b, c = rec.block(3), rec.block(2), rec.block(1)
    for nb in (a, b, c):
        call(linux, "blocking_notifier_chain_register", nh, nb)
    rec.results[b] = NOTIFY_BAD
    assert call(linux, "blocking_notifier_call_chain_robust", nh, 10, 11, 0) == NOTIFY_BAD
    assert [(c[1], c[2]) for c in rec.calls] == [(a, 10), (b, 10), (a, 11)]


def test_the_reboot_chain_is_a_real_chain_fired_with_sys_restart(linux):
    rec = Recorder(linux)
    nb = rec.block()
    assert call(linux, "register_reboot_notifier", nb) == 0
    assert kernel_notifiers.fire(linux, "reboot", kernel_notifiers.SYS_RESTART, 0) == 1
    assert rec.calls == [("notify", nb, kernel_notifiers.SYS_RESTART, 0)]
    assert call(linux, "unregister_reboot_notifier", nb) == 0
    assert kernel_notifiers.blocks_on(linux, "reboot") == []


@pytest.mark.parametrize("chain, register", [
    ("inetaddr", "register_inetaddr_notifier"), ("inet6addr", "register_inet6addr_notifier"),
    ("netevent", "register_netevent_notifier"), ("netlink", "netlink_register_notifier"),
    ("pm", "register_pm_notifier"), ("memory", "register_memory_notifier"),
    ("switchdev", "register_switchdev_notifier"), ("dcbevent", "register_dcbevent_notifier"),
    ("blocking_lsm", "register_blocking_lsm_notifier"), ("crypto", "crypto_register_notifier"),
    ("keyboard", "register_keyboard_notifier"), ("vt", "register_vt_notifier"), ("oom", "register_oom_notifier"),
])
def test_each_kernel_chain_keeps_its_own_blocks(linux, chain, register):
    rec = Recorder(linux)
    nb = rec.block()
    assert call(linux, register, nb) == 0
    assert kernel_notifiers.blocks_on(linux, chain) == [nb]
    assert call(linux, register, nb) == -17
    others = [c for c in kernel_notifiers.CHAINS if c != chain]
    assert all(kernel_notifiers.blocks_on(linux, c) == [] for c in others)


def test_the_crypto_chain_is_the_exported_crypto_chain_variable(linux):
    rec = Recorder(linux)
    nb = rec.block()
    call(linux, "crypto_register_notifier", nb)
    exported = linux.data["crypto_chain"]
    assert linux.machine.mem.read_ptr(exported + linux.layout.offset("struct blocking_notifier_head", "head")) == nb


def test_call_netevent_notifiers_fires_the_netevent_chain(linux):
    rec = Recorder(linux)
    nb = rec.block()
    call(linux, "register_netevent_notifier", nb)
    call(linux, "call_netevent_notifiers", 3, 0x99)
    assert rec.calls == [("notify", nb, 3, 0x99)]


def test_a_null_head_is_an_oops_naming_the_head_type(linux):
    from kemu.kernel import KernelPanic
    rec = Recorder(linux)
    with pytest.raises(KernelPanic, match="the struct atomic_notifier_head"):
        call(linux, "atomic_notifier_chain_register", 0, rec.block())
    linux.insmod(str(ko(linux.arch, "hello")))            # the kernel goes on


def test_a_module_going_with_its_block_registered_is_reported_and_unlinked(linux):
    from types import SimpleNamespace
    from kemu.os.linux.services.notifier_chains import chain_register
    rec = Recorder(linux)
    module = linux.insmod(str(ko(linux.arch, "hello")))
    nh, nl = head(linux, "blocking")
    nb = rec.block()
    chain_register(linux.kernel, nl, nb, SimpleNamespace(return_address=module.base))  # called from hello
    linux.rmmod("hello")
    assert "hello went with notifier" in linux.dmesg()
    assert blocks(linux.kernel, nl) == []


@pytest.mark.parametrize("name, args, what", [
    ("blocking_notifier_chain_register", (0x1234, 0), "blocking_notifier_head"),
    ("_raw_write_lock", (0x10,), "NULL pointer dereference, address: 0x10 (the rwlock_t)"),
    ("__srcu_read_lock", (0x5000,), "page fault for address: 0x5000 (the srcu_struct)"),
    ("static_key_enable", (0,), "the static_key"),
])
def test_a_garbage_structure_pointer_is_an_oops_naming_it(linux, name, args, what):
    from kemu.kernel import KernelPanic
    with pytest.raises(KernelPanic, match=what.replace("(", r"\(").replace(")", r"\)")):
        call(linux, name, *args)
