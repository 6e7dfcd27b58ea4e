"""The IPsec transform registries as modules see them (net/xfrm/xfrm_state.c, xfrm_input.c,
xfrm_interface_core.c, net/ipv4/xfrm4_protocol.c, net/ipv6/xfrm6_protocol.c in Linux 6.1).

* `xfrm_register_type` / `xfrm_unregister_type`: each address family's afinfo (AF_INET and
  AF_INET6 are built in; others -EAFNOSUPPORT) has one slot per transform protocol (COMP, AH,
  ESP, IPIP, and for IPv6 DSTOPTS, ROUTING, IPV6); a taken slot is -EEXIST, an unknown
  protocol a WARN and -EPROTONOSUPPORT; unregistering a type not in its slot WARNs.
  `xfrm_register_type_offload` likewise, ESP only.
* `xfrm4_protocol_register` / `xfrm6_protocol_register` (and deregister): ESP, AH and IPcomp
  handler chains, highest priority first, linked through `handler->next` in guest memory;
  an equal priority is -EEXIST, another protocol -EINVAL. The first handler of a protocol puts
  the kernel's own receive hook into inet_protos[] / inet6_protos[] (net_inet_protos.py), the
  last one removed takes it out (-EAGAIN when that fails, as in 6.1).
* `xfrm_input_register_afinfo`: xfrm_input_afinfo[is_ipip][family]; the kernel holds the
  plain AF_INET and AF_INET6 ones; -EEXIST when taken, WARN and -EAFNOSUPPORT past AF_INET6;
  unregistering someone else's is -EINVAL.
* `xfrm_register_km` / `xfrm_unregister_km`: the key-manager list; `xfrm_if_register_cb`: the
  one xfrm interface callback pointer.
* `xfrm_state_flush`: kemu keeps no SAs (nothing adds one), so there is nothing to flush:
  -ESRCH as 6.1 says for an empty table; `xfrm_flush_gc`: no SA awaits destruction.
A module that goes without undoing its registrations has them dropped.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .net_inet_protos import inet_protos

table = ServiceTable("net_xfrm")

AF_INET, AF_INET6 = 2, 10
IPPROTO_IPIP, IPPROTO_ROUTING, IPPROTO_IPV6, IPPROTO_ESP, IPPROTO_AH = 4, 43, 41, 50, 51
IPPROTO_DSTOPTS, IPPROTO_COMP = 60, 108
#: the type slots of struct xfrm_state_afinfo (xfrm_register_type's switch)
TYPE_SLOTS = {AF_INET: (IPPROTO_COMP, IPPROTO_AH, IPPROTO_ESP, IPPROTO_IPIP),
              AF_INET6: (IPPROTO_COMP, IPPROTO_AH, IPPROTO_ESP, IPPROTO_IPIP, IPPROTO_DSTOPTS,
                         IPPROTO_ROUTING, IPPROTO_IPV6)}
HANDLED = (IPPROTO_ESP, IPPROTO_AH, IPPROTO_COMP)


class Xfrm:
    def __init__(self, k) -> None:
        self.k = k
        self.types: dict[tuple[str, int, int], int] = {}     # (kind, family, proto) -> type
        self.handlers: dict[tuple[int, int], list[int]] = {(v, p): [] for v in (4, 6) for p in HANDLED}
        self.netproto: dict[tuple[int, int], int] = {}        # the kernel's esp4_protocol & co
        for key in self.handlers:
            obj = k.machine.alloc("kdata", 64, 16)
            k.machine.mem.write(obj, bytes(64))
            self.netproto[key] = obj
        self.input_afinfo: dict[tuple[int, int], int | None] = {(0, AF_INET): None, (0, AF_INET6): None}
        self.km: list[int] = []
        self.if_cb = 0


def xfrm(k) -> Xfrm:
    linux = k.linux
    if "xfrm" not in linux.__dict__:
        linux.__dict__["xfrm"] = Xfrm(k)
    return linux.__dict__["xfrm"]


def _warn(k, what: str) -> None:
    k.linux.pr(f"WARNING: {what}", 4)
    k.linux.add_taint("W")


def _on_unload(k, owner: int, label: str, undo) -> None:
    module = k.loader.module_at(owner)
    if module is not None:
        module.on_unload(label, undo)


def _forget(k, owner: int, label: str) -> None:
    module = k.loader.module_at(owner)
    if module is not None:
        module.forget_undo(label)


def _register_type(k, kind: str, struct: str, typ: int, family: int, slots: dict) -> int:
    if family not in TYPE_SLOTS:
        return -k.errno.EAFNOSUPPORT
    proto = k.machine.mem.read_u8(typ + k.linux.layout.offset(struct, "proto"))
    if proto not in slots[family]:
        _warn(k, f"{kind}: no slot for protocol {proto} in family {family}")
        return -k.errno.EPROTONOSUPPORT
    reg, key = xfrm(k), (kind, family, proto)
    if key in reg.types:
        return -k.errno.EEXIST
    reg.types[key] = typ
    _on_unload(k, typ, f"{kind} {typ:#x}", lambda: reg.types.pop(key) if reg.types.get(key) == typ else None)
    return 0


def _unregister_type(k, kind: str, struct: str, typ: int, family: int, slots: dict) -> None:
    if family not in TYPE_SLOTS:
        return
    proto = k.machine.mem.read_u8(typ + k.linux.layout.offset(struct, "proto"))
    if proto not in slots[family]:
        _warn(k, f"{kind}: no slot for protocol {proto} in family {family}")
        return
    reg, key = xfrm(k), (kind, family, proto)
    if reg.types.get(key) != typ:
        _warn(k, f"{kind}: {typ:#x} is not the registered type for protocol {proto}")
    reg.types.pop(key, None)
    _forget(k, typ, f"{kind} {typ:#x}")


@table.service("int xfrm_register_type(const struct xfrm_type *type, unsigned short family)")
def xfrm_register_type(k, typ: int, family: int) -> int:
    """Fill the family's slot for type->proto: 0, -EEXIST, -EAFNOSUPPORT or -EPROTONOSUPPORT."""
    return _register_type(k, "xfrm_type", "struct xfrm_type", typ, family & 0xFFFF, TYPE_SLOTS)


