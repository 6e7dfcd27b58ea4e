"""Packet types and socket protocols as modules see them (net/core/dev.c, net/core/sock.c
in Linux 6.1).

* `dev_add_pack` / `dev_remove_pack` (and `__dev_remove_pack`): a packet handler joins
  ptype_all (type ETH_P_ALL) or ptype_base; adding one already on a list is list debugging's
  "list_add double add" WARN; removing one not there is 6.1's "dev_remove_pack: %p not found".
* `proto_register` / `proto_unregister`: a protocol joins proto_list with an index from the
  PROTO_INUSE_NR (64) inuse table (-ENOSPC and "PROTO_INUSE_NR exhausted" when full); with
  alloc_slab its object cache is made (`prot->slab`) and destroyed on unregister.
  `render_protocols` is the name/size table /proc/net/protocols starts with (not yet a file).
A module that goes without undoing these has its entries dropped.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("net_protocols")

ETH_P_ALL = 0x0003
PROTO_INUSE_NR = 64
#: protocols the Debian 6.1 kernel registers itself (CONFIG_UNIX=y, CONFIG_INET=y, CONFIG_IPV6=y,
#: CONFIG_PACKET=y, netlink), each taking an inuse index at boot
BUILTIN_PROTOS = ("UNIX", "UNIX-STREAM", "PACKET", "NETLINK", "RAW", "UDP", "UDP-Lite", "TCP",
                  "PING", "RAWv6", "UDPv6", "UDPLITEv6", "TCPv6", "PINGv6")


class NetProtocols:
    def __init__(self, k) -> None:
        self.k = k
        self.ptype_all: list[int] = []
        self.ptype_base: list[int] = []
        self.protos: dict[int, int] = {}     # struct proto -> inuse index
        self.used = set(range(len(BUILTIN_PROTOS)))

    def render_protocols(self) -> str:
        lines = ["protocol  size"]
        lines += [f"{name:<9} {'-':>5}" for name in BUILTIN_PROTOS]
        lines += [f"{self.proto_name(p):<9} {self.proto_field(p, 'obj_size', 4):>5}" for p in self.protos]
        return "\n".join(lines) + "\n"

    def proto_field(self, prot: int, field: str, size: int | None = None) -> int:
        addr = prot + self.k.linux.layout.offset("struct proto", field)
        return self.k.machine.mem.read_int(addr, size) if size else self.k.machine.mem.read_ptr(addr)

    def proto_name(self, prot: int) -> str:
        addr = prot + self.k.linux.layout.offset("struct proto", "name")
        return self.k.machine.mem.read_cstr(addr, 32).decode("latin-1")

    def ptype_list(self, pt: int) -> list[int]:
        raw = self.k.machine.mem.read_u16(pt + self.k.linux.layout.offset("struct packet_type", "type"))
        host = ((raw & 0xFF) << 8) | (raw >> 8)       # __be16 as the kernel compares it
        return self.ptype_all if host == ETH_P_ALL else self.ptype_base


def protocols(k) -> NetProtocols:
    linux = k.linux
    if "net_protocols" not in linux.__dict__:
        linux.__dict__["net_protocols"] = NetProtocols(k)
    return linux.__dict__["net_protocols"]


def _module_of_caller(k, call):
    return k.loader.module_at(call.return_address) if call is not None else None


@table.service("void dev_add_pack(struct packet_type *pt)", needs_call=True)
def dev_add_pack(k, pt: int, call=None) -> None:
    """Add a packet handler to ptype_all or ptype_base."""
    reg = protocols(k)
    lst = reg.ptype_list(pt)
    if pt in reg.ptype_all or pt in reg.ptype_base:
        k.linux.pr(f"list_add double add: new={pt:#x}, prev={pt:#x}, next={pt:#x}.", 4)
        k.linux.add_taint("W")
        return
    lst.append(pt)
    module = _module_of_caller(k, call)
    if module is not None:
        module.on_unload(f"packet type {pt:#x}", lambda: lst.remove(pt) if pt in lst else None)


def _remove_pack(k, pt: int) -> None:
    reg = protocols(k)
    for lst in (reg.ptype_all, reg.ptype_base):
        if pt in lst:
            lst.remove(pt)
            module = k.loader.module_at(pt)
            if module is not None:
                module.forget_undo(f"packet type {pt:#x}")
            return
    k.linux.pr(f"dev_remove_pack: {pt:#x} not found", 4)


@table.service("void dev_remove_pack(struct packet_type *pt)")
def dev_remove_pack(k, pt: int) -> None:
    """Remove a packet handler (warns if it was not added)."""
    _remove_pack(k, pt)


@table.service("void __dev_remove_pack(struct packet_type *pt)")
def __dev_remove_pack(k, pt: int) -> None:
    """dev_remove_pack without the RCU grace period."""
    _remove_pack(k, pt)


@table.service("int proto_register(struct proto *prot, int alloc_slab)")
def proto_register(k, prot: int, alloc_slab: int) -> int:
    """Add a protocol to proto_list with an inuse index (and its object cache if asked)."""
    reg = protocols(k)
    mem = k.machine.mem
    if prot in reg.protos:
        k.linux.pr(f"list_add double add: new={prot:#x} (proto {reg.proto_name(prot)})", 4)
        k.linux.add_taint("W")
        return -k.errno.EEXIST
    free = next((i for i in range(PROTO_INUSE_NR - 1) if i not in reg.used), None)
    if free is None:
        k.linux.pr("PROTO_INUSE_NR exhausted", 3)
        return -k.errno.ENOSPC
    slab_off = k.linux.layout.offset("struct proto", "slab")
    if alloc_slab & 0xFFFFFFFF:
        cache = k.heap.alloc(64, f"kmem_cache {reg.proto_name(prot)}", zero=True)
        k.linux.caches[cache] = reg.proto_field(prot, "obj_size", 4)
        mem.write_ptr(prot + slab_off, cache)
    reg.used.add(free)
    reg.protos[prot] = free
    module = k.loader.module_at(prot)
    if module is not None:
        module.on_unload(f"proto {prot:#x}", lambda: _drop_proto(k, prot))
    return 0


def _drop_proto(k, prot: int) -> None:
    reg = protocols(k)
    if prot not in reg.protos:
        return
    reg.used.discard(reg.protos.pop(prot))
    slab_off = k.linux.layout.offset("struct proto", "slab")
    cache = k.machine.mem.read_ptr(prot + slab_off)
    if cache and cache in k.linux.caches:
        k.linux.caches.pop(cache)
        if cache in k.heap:
            k.heap.free(cache)
        k.machine.mem.write_ptr(prot + slab_off, 0)


@table.service("void proto_unregister(struct proto *prot)")
def proto_unregister(k, prot: int) -> None:
    """Remove a protocol, free its inuse index and destroy its cache."""
    if prot not in protocols(k).protos:
        k.linux.pr(f"list_del corruption: proto {prot:#x} is not registered", 4)
        k.linux.add_taint("W")
        return
    _drop_proto(k, prot)
    module = k.loader.module_at(prot)
    if module is not None:
        module.forget_undo(f"proto {prot:#x}")
