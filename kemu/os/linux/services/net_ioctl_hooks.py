"""The socket ioctl hooks protocol modules plug into net/socket.c (Linux 6.1).

`vlan_ioctl_set(hook)` sets the SIOCGIFVLAN/SIOCSIFVLAN handler (8021q) and `brioctl_set(hook)`
the bridge ioctls' (bridge); each module sets its hook at init and NULL at exit. A module
that leaves its hook set at unload has it cleared (and it shows as left behind).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .net_registry import kernel_state
from .owner import owning_module

table = ServiceTable("net_ioctl_hooks")


def hooks(k) -> dict[str, int]:
    """name ("vlan", "bridge") -> the hook function set."""
    return kernel_state(k, "net_ioctl_hooks", lambda k: {})


def _set(k, name: str, hook: int, call) -> None:
    table_ = hooks(k)
    old = table_.get(name, 0)
    if old:
        owner = k.loader.module_at(old)
        if owner is not None:
            owner.forget_undo(f"{name} ioctl hook")
    if not hook:
        table_.pop(name, None)
        return
    table_[name] = hook
    module = owning_module(k, call)
    if module is not None:
        module.on_unload(f"{name} ioctl hook", lambda: table_.pop(name, None) if table_.get(name) == hook else None)


@table.service("void vlan_ioctl_set(void *hook)", needs_call=True)
def vlan_ioctl_set(k, hook: int, call=None) -> None:
    """Set (or with NULL clear) the VLAN ioctl handler."""
    _set(k, "vlan", hook, call)


@table.service("void brioctl_set(void *hook)", needs_call=True)
def brioctl_set(k, hook: int, call=None) -> None:
    """Set (or with NULL clear) the bridge ioctl handler."""
    _set(k, "bridge", hook, call)
