"""The IP protocol-handler tables as modules see them (net/ipv4/protocol.c, net/ipv6/protocol.c,
net/ipv4/af_inet.c, net/ipv6/af_inet6.c, net/core/gro.c in Linux 6.1).

* `inet_add_protocol` / `inet_del_protocol`, `inet6_*_protocol`, `inet_*_offload`,
  `inet6_*_offload`: one pointer per IP protocol number in the exported arrays inet_protos[],
  inet6_protos[], inet_offloads[], inet6_offloads[] (kemu's zeroed data exports, so a module
  reading them inline sees what the services wrote). Adding is cmpxchg(slot, NULL, prot) and
  deleting cmpxchg(slot, prot, NULL): 0 on success, -1 when the slot holds something else.
  The handlers Debian's kernel registers itself at boot (ICMP, IGMP, TCP, UDP, UDP-Lite; the
  IPv6 extension headers…) sit in their slots as kernel-owned stand-in objects.
* `dev_add_offload` / `dev_remove_offload`: packet_offload joins offload_base ordered by
  priority; removing one not there is 6.1's "dev_remove_offload: %p not found" warning.
* `inet_register_protosw` / `inet6_register_protosw` (and unregister): the inetsw[] /
  inetsw6[] lists per socket type; permanent entries (TCP, UDP, UDP-Lite) come first and
  cannot be overridden or unregistered; a type >= SOCK_MAX is refused ("invalid socket type").
  The IPv6 one returns -EINVAL / -EPERM where the IPv4 one (void) only logs.
* `ipv6_mod_enabled`: true, IPv6 is built into Debian's kernel and not disabled.
A module that goes without undoing its registrations has them dropped.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable


table = ServiceTable("net_inet_protos")

MAX_INET_PROTOS = 256
SOCK_MAX = 11                       # SOCK_PACKET + 1
INET_PROTOSW_PERMANENT = 0x02
IPPROTO = {"IP": 0, "ICMP": 1, "IGMP": 2, "IPIP": 4, "TCP": 6, "UDP": 17, "IPV6": 41, "ROUTING": 43,
           "FRAGMENT": 44, "GRE": 47, "ICMPV6": 58, "NONE": 59, "DSTOPTS": 60, "UDPLITE": 136}
#: slots the kernel fills at boot (inet_init, ipv6 built in: af_inet6.c, exthdrs.c, *_offload.c)
BUILTIN_SLOTS = {
    "inet_protos": ("ICMP", "IGMP", "TCP", "UDP", "UDPLITE"),
    "inet6_protos": ("TCP", "UDP", "UDPLITE", "ICMPV6", "ROUTING", "FRAGMENT", "DSTOPTS", "NONE"),
    "inet_offloads": ("TCP", "UDP", "GRE", "IPIP", "IPV6"),
    "inet6_offloads": ("TCP", "UDP", "ROUTING", "DSTOPTS", "IPV6", "IPIP"),
}
#: inetsw_array / inetsw6_array: (socket type, protocol, permanent)
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW = 1, 2, 3
BUILTIN_PROTOSW = {
    4: ((SOCK_STREAM, 6, True), (SOCK_DGRAM, 17, True), (SOCK_DGRAM, 136, True),
        (SOCK_DGRAM, 1, False), (SOCK_RAW, 0, False)),
    6: ((SOCK_STREAM, 6, True), (SOCK_DGRAM, 17, True), (SOCK_DGRAM, 136, True),
        (SOCK_RAW, 0, False), (SOCK_DGRAM, 58, False)),
}


class InetProtos:
    """The four protocol arrays (in guest memory), offload_base and the protosw lists."""

    def __init__(self, k) -> None:
        self.k = k
        word = k.machine.word_size
        self.arrays: dict[str, int] = {}
        for name, builtins in BUILTIN_SLOTS.items():
            addr = k.linux.data.get(name)
            if addr is None:                     # not exported by this release: private memory
                addr = k.machine.alloc("kdata", MAX_INET_PROTOS * word, 16)
                k.machine.mem.write(addr, bytes(MAX_INET_PROTOS * word))
            self.arrays[name] = addr
            for proto in builtins:
                stand_in = k.machine.alloc("kdata", 64, 16)   # the kernel's own struct
                k.machine.mem.write(stand_in, bytes(64))
                k.machine.mem.write_ptr(addr + IPPROTO[proto] * word, stand_in)
        self.offloads: list[int] = []            # packet_offload, by priority
        # protosw lists per family and socket type: entries are (protocol, permanent, struct or None)
        self.protosw: dict[int, dict[int, list[tuple[int, bool, int | None]]]] = {
            fam: {t: [] for t in range(SOCK_MAX)} for fam in BUILTIN_PROTOSW}
        for fam, rows in BUILTIN_PROTOSW.items():
            for type_, proto, perm in rows:
                self.protosw[fam][type_].append((proto, perm, None))

    def slot(self, array: str, protocol: int) -> int:
        return self.arrays[array] + (protocol & 0xFF) * self.k.machine.word_size

    def cmpxchg(self, array: str, protocol: int, old: int, new: int, owner: int) -> int:
        """0 if the slot held `old` and now holds `new`, else -1 (the slot untouched)."""
        mem, slot = self.k.machine.mem, self.slot(array, protocol)
        if mem.read_ptr(slot) != old:
            return -1
        mem.write_ptr(slot, new)
        label = f"{array}[{protocol & 0xFF}]"
        module = self.k.loader.module_at(owner)
        if module is not None and new:
            module.on_unload(label, lambda: mem.write_ptr(slot, 0) if mem.read_ptr(slot) == new else None)
        elif module is not None:
            module.forget_undo(label)
        return 0


def inet_protos(k) -> InetProtos:
    linux = k.linux
    if "inet_protos" not in linux.__dict__:
        linux.__dict__["inet_protos"] = InetProtos(k)
    return linux.__dict__["inet_protos"]


def _add(k, array: str, prot: int, protocol: int) -> int:
    return inet_protos(k).cmpxchg(array, protocol, 0, prot, prot)


def _del(k, array: str, prot: int, protocol: int) -> int:
    return inet_protos(k).cmpxchg(array, protocol, prot, 0, prot)


@table.service("int inet_add_protocol(const struct net_protocol *prot, unsigned char protocol)")
def inet_add_protocol(k, prot: int, protocol: int) -> int:
    """Claim inet_protos[protocol]: 0, or -1 when another handler holds it."""
    return _add(k, "inet_protos", prot, protocol)


@table.service("int inet_del_protocol(const struct net_protocol *prot, unsigned char protocol)")
def inet_del_protocol(k, prot: int, protocol: int) -> int:
    """Give inet_protos[protocol] back: 0, or -1 when it does not hold prot."""
    return _del(k, "inet_protos", prot, protocol)


@table.service("int inet6_add_protocol(const struct inet6_protocol *prot, unsigned char protocol)")
def inet6_add_protocol(k, prot: int, protocol: int) -> int:
    """Claim inet6_protos[protocol]: 0, or -1 when taken."""
    return _add(k, "inet6_protos", prot, protocol)


@table.service("int inet6_del_protocol(const struct inet6_protocol *prot, unsigned char protocol)")
def inet6_del_protocol(k, prot: int, protocol: int) -> int:
    """Give inet6_protos[protocol] back: 0, or -1 when it does not hold prot."""
    return _del(k, "inet6_protos", prot, protocol)


@table.service("int inet_add_offload(const struct net_offload *prot, unsigned char protocol)")
def inet_add_offload(k, prot: int, protocol: int) -> int:
    """Claim inet_offloads[protocol]: 0, or -1 when taken."""
    return _add(k, "inet_offloads", prot, protocol)


@table.service("int inet_del_offload(const struct net_offload *prot, unsigned char protocol)")
def inet_del_offload(k, prot: int, protocol: int) -> int:
    """Give inet_offloads[protocol] back: 0, or -1 when it does not hold prot."""
    return _del(k, "inet_offloads", prot, protocol)


@table.service("int inet6_add_offload(const struct net_offload *prot, unsigned char protocol)")
def inet6_add_offload(k, prot: int, protocol: int) -> int:
    """Claim inet6_offloads[protocol]: 0, or -1 when taken."""
    return _add(k, "inet6_offloads", prot, protocol)


@table.service("int inet6_del_offload(const struct net_offload *prot, unsigned char protocol)")
def inet6_del_offload(k, prot: int, protocol: int) -> int:
    """Give inet6_offloads[protocol] back: 0, or -1 when it does not hold prot."""
    return _del(k, "inet6_offloads", prot, protocol)


@table.service("void dev_add_offload(struct packet_offload *po)")
def dev_add_offload(k, po: int) -> None:
    """Insert a packet offload into offload_base before the first of higher priority value."""
    reg = inet_protos(k)
    off = k.linux.layout.offset("struct packet_offload", "priority")
    prio = k.machine.mem.read_int(po + off, 4, signed=True)
    if po in reg.offloads:
        k.linux.pr(f"list_add double add: new={po:#x} (packet_offload added twice)", 4)
        k.linux.add_taint("W")
        return
    at = next((i for i, other in enumerate(reg.offloads)
               if prio < k.machine.mem.read_int(other + off, 4, signed=True)), len(reg.offloads))
    reg.offloads.insert(at, po)
    module = k.loader.module_at(po)
    if module is not None:
        module.on_unload(f"packet offload {po:#x}", lambda: reg.offloads.remove(po) if po in reg.offloads else None)


@table.service("void dev_remove_offload(struct packet_offload *po)")
def dev_remove_offload(k, po: int) -> None:
    """Take a packet offload off offload_base (warns when it is not there)."""
    reg = inet_protos(k)
    if po not in reg.offloads:
        k.linux.pr(f"dev_remove_offload: {po:#x} not found", 4)
        return
    reg.offloads.remove(po)
    module = k.loader.module_at(po)
    if module is not None:
        module.forget_undo(f"packet offload {po:#x}")


def _protosw_fields(k, p: int) -> tuple[int, int, int]:
    lay, mem = k.linux.layout, k.machine.mem
    return (mem.read_u16(p + lay.offset("struct inet_protosw", "type")),
            mem.read_u16(p + lay.offset("struct inet_protosw", "protocol")),
            mem.read_u8(p + lay.offset("struct inet_protosw", "flags")))


def _register_protosw(k, family: int, p: int) -> int:
    """inetsw[type]: after the permanent entries, refusing to shadow a permanent protocol."""
    type_, proto, flags = _protosw_fields(k, p)
    if type_ >= SOCK_MAX:
        k.linux.pr(f"Attempt to register invalid socket type {type_}.", 3)
        return -k.errno.EINVAL
    lst = inet_protos(k).protosw[family][type_]
    at = 0
    for other, perm, _ in lst:
        if not perm:
            break
        if other == proto:
            k.linux.pr(f"Attempt to override permanent protocol {proto}" + ("." if family == 4 else ""), 3)
            return -k.errno.EPERM
        at += 1
    entry = (proto, bool(flags & INET_PROTOSW_PERMANENT), p)
    lst.insert(at, entry)
    module = k.loader.module_at(p)
    if module is not None:
        module.on_unload(f"inet{family} protosw {p:#x}", lambda: lst.remove(entry) if entry in lst else None)
    return 0


def _unregister_protosw(k, family: int, p: int) -> None:
    type_, proto, flags = _protosw_fields(k, p)
    if flags & INET_PROTOSW_PERMANENT:
        k.linux.pr(f"Attempt to unregister permanent protocol {proto}.", 3)
        return
    lst = inet_protos(k).protosw[family].get(type_, [])
    entry = next((e for e in lst if e[2] == p), None)
    if entry is None:
        k.linux.pr(f"list_del corruption: inet_protosw {p:#x} is not registered", 4)
        k.linux.add_taint("W")
        return
    lst.remove(entry)
    module = k.loader.module_at(p)
    if module is not None:
        module.forget_undo(f"inet{family} protosw {p:#x}")


@table.service("void inet_register_protosw(struct inet_protosw *p)")
def inet_register_protosw(k, p: int) -> None:
    """Add an IPv4 socket-type/protocol entry (refusals are only logged: the function is void)."""
    _register_protosw(k, 4, p)


@table.service("void inet_unregister_protosw(struct inet_protosw *p)")
def inet_unregister_protosw(k, p: int) -> None:
    """Remove an IPv4 protosw entry (permanent ones stay, with an error message)."""
    _unregister_protosw(k, 4, p)


@table.service("int inet6_register_protosw(struct inet_protosw *p)")
def inet6_register_protosw(k, p: int) -> int:
    """Add an IPv6 protosw entry: 0, -EINVAL for a bad type, -EPERM over a permanent one."""
    return _register_protosw(k, 6, p)


@table.service("void inet6_unregister_protosw(struct inet_protosw *p)")
def inet6_unregister_protosw(k, p: int) -> None:
    """Remove an IPv6 protosw entry."""
    _unregister_protosw(k, 6, p)


def protosw_lookup(k, family: int, type_: int, protocol: int) -> int | None:
    """The registered inet_protosw struct a socket(type, protocol) would use (module entries only)."""
    for proto, _, p in inet_protos(k).protosw[family].get(type_, []):
        if proto == protocol and p is not None:
            return p
    return None


@table.service("bool ipv6_mod_enabled(void)")
def ipv6_mod_enabled(k) -> int:
    """IPv6 is built into Debian's kernel (CONFIG_IPV6=y) and not disabled on the command line."""
    return 1


