"""NMI handler lists (arch/x86/kernel/nmi.c, 6.1): register_nmi_handler puts a struct
nmiaction on the list of its NMI type (NMI_LOCAL, NMI_UNKNOWN, NMI_SERR, NMI_IO_CHECK);
an NMI of that type runs every handler on it.

* __register_nmi_handler refuses (WARN, -EINVAL) an action without a handler or one whose
  list_head is not empty (already on a list); NMI_FLAG_FIRST puts it at the front, else at
  the end. SERR and IO_CHECK expect a single handler: a second one only warns.
* unregister_nmi_handler takes off the first action of that type whose name matches
  (strcmp), then waits for an RCU grace period and re-initialises its list_head; an
  unknown name does nothing.

kemu raises no NMIs, so nobody runs the handlers; the lists are kept in kernel memory as the
kernel keeps them, and an action a module leaves registered is taken off and reported at its
unload (the real kernel would later call into freed code).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import list_empty
from ..registry import Registry, pointed_name
from .owner import owning_module
from .rcu_callbacks import rcu

table = ServiceTable("nmi_handlers")

STRUCT = "struct nmiaction"
NMI_TYPES = ("NMI_LOCAL", "NMI_UNKNOWN", "NMI_SERR", "NMI_IO_CHECK")
NMI_SERR, NMI_IO_CHECK = 2, 3
NMI_FLAG_FIRST = 1


def nmi_list(k, nmi_type: int) -> Registry:
    """The handler list of one NMI type (made on first use)."""
    lists = k.linux.__dict__.setdefault("nmi_lists", {})
    if nmi_type not in lists:
        lists[nmi_type] = Registry(k, f"{NMI_TYPES[nmi_type]} NMI handler", STRUCT, "list",
                                   pointed_name(k, STRUCT, "name"))
    return lists[nmi_type]


def _off(k, field: str) -> int:
    return k.linux.layout.offset(STRUCT, field)


def _warn(k, text: str) -> None:
    k.linux.pr(f"WARNING: {text}", 4)


def _check_type(k, nmi_type: int, what: str) -> None:
    if nmi_type >= len(NMI_TYPES):
        # nmi_to_desc indexes nmi_desc[] with it: past the array is a wild access
        from kemu.kernel import KernelPanic
        raise KernelPanic(f"BUG: {what}: NMI type {nmi_type} beyond NMI_MAX")


@table.service("int __register_nmi_handler(unsigned int type, struct nmiaction *action)", needs_call=True)
def __register_nmi_handler(k, nmi_type: int, action: int, call=None) -> int:
    """Put `action` on its type's list (front for NMI_FLAG_FIRST); -EINVAL with a warning for
    no handler or an action already on a list."""
    _check_type(k, nmi_type, "register_nmi_handler")
    mem = k.machine.mem
    if not mem.read_ptr(action + _off(k, "handler")) or not list_empty(k, action + _off(k, "list")):
        _warn(k, "__register_nmi_handler: action without handler or already registered")
        return -k.linux.errno.EINVAL
    handlers = nmi_list(k, nmi_type)
    if nmi_type in (NMI_SERR, NMI_IO_CHECK) and handlers.entries:
        _warn(k, f"__register_nmi_handler: second {NMI_TYPES[nmi_type]} handler")
    first = bool(mem.read_ptr(action + _off(k, "flags")) & NMI_FLAG_FIRST)
    handlers.add(action, owning_module(k, call), first=first)
    return 0


@table.service("void unregister_nmi_handler(unsigned int type, const char *name)")
def unregister_nmi_handler(k, nmi_type: int, name: int) -> None:
    """Take the named action off its type's list, after a grace period its list_head is
    empty again; nothing when no action has that name."""
    _check_type(k, nmi_type, "unregister_nmi_handler")
    handlers = nmi_list(k, nmi_type)
    found = handlers.find(k.read_str(name, 128).decode("latin-1"))
    if found is not None:
        handlers.remove(found)
        rcu(k).grace_period("unregister_nmi_handler")
