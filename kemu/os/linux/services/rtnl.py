"""The rtnetlink registries as modules see them (net/core/rtnetlink.c in Linux 6.1).

* Link kinds (`ip link add … type KIND`): `rtnl_link_register` refuses a maxtype above
  RTNL_MAX_TYPE or a slave_maxtype above RTNL_SLAVE_MAX_TYPE (WARN, -EINVAL);
  `__rtnl_link_register` refuses a kind already on link_ops (-EEXIST), gives an ops that can
  make devices (alloc or setup) but has no dellink the default unregister_netdevice_queue,
  and links it at the tail. `(__)rtnl_link_unregister` destroys the kind's devices in every
  namespace and unlinks it; kemu has no net_device yet, so there are none to destroy.
* Message handlers: rtnl_msg_handlers[protocol] is a table of RTM_NR_MSGTYPES entries
  (protocol 0..RTNL_FAMILY_MAX, msgtype RTM_BASE..RTM_MAX, else a kernel BUG), each entry an
  owner, doit, dumpit and flags. `rtnl_register_module` fills one in (a second doit/dumpit
  different from the first WARNs, as does a different owner); `rtnl_unregister` empties one
  (-ENOENT if empty); `rtnl_unregister_all` drops the family's table;
  `__rtnl_register_many` registers an array, undoing it on the first failure, and
  `__rtnl_unregister_many` unregisters one in reverse.
* Address-family ops: `rtnl_af_register` / `rtnl_af_unregister` add to and remove from
  rtnl_af_ops.
The kernel registers its own PF_UNSPEC/PF_INET/PF_INET6/PF_BRIDGE handlers at boot; they are
not modelled, so a module's entry there starts from empty.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable
from kemu.kernel.errors import KernelPanic

from .net_registry import Fields, OpsList, kernel_state, list_del_corruption, need, signed32, warn
from .owner import owning_module

table = ServiceTable("rtnl")

RTNL_MAX_TYPE = 50
RTNL_SLAVE_MAX_TYPE = 40             # 6.1 mainline (raised to 42 in later releases)
RTNL_FAMILY_MAX = 129
RTM_BASE = 16
RTM_MAX = 123                      # ((__RTM_MAX + 3) & ~3) - 1, __RTM_MAX = RTM_GETTUNNEL + 1
RTM_NR_MSGTYPES = RTM_MAX + 1 - RTM_BASE
RTNL_KIND_MASK = 3
RTNL_KIND_DEL = 1
RTNL_FLAG_BULK_DEL_SUPPORTED = 2


class MsgHandler:
    """One struct rtnl_link of rtnl_msg_handlers[protocol][msgindex]."""

    def __init__(self) -> None:
        self.owner = 0
        self.doit = 0
        self.dumpit = 0
        self.flags = 0


class Rtnl:
    """link_ops, rtnl_msg_handlers and rtnl_af_ops."""

    def __init__(self, k) -> None:
        self.k = k
        self.link_ops = OpsList(k, "rtnl_link_ops")
        self.af_ops = OpsList(k, "rtnl_af_ops")
        self.handlers: dict[int, dict[int, MsgHandler]] = {}     # protocol -> msgindex -> entry
        self.link = Fields(k, "struct rtnl_link_ops")

    def kinds(self) -> list[str]:
        return [self.link.string(o, "kind") for o in self.link_ops]

    def handler(self, protocol: int, msgtype: int) -> MsgHandler | None:
        return self.handlers.get(protocol, {}).get(msgtype - RTM_BASE)


def rtnl(k) -> Rtnl:
    return kernel_state(k, "rtnl", Rtnl)


# --- link kinds ----------------------------------------------------------------------------------
def _link_register(k, ops: int, call) -> int:
    reg = rtnl(k)
    f = reg.link
    kind = f.string(need(ops, "rtnl_link_register's ops"), "kind", 64)
    if kind in reg.kinds():
        return -k.errno.EEXIST
    if (f.ptr(ops, "alloc") or f.ptr(ops, "setup")) and not f.ptr(ops, "dellink"):
        dellink = k.symbols.lookup("unregister_netdevice_queue") or 0
        f.set_ptr(ops, "dellink", dellink)
    reg.link_ops.add(ops, call)
    return 0


def _link_unregister(k, ops: int) -> None:
    if not rtnl(k).link_ops.remove(ops):
        list_del_corruption(k, "rtnl_link_ops", ops)


@table.service("int rtnl_link_register(struct rtnl_link_ops *ops)", needs_call=True)
def rtnl_link_register(k, ops: int, call=None) -> int:
    """Register a link kind under the RTNL (-EINVAL for oversized attribute tables, -EEXIST)."""
    f = rtnl(k).link
    need(ops, "rtnl_link_register's ops")
    if f.u32(ops, "maxtype") > RTNL_MAX_TYPE or f.u32(ops, "slave_maxtype") > RTNL_SLAVE_MAX_TYPE:
        warn(k, f"rtnl_link_register: {f.string(ops, 'kind')}: maxtype too large")
        return -k.errno.EINVAL
    return _link_register(k, ops, call)


@table.service("int __rtnl_link_register(struct rtnl_link_ops *ops)", needs_call=True)
def __rtnl_link_register(k, ops: int, call=None) -> int:
    """Register a link kind, the caller holding the RTNL (-EEXIST)."""
    return _link_register(k, ops, call)


@table.service("void rtnl_link_unregister(struct rtnl_link_ops *ops)")
def rtnl_link_unregister(k, ops: int) -> None:
    """Destroy the kind's devices (none: kemu has no net_device yet) and unlink it."""
    _link_unregister(k, ops)


