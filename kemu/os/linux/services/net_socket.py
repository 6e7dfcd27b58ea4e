"""The socket-family registry and the RTNL lock as modules see them (net/socket.c,
net/core/rtnetlink.c in Linux 6.1):

* `sock_register` / `sock_unregister`: one `struct net_proto_family` per address family;
  a family at or past NPROTO is refused with -ENOBUFS (after a critical message), a family
  already taken with -EEXIST; the kernel prints "NET: Registered ... protocol family" either
  way, and "Unregistered" when a family goes. A module's families go with it.
* `rtnl_lock` / `rtnl_unlock` / `rtnl_trylock` / `rtnl_is_locked`: the routing netlink
  mutex, held by at most one caller; kemu runs one CPU, so taking it while held is a
  deadlock the kernel would hang in, reported here as a WARN instead of a hang. Releasing it
  runs the `rtnl_unlock_hooks` (netdev_run_todo: net_device_register.py).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("net_socket")

#: pf_family_names[] of net/socket.c, indexed by address family (include/linux/socket.h)
PF_FAMILY_NAMES = (
    "PF_UNSPEC", "PF_UNIX/PF_LOCAL", "PF_INET", "PF_AX25", "PF_IPX", "PF_APPLETALK",
    "PF_NETROM", "PF_BRIDGE", "PF_ATMPVC", "PF_X25", "PF_INET6", "PF_ROSE", "PF_DECnet",
    "PF_NETBEUI", "PF_SECURITY", "PF_KEY", "PF_NETLINK", "PF_PACKET", "PF_ASH", "PF_ECONET",
    "PF_ATMSVC", "PF_RDS", "PF_SNA", "PF_IRDA", "PF_PPPOX", "PF_WANPIPE", "PF_LLC", "PF_IB",
    "PF_MPLS", "PF_CAN", "PF_TIPC", "PF_BLUETOOTH", "PF_IUCV", "PF_RXRPC", "PF_ISDN",
    "PF_PHONET", "PF_IEEE802154", "PF_CAIF", "PF_ALG", "PF_NFC", "PF_VSOCK", "PF_KCM",
    "PF_QIPCRTR", "PF_SMC", "PF_XDP", "PF_MCTP",
)
#: NPROTO = AF_MAX in 6.1
NPROTO = len(PF_FAMILY_NAMES)
#: families Debian's 6.1 kernel registers itself at boot (CONFIG_UNIX=y, CONFIG_INET=y, netlink);
#: the value stands for the kernel's own struct net_proto_family
BUILTIN_FAMILIES = {1: 0, 2: 0, 16: 0}


def net_families(k) -> dict[int, int]:
    """Address family -> struct net_proto_family address (net_families[] of net/socket.c)."""
    linux = k.linux
    if not hasattr(linux, "net_families"):
        linux.net_families = dict(BUILTIN_FAMILIES)
    return linux.net_families


@table.service("int sock_register(const struct net_proto_family *ops)", needs_call=True)
def sock_register(k, ops: int, call=None) -> int:
    """Add a socket family: -ENOBUFS past NPROTO, -EEXIST when taken, else 0."""
    family = k.machine.mem.read_u32(ops)              # struct net_proto_family.family, offset 0
    if family >= 0x80000000:
        family -= 1 << 32
    if not 0 <= family < NPROTO:
        k.linux.pr(f"protocol {family} >= NPROTO({NPROTO})", 2)
        return -k.errno.ENOBUFS
    families = net_families(k)
    err = -k.errno.EEXIST if family in families else 0
    if not err:
        families[family] = ops
        module = k.loader.module_at(call.return_address)
        if module is not None:
            module.on_unload(f"socket family {family}",
                             lambda: families.pop(family) if families.get(family) == ops else None)
    k.linux.pr(f"NET: Registered {PF_FAMILY_NAMES[family]} protocol family", 6)
    return err


@table.service("void sock_unregister(int family)")
def sock_unregister(k, family: int) -> None:
    """Remove a socket family (the kernel BUGs on a family outside 0..NPROTO-1: a WARN here)."""
    if family >= 0x80000000:
        family -= 1 << 32
    if not 0 <= family < NPROTO:
        k.linux.pr(f"kernel BUG: sock_unregister of family {family} outside 0..{NPROTO - 1}", 4)
        k.linux.add_taint("W")
        return
    net_families(k).pop(family, None)
    k.linux.pr(f"NET: Unregistered {PF_FAMILY_NAMES[family]} protocol family", 6)


def _rtnl(k) -> list[int]:
    """[depth] of the RTNL mutex (0 free, 1 held)."""
    linux = k.linux
    if not hasattr(linux, "rtnl_state"):
        linux.rtnl_state = [0]
    return linux.rtnl_state


@table.service("void rtnl_lock(void)")
def rtnl_lock(k) -> None:
    """Take the RTNL mutex; taking it again on the one CPU would hang the kernel: WARN."""
    state = _rtnl(k)
    if state[0]:
        k.linux.pr("WARNING: possible recursive locking detected: rtnl_mutex taken twice", 4)
        k.linux.add_taint("W")
        return
    state[0] = 1


@table.service("int rtnl_trylock(void)")
def rtnl_trylock(k) -> int:
    """Take the RTNL mutex if free: 1 taken, 0 held already."""
    state = _rtnl(k)
    if state[0]:
        return 0
    state[0] = 1
    return 1


@table.service("void rtnl_unlock(void)")
def rtnl_unlock(k) -> None:
    """Release the RTNL mutex (releasing it unheld is the kernel's mutex-debug WARN)."""
    state = _rtnl(k)
    if not state[0]:
        k.linux.pr("WARNING: bad unlock balance detected: rtnl_mutex released unheld", 4)
        k.linux.add_taint("W")
        return
    state[0] = 0
    for hook in list(k.linux.__dict__.get("rtnl_unlock_hooks", ())):
        hook()


@table.service("int rtnl_is_locked(void)")
def rtnl_is_locked(k) -> int:
    """1 while the RTNL mutex is held."""
    return _rtnl(k)[0]
