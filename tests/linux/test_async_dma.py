"""async_schedule_node runs the function at once (the kernel's synchronous path: kemu has one
CPU and no async workers) with consecutive cookies; dmaengine_get/put count the DMA engine's
clients, and async_tx, which holds one for its life, loads and unloads clean."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES
from .corpus_trials import assert_clean


@pytest.mark.parametrize("arch", ARCHES)
def test_an_async_function_has_run_when_schedule_returns_with_the_next_cookie(arch):
    system = kemu.boot("linux", arch)
    kfree = system.kernel.installed["kfree"][1]
    blocks = [system.kernel.heap.alloc(32, "test") for _ in range(2)]
    cookies = [system.call("async_schedule_node", kfree, b, 0xFFFFFFFF) for b in blocks]
    assert [c & 0xFFFFFFFF for c in cookies] == [1, 2]
    assert not any(b in system.kernel.heap for b in blocks)
    system.call("async_synchronize_cookie", 3)          # nothing left to wait for


@pytest.mark.parametrize("arch", ARCHES)
def test_dmaengine_counts_its_clients(arch):
    system = kemu.boot("linux", arch)
    system.call("dmaengine_get")
    system.call("dmaengine_get")
    system.call("dmaengine_put")
    assert system.async_state.dma_clients == 1
    system.call("dmaengine_put")
    system.call("dmaengine_put")                         # one too many: the kernel's BUG, reported
    assert system.async_state.dma_clients == 0
    assert "dmaengine_put without dmaengine_get" in system.dmesg()


@pytest.mark.parametrize("arch", ARCHES)
def test_async_tx_holds_a_dma_engine_reference_while_loaded(arch):
    assert_clean(arch, "async_tx")