@table.service("void __rtnl_link_unregister(struct rtnl_link_ops *ops)")
def __rtnl_link_unregister(k, ops: int) -> None:
    """As rtnl_link_unregister, the caller holding the RTNL."""
    _link_unregister(k, ops)


# --- message handlers ----------------------------------------------------------------------------
def _check(protocol: int, msgtype: int) -> int:
    if not 0 <= protocol <= RTNL_FAMILY_MAX:
        raise KernelPanic(f"kernel BUG at net/core/rtnetlink.c: rtnl_register: protocol {protocol} "
                          f"out of 0..{RTNL_FAMILY_MAX}")
    index = msgtype - RTM_BASE
    if not 0 <= index < RTM_NR_MSGTYPES:
        raise KernelPanic(f"kernel BUG at net/core/rtnetlink.c: rtm_msgindex: msgtype {msgtype} "
                          f"out of {RTM_BASE}..{RTM_MAX}")
    return index


def _register(k, owner: int, protocol: int, msgtype: int, doit: int, dumpit: int, flags: int,
              call) -> int:
    protocol, msgtype = signed32(protocol), signed32(msgtype)
    index = _check(protocol, msgtype)
    reg = rtnl(k)
    tab = reg.handlers.setdefault(protocol, {})
    link = tab.setdefault(index, MsgHandler())
    if link.owner and link.owner != owner:
        warn(k, f"rtnl_register_internal: {protocol}:{msgtype} owned by another module")
    link.owner = owner
    for name, fn in (("doit", doit), ("dumpit", dumpit)):
        if fn and getattr(link, name) and getattr(link, name) != fn:
            warn(k, f"rtnl_register_internal: {protocol}:{msgtype} has another {name}")
        if fn:
            setattr(link, name, fn)
    if (msgtype & RTNL_KIND_MASK) != RTNL_KIND_DEL and flags & RTNL_FLAG_BULK_DEL_SUPPORTED:
        warn(k, f"rtnl_register_internal: bulk delete on {protocol}:{msgtype}, not a DEL message")
    link.flags |= flags
    module = owning_module(k, call, owner)
    if module is not None:
        module.on_unload(f"rtnl handler {protocol}:{msgtype}", lambda: _drop(k, protocol, index))
    return 0


def _drop(k, protocol: int, index: int) -> bool:
    tab = rtnl(k).handlers.get(protocol)
    if not tab or index not in tab:
        return False
    del tab[index]
    return True


