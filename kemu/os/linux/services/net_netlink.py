"""Kernel-side netlink sockets as modules see them (net/netlink/af_netlink.c in Linux 6.1).

`__netlink_kernel_create` (what the netlink_kernel_create() inline calls with THIS_MODULE)
gives the subsystem its kernel socket for a protocol unit in a namespace; a unit outside
0..MAX_LINKS-1 gets NULL, and so does a unit that already has a kernel socket in that
namespace (its port 0 is taken: netlink_insert fails). The socket kemu hands out is a zeroed
struct sock (the netlink_sock tail is private to af_netlink.c); its input callback and
multicast group count are remembered. `netlink_kernel_release` gives the unit back and
frees the socket. kemu's one namespace starts with the units Debian's kernel opens at boot
(rtnetlink, sock_diag, SELinux, audit, FIB lookup, uevent, generic netlink).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("net_netlink")

MAX_LINKS = 32
#: NETLINK_ROUTE, NETLINK_SOCK_DIAG, NETLINK_SELINUX, NETLINK_AUDIT, NETLINK_FIB_LOOKUP,
#: NETLINK_KOBJECT_UEVENT, NETLINK_GENERIC: opened by built-in code at boot (0: the kernel's socket)
UNITS_AT_BOOT = {0: 0, 4: 0, 7: 0, 9: 0, 10: 0, 15: 0, 16: 0}


def kernel_sockets(k) -> dict[int, dict]:
    """unit -> {"sock", "input", "groups"} of init_net's kernel netlink sockets."""
    linux = k.linux
    if "netlink_kernel_sockets" not in linux.__dict__:
        linux.__dict__["netlink_kernel_sockets"] = {u: {"sock": s, "input": 0, "groups": 0}
                                                   for u, s in UNITS_AT_BOOT.items()}
    return linux.__dict__["netlink_kernel_sockets"]


@table.service("struct sock *__netlink_kernel_create(struct net *net, int unit, struct module *module, "
               "struct netlink_kernel_cfg *cfg)", needs_call=True)
def __netlink_kernel_create(k, net: int, unit: int, module: int, cfg: int, call=None) -> int:
    """The kernel socket of `unit`, or NULL for a bad unit or one already open."""
    unit = unit - (1 << 32) if unit & 0x80000000 else unit
    if not 0 <= unit < MAX_LINKS:
        return 0
    socks = kernel_sockets(k)
    if unit in socks:
        return 0
    lay, mem = k.linux.layout, k.machine.mem
    sock = k.heap.alloc(lay.size("struct sock"), f"netlink kernel socket {unit}", zero=True)
    groups = input_ = 0
    if cfg:
        groups = mem.read_u32(cfg + lay.offset("struct netlink_kernel_cfg", "groups"))
        input_ = mem.read_ptr(cfg + lay.offset("struct netlink_kernel_cfg", "input"))
    socks[unit] = {"sock": sock, "input": input_, "groups": max(groups, 32)}
    owner = k.loader.module_at(call.return_address) if call is not None else None
    if owner is not None:
        owner.on_unload(f"netlink kernel socket {unit}", lambda: _release(k, sock))
    return sock


def _release(k, sock: int) -> bool:
    socks = kernel_sockets(k)
    unit = next((u for u, s in socks.items() if s["sock"] == sock and sock), None)
    if unit is None:
        return False
    del socks[unit]
    if sock in k.heap:
        k.heap.free(sock)
    return True


@table.service("void netlink_kernel_release(struct sock *sk)")
def netlink_kernel_release(k, sk: int) -> None:
    """Close a kernel netlink socket (NULL ignored, as sock_release of NULL does)."""
    if not sk:
        return
    unit = next((u for u, s in kernel_sockets(k).items() if s["sock"] == sk), None)
    if _release(k, sk):
        for module in k.loader.modules:              # the module that created it, whichever
            module.forget_undo(f"netlink kernel socket {unit}")