@table.service("void xfrm_unregister_type(const struct xfrm_type *type, unsigned short family)")
def xfrm_unregister_type(k, typ: int, family: int) -> None:
    """Empty the family's slot for type->proto (WARN when it held another type)."""
    _unregister_type(k, "xfrm_type", "struct xfrm_type", typ, family & 0xFFFF, TYPE_SLOTS)


_OFFLOAD_SLOTS = {AF_INET: (IPPROTO_ESP,), AF_INET6: (IPPROTO_ESP,)}


@table.service("int xfrm_register_type_offload(const struct xfrm_type_offload *type, unsigned short family)")
def xfrm_register_type_offload(k, typ: int, family: int) -> int:
    """The family's ESP offload slot: 0, -EEXIST, or WARN and -EPROTONOSUPPORT for another protocol."""
    return _register_type(k, "xfrm_type_offload", "struct xfrm_type_offload", typ, family & 0xFFFF,
                          _OFFLOAD_SLOTS)


@table.service("void xfrm_unregister_type_offload(const struct xfrm_type_offload *type, unsigned short family)")
def xfrm_unregister_type_offload(k, typ: int, family: int) -> None:
    """Empty the family's ESP offload slot."""
    _unregister_type(k, "xfrm_type_offload", "struct xfrm_type_offload", typ, family & 0xFFFF,
                     _OFFLOAD_SLOTS)


def _relink(k, version: int, chain: list[int]) -> None:
    """Write each handler's `next` as the chain now stands (the last one's NULL)."""
    off = k.linux.layout.offset(f"struct xfrm{version}_protocol", "next")
    for h, nxt in zip(chain, chain[1:] + [0]):
        k.machine.mem.write_ptr(h + off, nxt)


