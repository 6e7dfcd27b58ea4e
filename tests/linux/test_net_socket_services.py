"""The socket-family registry and the RTNL lock, called through their trap stubs as a
module calls them."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args) & 0xFFFFFFFF


def family_ops(linux, family: int) -> int:
    ops = linux.kernel.heap.alloc(4 * linux.machine.word_size, "test", zero=True)
    linux.machine.mem.write_u32(ops, family & 0xFFFFFFFF)
    return ops


def test_sock_register_takes_a_free_family_and_refuses_it_twice(linux):
    assert call(linux, "sock_register", family_ops(linux, 35)) == 0          # PF_PHONET
    assert "NET: Registered PF_PHONET protocol family" in linux.dmesg()
    assert call(linux, "sock_register", family_ops(linux, 35)) == (-17) & 0xFFFFFFFF
    call(linux, "sock_unregister", 35)
    assert "NET: Unregistered PF_PHONET protocol family" in linux.dmesg()
    assert call(linux, "sock_register", family_ops(linux, 35)) == 0


def test_sock_register_refuses_a_family_the_kernel_has_and_one_past_nproto(linux):
    assert call(linux, "sock_register", family_ops(linux, 2)) == (-17) & 0xFFFFFFFF   # PF_INET
    assert call(linux, "sock_register", family_ops(linux, 46)) == (-105) & 0xFFFFFFFF
    assert "protocol 46 >= NPROTO(46)" in linux.dmesg()


def test_rtnl_lock_is_held_until_unlocked(linux):
    assert call(linux, "rtnl_is_locked") == 0
    call(linux, "rtnl_lock")
    assert call(linux, "rtnl_is_locked") == 1
    assert call(linux, "rtnl_trylock") == 0
    call(linux, "rtnl_unlock")
    assert call(linux, "rtnl_trylock") == 1
    call(linux, "rtnl_unlock")
    assert "W" not in linux.taints


def test_rtnl_unlock_unheld_warns(linux):
    call(linux, "rtnl_unlock")
    assert "bad unlock balance" in linux.dmesg()
    assert "W" in linux.taints
