"""Building netlink messages and sending them to listeners (net/netlink/af_netlink.c,
genetlink.c, core/rtnetlink.c, drivers/connector/connector.c in Linux 6.1).

* `__nlmsg_put(skb, portid, seq, type, len, flags)`: a struct nlmsghdr and `len` payload
  bytes put at the skb's tail (NLMSG_ALIGN'd, the alignment padding zeroed), the header
  filled; skb_put's over-panic if the room is not there (callers check with nlmsg_put).
* `genlmsg_put(skb, portid, seq, family, flags, cmd)`: nlmsg_put with the family's id as the
  type and GENL_HDRLEN + family->hdrsize bytes, NULL when the skb's tailroom is too small;
  the genlmsghdr gets cmd and the family's version; returns the user header after it.
* `rtnl_set_sk_err(net, group, error)`: netlink_set_err on the rtnetlink socket: every
  listener of `group` gets sk_err. Only user processes listen to rtnetlink groups and kemu
  runs none, so no socket is marked.
* `cn_netlink_send(msg, portid, group, gfp)` / `cn_netlink_send_mult`: with neither portid
  nor group, the group is the one of the connector callback registered for msg->id (none:
  -ESRCH); a broadcast with no listener on the group is -ESRCH (kemu has no listening
  process, so always); a unicast to a port no socket holds is -ECONNREFUSED.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .connector import connector
from .skbuff import Skb, skb_put

table = ServiceTable("net_nlmsg")

NLMSG_ALIGNTO = 4


def nlmsg_align(n: int) -> int:
    return (n + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1)


def _hdrlen(k) -> int:
    return nlmsg_align(k.linux.layout.size("struct nlmsghdr"))


def _put_field(k, struct: str, base: int, field: str, value: int) -> None:
    lay = k.linux.layout
    size = lay.field_size(struct, field)
    k.machine.mem.write_int(base + lay.offset(struct, field), size, value & ((1 << (8 * size)) - 1))


def _signed(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def nlmsg_put_raw(k, skb: int, portid: int, seq: int, type_: int, length: int, flags: int) -> int:
    """__nlmsg_put: the header at the tail, or 0 when skb_put refused (it reported why)."""
    size = _hdrlen(k) + length
    nlh = skb_put(k, skb, nlmsg_align(size))
    if not nlh:
        return 0
    h = "struct nlmsghdr"
    _put_field(k, h, nlh, "nlmsg_type", type_)
    _put_field(k, h, nlh, "nlmsg_len", size)
    _put_field(k, h, nlh, "nlmsg_flags", flags)
    _put_field(k, h, nlh, "nlmsg_pid", portid)
    _put_field(k, h, nlh, "nlmsg_seq", seq)
    pad = nlmsg_align(size) - size
    if pad:
        k.machine.mem.write(nlh + size, bytes(pad))
    return nlh


def tailroom(k, skb: int) -> int:
    """skb_tailroom: end - tail for a linear skb, 0 for a paged one."""
    s = Skb(k, skb)
    return 0 if s.get("data_len") else s.end_ptr() - s.tail_ptr()


@table.service("struct nlmsghdr *__nlmsg_put(struct sk_buff *skb, u32 portid, u32 seq, int type, "
               "int len, int flags)")
def __nlmsg_put(k, skb: int, portid: int, seq: int, type_: int, length: int, flags: int) -> int:
    """Put a netlink header and `len` payload bytes at the skb's tail."""
    return nlmsg_put_raw(k, skb, portid, seq, type_, _signed(length), flags)


@table.service("void *genlmsg_put(struct sk_buff *skb, u32 portid, u32 seq, const struct genl_family *family, "
               "int flags, u8 cmd)")
def genlmsg_put(k, skb: int, portid: int, seq: int, family: int, flags: int, cmd: int) -> int:
    """Start a generic netlink message of `family`: the user header, or NULL if no room."""
    lay, mem = k.linux.layout, k.machine.mem
    if not skb or not family:
        k.linux.pr("BUG: kernel NULL pointer dereference: genlmsg_put with a NULL "
                   + ("sk_buff" if not skb else "genl_family"), 1)
        k.linux.add_taint("D")
        return 0
    f = "struct genl_family"
    fid = mem.read_int(family + lay.offset(f, "id"), lay.field_size(f, "id"))
    hdrsize = mem.read_int(family + lay.offset(f, "hdrsize"), lay.field_size(f, "hdrsize"))
    version = mem.read_int(family + lay.offset(f, "version"), lay.field_size(f, "version"))
    genl_hdrlen = nlmsg_align(lay.size("struct genlmsghdr"))
    payload = genl_hdrlen + hdrsize
    if tailroom(k, skb) < nlmsg_align(_hdrlen(k) + payload):
        return 0
    nlh = nlmsg_put_raw(k, skb, portid, seq, fid, payload, flags)
    if not nlh:
        return 0
    hdr = nlh + _hdrlen(k)
    g = "struct genlmsghdr"
    _put_field(k, g, hdr, "cmd", cmd)
    _put_field(k, g, hdr, "version", version)
    _put_field(k, g, hdr, "reserved", 0)
    return hdr + genl_hdrlen


@table.service("void rtnl_set_sk_err(struct net *net, u32 group, int error)")
def rtnl_set_sk_err(k, net: int, group: int, error: int) -> None:
    """Report `error` to the rtnetlink listeners of `group`: kemu has no listening process,
    so no socket is marked."""
    if not 0 < group <= 32:                   # RTNLGRP_MAX: netlink_set_err ignores others
        return


def cn_send(k, msg: int, portid: int, group: int) -> int:
    """cn_netlink_send_mult's routing: -ESRCH or -ECONNREFUSED, as there is no listener."""
    if not msg:
        k.linux.pr("BUG: kernel NULL pointer dereference: cn_netlink_send with a NULL cn_msg", 1)
        k.linux.add_taint("D")
        return -k.errno.EINVAL
    if not portid and not group:
        reg = connector(k)
        id_ = msg + k.linux.layout.offset("struct cn_msg", "id")
        entry = reg.find(reg.f.u32(id_, "idx"), reg.f.u32(id_, "val"))
        group = entry.group if entry is not None else 0
        if not group:
            return -k.errno.ESRCH
    if not portid:
        return -k.errno.ESRCH                # netlink_has_listeners(nls, group): none in kemu
    return -k.errno.ECONNREFUSED            # netlink_unicast: no socket holds that port


@table.service("int cn_netlink_send(struct cn_msg *msg, u32 portid, u32 group, gfp_t gfp_mask)")
def cn_netlink_send(k, msg: int, portid: int, group: int, gfp: int) -> int:
    """Send a connector message to a port or a group."""
    return cn_send(k, msg, portid, group)


@table.service("int cn_netlink_send_mult(struct cn_msg *msg, u16 len, u32 portid, u32 group, gfp_t gfp_mask)")
def cn_netlink_send_mult(k, msg: int, length: int, portid: int, group: int, gfp: int) -> int:
    """Send `len` bytes of connector messages to a port or a group."""
    return cn_send(k, msg, portid, group)