def _netproto_array(version: int) -> str:
    return "inet_protos" if version == 4 else "inet6_protos"


def _protocol_register(k, version: int, handler: int, protocol: int) -> int:
    protocol &= 0xFF
    reg = xfrm(k)
    chain = reg.handlers.get((version, protocol))
    if chain is None:
        return -k.errno.EINVAL
    off = k.linux.layout.offset(f"struct xfrm{version}_protocol", "priority")
    prio = k.machine.mem.read_int(handler + off, 4, signed=True)
    add_netproto = not chain
    at = len(chain)
    for i, other in enumerate(chain):
        other_prio = k.machine.mem.read_int(other + off, 4, signed=True)
        if other_prio < prio:
            at = i
            break
        if other_prio == prio:
            return -k.errno.EEXIST
    chain.insert(at, handler)
    _relink(k, version, chain)
    _on_unload(k, handler, f"xfrm{version} handler {handler:#x}", lambda: _drop_handler(k, version, protocol, handler))
    if add_netproto:
        netproto = reg.netproto[(version, protocol)]
        if inet_protos(k).cmpxchg(_netproto_array(version), protocol, 0, netproto, 0):
            k.linux.pr(f"xfrm{version}_protocol_register: can't add protocol", 3)
            return -k.errno.EAGAIN
    return 0


def _drop_handler(k, version: int, protocol: int, handler: int) -> int:
    """Unlink `handler`; with the chain empty, take the kernel's hook out of the protocol array.
    0, -ENOENT when not on the chain, -EAGAIN when the hook could not be removed."""
    reg = xfrm(k)
    chain = reg.handlers[(version, protocol)]
    ret = -k.errno.ENOENT
    if handler in chain:
        chain.remove(handler)
        _relink(k, version, chain)
        ret = 0
    if not chain:
        netproto = reg.netproto[(version, protocol)]
        if inet_protos(k).cmpxchg(_netproto_array(version), protocol, netproto, 0, 0) < 0:
            k.linux.pr(f"xfrm{version}_protocol_deregister: can't remove protocol", 3)
            ret = -k.errno.EAGAIN
    return ret


def _protocol_deregister(k, version: int, handler: int, protocol: int) -> int:
    protocol &= 0xFF
    if (version, protocol) not in xfrm(k).handlers:
        return -k.errno.EINVAL
    ret = _drop_handler(k, version, protocol, handler)
    _forget(k, handler, f"xfrm{version} handler {handler:#x}")
    return ret


@table.service("int xfrm4_protocol_register(struct xfrm4_protocol *handler, unsigned char protocol)")
def xfrm4_protocol_register(k, handler: int, protocol: int) -> int:
    """Join the IPv4 ESP/AH/IPcomp handler chain by priority."""
    return _protocol_register(k, 4, handler, protocol)


@table.service("int xfrm4_protocol_deregister(struct xfrm4_protocol *handler, unsigned char protocol)")
def xfrm4_protocol_deregister(k, handler: int, protocol: int) -> int:
    """Leave the IPv4 handler chain (-ENOENT if not on it)."""
    return _protocol_deregister(k, 4, handler, protocol)


@table.service("int xfrm6_protocol_register(struct xfrm6_protocol *handler, unsigned char protocol)")
def xfrm6_protocol_register(k, handler: int, protocol: int) -> int:
    """Join the IPv6 ESP/AH/IPcomp handler chain by priority."""
    return _protocol_register(k, 6, handler, protocol)


@table.service("int xfrm6_protocol_deregister(struct xfrm6_protocol *handler, unsigned char protocol)")
def xfrm6_protocol_deregister(k, handler: int, protocol: int) -> int:
    """Leave the IPv6 handler chain (-ENOENT if not on it)."""
    return _protocol_deregister(k, 6, handler, protocol)


def _afinfo_key(k, afinfo: int) -> tuple[int, int]:
    lay, mem, s = k.linux.layout, k.machine.mem, "struct xfrm_input_afinfo"
    return (1 if mem.read_u8(afinfo + lay.offset(s, "is_ipip")) else 0,
            mem.read_int(afinfo + lay.offset(s, "family"), lay.field_size(s, "family")))


