"""Asynchronous function calls (kernel/async.c) and the DMA engine's client reference
(drivers/dma/dmaengine.c), 6.1.

async_schedule_node hands out the next cookie and runs func(data, cookie). The kernel queues
it on a worker unless it cannot (no memory, too many pending), and then runs it at once in
the caller: kemu, with one CPU and no async workers, always takes that path, so when
async_synchronize_cookie(c) is called every function with a cookie below c has finished and
it returns at once — what the kernel guarantees.

dmaengine_get/dmaengine_put count the clients that want the engine's channels (async_tx
takes one for its whole life); the channels of the registered DMA devices would be grabbed
and balanced — kemu has no DMA devices, so there are none to take. A put without a get is
the kernel's BUG; a module that goes without putting its reference has it dropped and
reported as left behind.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .owner import owning_module

table = ServiceTable("async_dma")


class AsyncState:
    """The next cookie and the DMA engine's client count."""

    def __init__(self) -> None:
        self.next_cookie = 1
        self.dma_clients = 0


def _state(k) -> AsyncState:
    st = k.linux.__dict__.get("async_state")
    if st is None:
        st = k.linux.__dict__["async_state"] = AsyncState()
    return st


@table.service("u64 async_schedule_node(void *func, void *data, int node)")
def async_schedule_node(k, func: int, data: int, node: int) -> int:
    """The next cookie; func(data, cookie) run now, in the caller (the kernel's synchronous
    path)."""
    st = _state(k)
    cookie = st.next_cookie
    st.next_cookie += 1
    if not func:
        k.linux.pr("BUG: async_schedule_node: NULL function", 0)
        return cookie
    args = (data, cookie) if k.machine.word_size == 8 else (data, cookie & 0xFFFFFFFF, cookie >> 32)
    k.linux.call_kernel_word(func, *args, what=f"async function {func:#x}")
    return cookie


@table.service("u64 async_schedule_node_domain(void *func, void *data, int node, void *domain)")
def async_schedule_node_domain(k, func: int, data: int, node: int, domain: int) -> int:
    """As async_schedule_node, in a domain of the caller's (the same synchronous run)."""
    return async_schedule_node(k, func, data, node)


@table.service("void async_synchronize_cookie(u64 cookie)")
def async_synchronize_cookie(k, cookie: int) -> None:
    """Every function scheduled before `cookie` has run already: nothing to wait for."""


@table.service("void async_synchronize_full(void)")
def async_synchronize_full(k) -> None:
    """Every scheduled function has run already: nothing to wait for."""


UNDO = "dmaengine client reference(s)"


@table.service("void dmaengine_get(void)", needs_call=True)
def dmaengine_get(k, call=None) -> None:
    """One more client of the DMA engine (no DMA devices: no channels to grab)."""
    st = _state(k)
    st.dma_clients += 1
    module = owning_module(k, call)
    if module is not None:
        held = module.os.get("dma_refs", 0)
        module.os["dma_refs"] = held + 1
        if not held:
            module.on_unload(UNDO, lambda: _drop_all(k, module))


def _drop_all(k, module) -> None:
    _state(k).dma_clients -= module.os.pop("dma_refs", 0)


@table.service("void dmaengine_put(void)", needs_call=True)
def dmaengine_put(k, call=None) -> None:
    """One client fewer; a put without a get is the kernel's BUG_ON (reported, not done)."""
    st = _state(k)
    if st.dma_clients <= 0:
        k.linux.pr("kernel BUG at drivers/dma/dmaengine.c: dmaengine_put without dmaengine_get", 0)
        return
    st.dma_clients -= 1
    module = owning_module(k, call)
    if module is not None and module.os.get("dma_refs", 0) > 0:
        module.os["dma_refs"] -= 1
        if not module.os["dma_refs"]:
            module.forget_undo(UNDO)
