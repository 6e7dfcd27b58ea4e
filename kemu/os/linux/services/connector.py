"""The kernel connector's callback list as modules see it (drivers/connector/connector.c and
cn_queue.c in Linux 6.1; CONFIG_CONNECTOR=y in Debian).

`cn_add_callback(id, name, callback)` adds a callback for the message id {idx, val}: the
entry keeps the name (CN_CBQ_NAMELEN bytes) and its netlink group is id.idx; an id already on
the queue is -EINVAL. `cn_del_callback(id)` removes the entry of that id (nothing if none).
The process-events connector (CONFIG_PROC_EVENTS=y) is on the list from boot as "cn_proc"
{1, 1}. `proc_connector()` is /proc/net/connector ("Name ID" and one "%-15s %u:%u" line each).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .net_registry import Fields, kernel_state, need
from .owner import owning_module

table = ServiceTable("connector")

CN_CBQ_NAMELEN = 32
CN_IDX_PROC, CN_VAL_PROC = 1, 1


class CnCallback:
    def __init__(self, idx: int, val: int, name: str, callback: int) -> None:
        self.idx, self.val, self.name, self.callback = idx, val, name, callback
        self.group = idx


class Connector:
    def __init__(self, k) -> None:
        self.queue: list[CnCallback] = [CnCallback(CN_IDX_PROC, CN_VAL_PROC, "cn_proc", 0)]
        self.f = Fields(k, "struct cb_id")

    def find(self, idx: int, val: int) -> CnCallback | None:
        return next((c for c in self.queue if (c.idx, c.val) == (idx, val)), None)

    def proc_connector(self) -> str:
        return "Name            ID\n" + "".join(f"{c.name:<15} {c.idx}:{c.val}\n" for c in self.queue)


def connector(k) -> Connector:
    return kernel_state(k, "connector", Connector)


def _id(k, reg: Connector, id_: int) -> tuple[int, int]:
    need(id_, "cb_id")
    return reg.f.u32(id_, "idx"), reg.f.u32(id_, "val")


@table.service("int cn_add_callback(const struct cb_id *id, const char *name, void *callback)",
               needs_call=True)
def cn_add_callback(k, id_: int, name: int, callback: int, call=None) -> int:
    """Add a callback for a connector id (-EINVAL if the id has one)."""
    reg = connector(k)
    idx, val = _id(k, reg, id_)
    if reg.find(idx, val) is not None:
        return -k.errno.EINVAL
    text = k.machine.mem.read_cstr(name, CN_CBQ_NAMELEN - 1).decode("latin-1") if name else ""
    entry = CnCallback(idx, val, text, callback)
    reg.queue.append(entry)
    module = owning_module(k, call)
    if module is not None:
        module.on_unload(f"connector callback {idx}:{val}",
                         lambda: reg.queue.remove(entry) if entry in reg.queue else None)
    return 0


@table.service("void cn_del_callback(const struct cb_id *id)")
def cn_del_callback(k, id_: int) -> None:
    """Remove the callback of a connector id."""
    reg = connector(k)
    idx, val = _id(k, reg, id_)
    entry = reg.find(idx, val)
    if entry is None:
        return
    reg.queue.remove(entry)
    module = k.loader.module_at(entry.callback)
    if module is not None:
        module.forget_undo(f"connector callback {idx}:{val}")