@table.service("int xfrm_input_register_afinfo(const struct xfrm_input_afinfo *afinfo)")
def xfrm_input_register_afinfo(k, afinfo: int) -> int:
    """Fill xfrm_input_afinfo[is_ipip][family]: 0, -EEXIST, or WARN and -EAFNOSUPPORT."""
    key = _afinfo_key(k, afinfo)
    if key[1] > AF_INET6:
        _warn(k, f"xfrm_input_register_afinfo: family {key[1]} > AF_INET6")
        return -k.errno.EAFNOSUPPORT
    slots = xfrm(k).input_afinfo
    if key in slots:
        return -k.errno.EEXIST
    slots[key] = afinfo
    _on_unload(k, afinfo, f"xfrm input afinfo {afinfo:#x}",
               lambda: slots.pop(key) if slots.get(key) == afinfo else None)
    return 0


@table.service("int xfrm_input_unregister_afinfo(const struct xfrm_input_afinfo *afinfo)")
def xfrm_input_unregister_afinfo(k, afinfo: int) -> int:
    """Empty the slot: 0, or -EINVAL when it holds another afinfo."""
    key = _afinfo_key(k, afinfo)
    slots = xfrm(k).input_afinfo
    if key in slots:
        if slots[key] != afinfo:
            return -k.errno.EINVAL
        del slots[key]
        _forget(k, afinfo, f"xfrm input afinfo {afinfo:#x}")
    return 0


@table.service("int xfrm_register_km(struct xfrm_mgr *km)")
def xfrm_register_km(k, km: int) -> int:
    """Append a key manager to xfrm_km_list."""
    lst = xfrm(k).km
    if km in lst:
        k.linux.pr(f"list_add double add: new={km:#x} (xfrm_mgr registered twice)", 4)
        k.linux.add_taint("W")
        return 0
    lst.append(km)
    _on_unload(k, km, f"xfrm km {km:#x}", lambda: lst.remove(km) if km in lst else None)
    return 0


@table.service("int xfrm_unregister_km(struct xfrm_mgr *km)")
def xfrm_unregister_km(k, km: int) -> int:
    """Take a key manager off xfrm_km_list."""
    lst = xfrm(k).km
    if km not in lst:
        k.linux.pr(f"list_del corruption: xfrm_mgr {km:#x} is not registered", 4)
        k.linux.add_taint("W")
        return 0
    lst.remove(km)
    _forget(k, km, f"xfrm km {km:#x}")
    return 0


@table.service("void xfrm_if_register_cb(const struct xfrm_if_cb *ifcb)")
def xfrm_if_register_cb(k, ifcb: int) -> None:
    """Set the xfrm interface lookup callback (xfrm_if_cb)."""
    reg = xfrm(k)
    reg.if_cb = ifcb

    def drop() -> None:
        if reg.if_cb == ifcb:
            reg.if_cb = 0
    _on_unload(k, ifcb, "xfrm_if_cb", drop)


@table.service("void xfrm_if_unregister_cb(void)")
def xfrm_if_unregister_cb(k) -> None:
    """Clear the xfrm interface callback."""
    reg = xfrm(k)
    if reg.if_cb:
        _forget(k, reg.if_cb, "xfrm_if_cb")
    reg.if_cb = 0


@table.service("int xfrm_state_flush(struct net *net, u8 proto, bool task_valid)")
def xfrm_state_flush(k, net: int, proto: int, task_valid: int) -> int:
    """Delete the namespace's SAs of `proto` (0: all). kemu's SA table is always empty (no
    service adds an SA), so none is deleted: -ESRCH, as 6.1 returns when nothing matched."""
    return -k.errno.ESRCH


@table.service("void xfrm_flush_gc(void)")
def xfrm_flush_gc(k) -> None:
    """Wait for the SA garbage collector: with no SA ever deleted nothing is pending."""
