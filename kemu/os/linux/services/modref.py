"""Module references (kernel/module/main.c): what keeps a module from being unloaded while
something of it is in use, shown as /proc/modules' and lsmod's use count."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("module")


@table.service("bool try_module_get(struct module *module)")
def try_module_get(k, module: int) -> int:
    """Take a reference unless the module is going away (NULL: the kernel itself, always)."""
    if not module:
        return 1
    m = k.linux.module_by_struct(module)
    if m is None or m.state.value != "live":
        return 0
    m.os["refcnt"] = m.os.get("refcnt", 0) + 1
    return 1


@table.service("void __module_get(struct module *module)")
def __module_get(k, module: int) -> None:
    """Take a reference the caller knows it may take."""
    m = k.linux.module_by_struct(module) if module else None
    if m is not None:
        m.os["refcnt"] = m.os.get("refcnt", 0) + 1


@table.service("void module_put(struct module *module)")
def module_put(k, module: int) -> None:
    """Drop a reference taken with try_module_get/__module_get."""
    m = k.linux.module_by_struct(module) if module else None
    if m is not None and m.os.get("refcnt", 0) > 0:
        m.os["refcnt"] -= 1


@table.service("int module_refcount(struct module *mod)")
def module_refcount(k, mod: int) -> int:
    """The references held on the module (what lsmod shows)."""
    m = k.linux.module_by_struct(mod)
    return m.os.get("refcnt", 0) if m is not None else 0
