"""kobject_get_path (lib/kobject.c, 6.1): the sysfs path of a kobject below /sys, built by
walking kobj->parent up to the root ("/devices/virtual/rc/rc0"), in a kzalloc'd string the
caller kfree()s. NULL when some kobject on the way has no name yet, or the allocation fails.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

from .memory import GFP_ZERO, _alloc

table = ServiceTable("kobject_path")

MAX_DEPTH = 256            # deeper than any sysfs tree: a parent loop


def kobject_path(k, kobj: int) -> bytes | None:
    """The path of kobj, or None when a name on the way is NULL."""
    lay, mem = k.linux.layout, k.machine.mem
    name_off, parent_off = lay.offset("struct kobject", "name"), lay.offset("struct kobject", "parent")
    parts: list[bytes] = []
    while kobj:
        if len(parts) >= MAX_DEPTH:
            raise KernelPanic("BUG: kobject_get_path: kobject parent chain loops")
        name = mem.read_ptr(kobj + name_off)
        if not name:
            return None
        parts.append(k.read_str(name, 256))
        kobj = mem.read_ptr(kobj + parent_off)
    return b"".join(b"/" + p for p in reversed(parts))


@table.service("char *kobject_get_path(const struct kobject *kobj, gfp_t flag)", needs_call=True)
def kobject_get_path(k, kobj: int, flag: int, call=None) -> int:
    """A new string holding kobj's path, or NULL."""
    if kobj < 4096:
        raise KernelPanic(f"BUG: kernel NULL pointer dereference, address: {kobj:#x} (kobject_get_path)")
    path = kobject_path(k, kobj)
    if path is None:
        return 0
    addr = _alloc(k, len(path) + 1, flag | GFP_ZERO, "kmalloc", call)
    if addr:
        k.machine.mem.write(addr, path + b"\0")
    return addr