def _forget(k, protocol: int, msgtype: int, owner: int) -> None:
    module = k.linux.module_by_struct(owner) if owner else None
    if module is not None:
        module.forget_undo(f"rtnl handler {protocol}:{msgtype}")


def _unregister(k, protocol: int, msgtype: int) -> int:
    protocol, msgtype = signed32(protocol), signed32(msgtype)
    index = _check(protocol, msgtype)
    link = rtnl(k).handler(protocol, msgtype)
    if link is None or not _drop(k, protocol, index):
        return -k.errno.ENOENT
    _forget(k, protocol, msgtype, link.owner)
    return 0


@table.service("int rtnl_register_module(struct module *owner, int protocol, int msgtype, "
               "void *doit, void *dumpit, unsigned int flags)", needs_call=True)
def rtnl_register_module(k, owner: int, protocol: int, msgtype: int, doit: int, dumpit: int,
                         flags: int, call=None) -> int:
    """Install a module's doit/dumpit for protocol:msgtype."""
    return _register(k, owner, protocol, msgtype, doit, dumpit, flags, call)


@table.service("int rtnl_unregister(int protocol, int msgtype)")
def rtnl_unregister(k, protocol: int, msgtype: int) -> int:
    """Remove the handler of protocol:msgtype (-ENOENT if there is none)."""
    return _unregister(k, protocol, msgtype)


@table.service("void rtnl_unregister_all(int protocol)")
def rtnl_unregister_all(k, protocol: int) -> None:
    """Drop every handler of a protocol family (its whole table)."""
    protocol = signed32(protocol)
    if not 0 <= protocol <= RTNL_FAMILY_MAX:
        raise KernelPanic(f"kernel BUG at net/core/rtnetlink.c: rtnl_unregister_all: protocol {protocol}")
    tab = rtnl(k).handlers.pop(protocol, {})
    for index, link in tab.items():
        _forget(k, protocol, index + RTM_BASE, link.owner)


def _msg_handlers(k, handlers: int, n: int):
    f = Fields(k, "struct rtnl_msg_handler")
    size = k.linux.layout.size("struct rtnl_msg_handler")
    for i in range(max(signed32(n), 0)):
        h = handlers + i * size
        yield (f.ptr(h, "owner"), f.s32(h, "protocol"), f.s32(h, "msgtype"), f.ptr(h, "doit"),
               f.ptr(h, "dumpit"), f.u32(h, "flags"))


@table.service("int __rtnl_register_many(const struct rtnl_msg_handler *handlers, int n)", needs_call=True)
def __rtnl_register_many(k, handlers: int, n: int, call=None) -> int:
    """Register n handlers; on a failure the ones done are unregistered and the error returned."""
    done = []
    for owner, protocol, msgtype, doit, dumpit, flags in _msg_handlers(k, need(handlers, "handlers"), n):
        err = _register(k, owner, protocol, msgtype, doit, dumpit, flags, call)
        if err:
            for p, m in reversed(done):
                _unregister(k, p, m)
            return err
        done.append((protocol, msgtype))
    return 0


@table.service("void __rtnl_unregister_many(const struct rtnl_msg_handler *handlers, int n)")
def __rtnl_unregister_many(k, handlers: int, n: int) -> None:
    """Unregister n handlers, last first."""
    for _owner, protocol, msgtype, *_ in reversed(list(_msg_handlers(k, need(handlers, "handlers"), n))):
        _unregister(k, protocol, msgtype)


# --- address-family ops --------------------------------------------------------------------------
@table.service("void rtnl_af_register(struct rtnl_af_ops *ops)", needs_call=True)
def rtnl_af_register(k, ops: int, call=None) -> None:
    """Add per-address-family link attribute ops to rtnl_af_ops."""
    rtnl(k).af_ops.add(need(ops, "rtnl_af_register's ops"), call)


@table.service("void rtnl_af_unregister(struct rtnl_af_ops *ops)")
def rtnl_af_unregister(k, ops: int) -> None:
    """Remove them (list_del)."""
    if not rtnl(k).af_ops.remove(ops):
        list_del_corruption(k, "rtnl_af_ops", ops)
