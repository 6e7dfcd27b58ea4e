"""refcount_warn_saturate called through its trap stub as refcount_inc/refcount_dec do on
overflow or use-after-free: the counter saturates and the kernel WARNs once per event."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES

REFCOUNT_ADD_UAF, REFCOUNT_SUB_UAF = 2, 3


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def saturate(linux, event: int) -> int:
    counter = linux.kernel.heap.alloc(4, "test", zero=True)
    linux.machine.call(linux.kernel.installed["refcount_warn_saturate"][1], counter, event)
    return int.from_bytes(linux.machine.mem.read(counter, 4), "little")


def test_saturation_pins_the_counter_and_warns(linux):
    assert saturate(linux, REFCOUNT_SUB_UAF) == 0xC0000000
    assert "refcount_t: underflow; use-after-free." in linux.dmesg()
    assert "W" in linux.taints


def test_each_event_warns_only_once(linux):
    saturate(linux, REFCOUNT_ADD_UAF)
    saturate(linux, REFCOUNT_ADD_UAF)
    assert linux.dmesg().count("refcount_t: addition on 0; use-after-free.") == 1
