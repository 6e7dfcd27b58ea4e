"""Socket-monitoring handlers as modules see them (net/core/sock_diag.c in Linux 6.1).

`sock_diag_register(hndl)` puts a handler in sock_diag_handlers[hndl->family]: -EINVAL for a
family at or beyond AF_MAX, -EBUSY when the family has one. `sock_diag_unregister` empties the
slot; a handler that is not the one there is the kernel's BUG_ON (a KernelPanic here).
`sock_diag_register_inet_compat(fn)` sets the old inet_diag request handler
(inet_rcv_compat) and `sock_diag_unregister_inet_compat` clears it. The kernel's own
handlers (AF_UNIX's unix_diag, AF_NETLINK's … are modules in Debian) are none at boot.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable
from kemu.kernel.errors import KernelPanic

from .net_registry import Fields, Slots, kernel_state, need
from .owner import owning_module

table = ServiceTable("sock_diag")

AF_MAX = 46


class SockDiag:
    def __init__(self, k) -> None:
        self.k = k
        self.slots = Slots(k, "sock_diag handler")      # family -> struct sock_diag_handler
        self.inet_compat = 0
        self.f = Fields(k, "struct sock_diag_handler")

    @property
    def handlers(self) -> dict[int, int]:
        return self.slots.values


def sock_diag(k) -> SockDiag:
    return kernel_state(k, "sock_diag", SockDiag)


@table.service("int sock_diag_register(const struct sock_diag_handler *hndl)", needs_call=True)
def sock_diag_register(k, hndl: int, call=None) -> int:
    """Install the family's handler: -EINVAL beyond AF_MAX, -EBUSY if it has one."""
    reg = sock_diag(k)
    family = reg.f.u8(need(hndl, "sock_diag_register's hndl"), "family")
    if family >= AF_MAX:
        return -k.errno.EINVAL
    return 0 if reg.slots.claim(family, hndl, call) else -k.errno.EBUSY


@table.service("void sock_diag_unregister(const struct sock_diag_handler *hndl)")
def sock_diag_unregister(k, hndl: int) -> None:
    """Empty the family's slot (BUG if another handler holds it)."""
    reg = sock_diag(k)
    family = reg.f.u8(need(hndl, "sock_diag_unregister's hndl"), "family")
    if family >= AF_MAX:
        return
    if not reg.slots.release(family, hndl):
        raise KernelPanic(f"kernel BUG at net/core/sock_diag.c: sock_diag_unregister: handler "
                          f"{hndl:#x} is not the one registered for family {family}")


@table.service("void sock_diag_register_inet_compat(void *fn)", needs_call=True)
def sock_diag_register_inet_compat(k, fn: int, call=None) -> None:
    """Set the compat inet_diag request handler."""
    reg = sock_diag(k)
    reg.inet_compat = fn
    module = owning_module(k, call)
    if module is not None:
        module.on_unload("sock_diag inet compat", lambda: setattr(reg, "inet_compat", 0)
                         if reg.inet_compat == fn else None)


@table.service("void sock_diag_unregister_inet_compat(void *fn)")
def sock_diag_unregister_inet_compat(k, fn: int) -> None:
    """Clear the compat inet_diag request handler."""
    reg = sock_diag(k)
    reg.inet_compat = 0
    module = k.loader.module_at(fn)
    if module is not None:
        module.forget_undo("sock_diag inet compat")
