"""Delivering netlink messages (net/netlink/af_netlink.c, genetlink.c, core/rtnetlink.c in
Linux 6.1). Listeners of multicast groups and holders of non-zero port ids are user
processes' netlink sockets; kemu runs no process, so there are none: the kernel's answers
for that case are what these give, and every skb handed over is consumed as the kernel
consumes it (a module that builds a message and sends it leaks nothing).

* `netlink_broadcast(ssk, skb, portid, group, gfp)`: the skb consumed; -ESRCH (delivered to
  no one). `netlink_has_listeners`: 0. `netlink_set_err`: no socket to mark: 0.
* `netlink_unicast(ssk, skb, portid, nonblock)`: port 0 is the kernel socket of ssk's
  protocol (net_netlink.py): its input callback gets the skb, the length is returned; any
  other port has no socket: the skb is freed, -ECONNREFUSED.
* `nlmsg_notify(sk, skb, portid, group, report, gfp)`: the group broadcast (its -ESRCH is not
  an error), then with `report` a unicast to portid, whose error is returned.
  `rtnl_notify(skb, net, pid, group, nlh, gfp)`: nlmsg_notify on rtnetlink with report =
  nlh's NLM_F_ECHO.
* `genlmsg_multicast_allns(family, skb, portid, group, gfp)`: a group past family->n_mcgrps
  is 6.1's WARN and -EINVAL (the skb left to the caller); else the family's group is
  broadcast in every namespace (kemu has one): -ESRCH, the skb consumed.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .net_netlink import kernel_sockets
from .skbuff import Skb, consume_skb, kfree_skb_reason

table = ServiceTable("net_nl_send")

NLM_F_ECHO = 0x8
SKB_DROP_REASON_NOT_SPECIFIED = 2


def _signed(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def broadcast(k, skb: int) -> int:
    """netlink_broadcast with no listener: consume the skb, -ESRCH."""
    consume_skb(k, skb)
    return -k.errno.ESRCH


def unicast(k, ssk: int, skb: int, portid: int) -> int:
    """netlink_unicast: the kernel socket at port 0 takes it, nobody else can."""
    entry = next((e for e in kernel_sockets(k).values() if e["sock"] == ssk and ssk), None)
    if portid == 0 and entry is not None and entry["input"]:
        length = Skb(k, skb).get("len")
        k.linux.call_kernel_pointer(entry["input"], skb, what="netlink input")
        consume_skb(k, skb)
        return length
    kfree_skb_reason(k, skb, SKB_DROP_REASON_NOT_SPECIFIED)
    return -k.errno.ECONNREFUSED


@table.service("int netlink_broadcast(struct sock *ssk, struct sk_buff *skb, u32 portid, u32 group, gfp_t allocation)")
def netlink_broadcast(k, ssk: int, skb: int, portid: int, group: int, allocation: int) -> int:
    """Send to the listeners of `group`: none in kemu, -ESRCH; the skb is consumed."""
    return broadcast(k, skb)


@table.service("int netlink_has_listeners(struct sock *sk, unsigned int group)")
def netlink_has_listeners(k, sk: int, group: int) -> int:
    """Whether a socket listens to `group`: no process, no listener."""
    return 0


@table.service("int netlink_set_err(struct sock *ssk, u32 portid, u32 group, int code)")
def netlink_set_err(k, ssk: int, portid: int, group: int, code: int) -> int:
    """Report `code` to the listeners of `group`: there are none to mark."""
    return 0


@table.service("int netlink_unicast(struct sock *ssk, struct sk_buff *skb, u32 portid, int nonblock)")
def netlink_unicast(k, ssk: int, skb: int, portid: int, nonblock: int) -> int:
    """Send to one port: the length delivered, or -ECONNREFUSED."""
    return unicast(k, ssk, skb, portid)


def notify(k, sk: int, skb: int, portid: int, group: int, report: int) -> int:
    err = 0
    if group:
        if report:
            s = Skb(k, skb)
            s.set("users", s.get("users") + 1)
        err = broadcast(k, skb)
        if err == -k.errno.ESRCH:
            err = 0
    if report:
        err2 = unicast(k, sk, skb, portid)
        err = err or (err2 if err2 < 0 else 0)
    elif not group:
        kfree_skb_reason(k, skb, SKB_DROP_REASON_NOT_SPECIFIED)   # nobody asked: 6.1 leaks it
    return err


@table.service("int nlmsg_notify(struct sock *sk, struct sk_buff *skb, u32 portid, unsigned int group, "
               "int report, gfp_t flags)")
def nlmsg_notify(k, sk: int, skb: int, portid: int, group: int, report: int, flags: int) -> int:
    """Notify a group and, with `report`, the requester."""
    return notify(k, sk, skb, portid, group, report & 0xFFFFFFFF)


@table.service("void rtnl_notify(struct sk_buff *skb, struct net *net, u32 pid, u32 group, "
               "struct nlmsghdr *nlh, gfp_t flags)")
def rtnl_notify(k, skb: int, net: int, pid: int, group: int, nlh: int, flags: int) -> None:
    """nlmsg_notify on the rtnetlink socket, echoing to pid when the request asked."""
    report = 0
    if nlh:
        lay = k.linux.layout
        report = k.machine.mem.read_u16(nlh + lay.offset("struct nlmsghdr", "nlmsg_flags")) & NLM_F_ECHO
    notify(k, kernel_sockets(k).get(0, {}).get("sock", 0), skb, pid, group, report)


@table.service("int genlmsg_multicast_allns(const struct genl_family *family, struct sk_buff *skb, "
               "u32 portid, unsigned int group, gfp_t flags)")
def genlmsg_multicast_allns(k, family: int, skb: int, portid: int, group: int, flags: int) -> int:
    """Broadcast to a family's multicast group in every namespace."""
    lay = k.linux.layout
    f = "struct genl_family"
    n = k.machine.mem.read_int(family + lay.offset(f, "n_mcgrps"), lay.field_size(f, "n_mcgrps"))
    if group >= n:
        k.linux.pr(f"WARNING: genlmsg_multicast_allns: group {group} >= n_mcgrps {n}", 4)
        k.linux.add_taint("W")
        return -k.errno.EINVAL
    return broadcast(k, skb)
