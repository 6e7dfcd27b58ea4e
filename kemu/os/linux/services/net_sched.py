"""Traffic-control registries: queueing disciplines, classifiers and ematches, as modules see
them (net/sched/sch_api.c, cls_api.c, ematch.c in Linux 6.1).

* `register_qdisc`: qdisc_base, searched by `id` (-EEXIST for a name taken); a missing
  enqueue is filled with noop_qdisc_ops' (which drops the skb onto `to_free`, NET_XMIT_CN), a
  missing peek with its dequeue (NULL) unless the qdisc has a dequeue of its own (then
  -EINVAL), a missing dequeue with noop's; a class ops needs find, walk and leaf, and one with
  tcf_block needs bind_tcf and unbind_tcf (-EINVAL). `next` is cleared and the ops linked at
  the tail. `unregister_qdisc` unlinks it; one not registered is 6.1's WARN "unregister
  qdisc(%s) failed".
* `register_tcf_proto_ops`: tcf_proto_base by `kind` (-EEXIST); `unregister_tcf_proto_ops`
  WARNs "unregister tc filter kind(%s) failed -2" for one not registered.
* `tcf_em_register`: ematch_ops by the integer `kind` (-EEXIST), -EINVAL without `match`;
  `tcf_em_unregister` unlinks it.
Debian's kernel has these built in, so their names are taken before any module loads:
pfifo_fast, pfifo, bfifo, pfifo_head_drop, mq and noqueue (pktsched_init) and fq_codel
(CONFIG_NET_SCH_FQ_CODEL=y); no classifier or ematch is built in.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .net_registry import Fields, OpsList, kernel_state, list_del_corruption, need, warn

table = ServiceTable("net_sched")

IFNAMSIZ = 16
NET_XMIT_CN = 0x02
BUILTIN_QDISCS = ("pfifo_fast", "pfifo", "bfifo", "pfifo_head_drop", "mq", "noqueue", "fq_codel")


class SchedRegistries:
    """qdisc_base, tcf_proto_base and ematch_ops."""

    def __init__(self, k) -> None:
        self.k = k
        self.qdiscs = OpsList(k, "Qdisc_ops")
        self.classifiers = OpsList(k, "tcf_proto_ops")
        self.ematches = OpsList(k, "tcf_ematch_ops")
        self.qops = Fields(k, "struct Qdisc_ops")
        self.cops = Fields(k, "struct Qdisc_class_ops")
        self.tops = Fields(k, "struct tcf_proto_ops")
        self.eops = Fields(k, "struct tcf_ematch_ops")

    def qdisc_ids(self) -> list[str]:
        """Every qdisc name `tc qdisc add … <id>` would find, the kernel's first."""
        return list(BUILTIN_QDISCS) + [self.qops.chars(q, "id", IFNAMSIZ) for q in self.qdiscs]

    def classifier_kinds(self) -> list[str]:
        return [self.tops.chars(t, "kind", IFNAMSIZ) for t in self.classifiers]

    def ematch_kinds(self) -> list[int]:
        return [self.eops.u32(e, "kind") for e in self.ematches]


def sched(k) -> SchedRegistries:
    return kernel_state(k, "net_sched", SchedRegistries)


# --- qdiscs --------------------------------------------------------------------------------------
@table.service("int __kemu_noop_enqueue(struct sk_buff *skb, struct Qdisc *root, struct sk_buff **to_free)")
def __kemu_noop_enqueue(k, skb: int, root: int, to_free: int) -> int:
    """noop_qdisc_ops.enqueue: the skb goes on the to_free list (__qdisc_drop), NET_XMIT_CN."""
    mem = k.machine.mem
    mem.write_ptr(skb + k.linux.layout.offset("struct sk_buff", "next"), mem.read_ptr(need(to_free, "to_free")))
    mem.write_ptr(to_free, skb)
    return NET_XMIT_CN


@table.service("struct sk_buff *__kemu_noop_dequeue(struct Qdisc *qdisc)")
def __kemu_noop_dequeue(k, qdisc: int) -> int:
    """noop_qdisc_ops.dequeue and .peek: nothing is ever queued."""
    return 0


def _noop(k, name: str) -> int:
    return k.installed[name][1]


@table.service("int register_qdisc(struct Qdisc_ops *qops)", needs_call=True)
def register_qdisc(k, qops: int, call=None) -> int:
    """Add a queueing discipline to qdisc_base (-EEXIST for a taken id, -EINVAL for bad ops)."""
    reg = sched(k)
    f = reg.qops
    name = f.chars(need(qops, "register_qdisc's qops"), "id", IFNAMSIZ)
    if name in reg.qdisc_ids():
        return -k.errno.EEXIST
    if not f.ptr(qops, "enqueue"):
        f.set_ptr(qops, "enqueue", _noop(k, "__kemu_noop_enqueue"))
    if not f.ptr(qops, "peek"):
        if f.ptr(qops, "dequeue"):
            return -k.errno.EINVAL
        f.set_ptr(qops, "peek", _noop(k, "__kemu_noop_dequeue"))
    if not f.ptr(qops, "dequeue"):
        f.set_ptr(qops, "dequeue", _noop(k, "__kemu_noop_dequeue"))
    cops = f.ptr(qops, "cl_ops")
    if cops:
        c = reg.cops
        if not (c.ptr(cops, "find") and c.ptr(cops, "walk") and c.ptr(cops, "leaf")):
            return -k.errno.EINVAL
        if c.ptr(cops, "tcf_block") and not (c.ptr(cops, "bind_tcf") and c.ptr(cops, "unbind_tcf")):
            return -k.errno.EINVAL
    f.set_ptr(qops, "next", 0)
    prev = reg.qdiscs.items[-1] if reg.qdiscs.items else 0
    if prev:
        f.set_ptr(prev, "next", qops)
    reg.qdiscs.add(qops, call, f.ptr(qops, "owner"))
    return 0


@table.service("void unregister_qdisc(struct Qdisc_ops *qops)")
def unregister_qdisc(k, qops: int) -> None:
    """Unlink a queueing discipline from qdisc_base (WARN if it was not there)."""
    reg = sched(k)
    f = reg.qops
    items = reg.qdiscs.items
    if qops not in items:
        warn(k, f"unregister qdisc({f.chars(need(qops, 'unregister_qdisc qops'), 'id', IFNAMSIZ)}) failed")
        return
    at = items.index(qops)
    if at:
        f.set_ptr(items[at - 1], "next", f.ptr(qops, "next"))
    f.set_ptr(qops, "next", 0)
    reg.qdiscs.remove(qops)


# --- classifiers ---------------------------------------------------------------------------------
@table.service("int register_tcf_proto_ops(struct tcf_proto_ops *ops)", needs_call=True)
def register_tcf_proto_ops(k, ops: int, call=None) -> int:
    """Add a classifier to tcf_proto_base (-EEXIST for a kind already there)."""
    reg = sched(k)
    kind = reg.tops.chars(need(ops, "register_tcf_proto_ops's ops"), "kind", IFNAMSIZ)
    if kind in reg.classifier_kinds():
        return -k.errno.EEXIST
    reg.classifiers.add(ops, call, reg.tops.ptr(ops, "owner"))
    return 0


@table.service("void unregister_tcf_proto_ops(struct tcf_proto_ops *ops)")
def unregister_tcf_proto_ops(k, ops: int) -> None:
    """Remove a classifier (WARN with -ENOENT if it was not registered)."""
    reg = sched(k)
    if not reg.classifiers.remove(ops):
        kind = reg.tops.chars(need(ops, "unregister_tcf_proto_ops's ops"), "kind", IFNAMSIZ)
        warn(k, f"unregister tc filter kind({kind}) failed {-k.errno.ENOENT}")


# --- ematches ------------------------------------------------------------------------------------
@table.service("int tcf_em_register(struct tcf_ematch_ops *ops)", needs_call=True)
def tcf_em_register(k, ops: int, call=None) -> int:
    """Add an ematch to ematch_ops: -EINVAL without match, -EEXIST for a kind taken."""
    reg = sched(k)
    e = reg.eops
    if not e.ptr(need(ops, "tcf_em_register's ops"), "match"):
        return -k.errno.EINVAL
    if e.u32(ops, "kind") in reg.ematch_kinds():
        return -k.errno.EEXIST
    reg.ematches.add(ops, call, e.ptr(ops, "owner"))
    return 0


@table.service("void tcf_em_unregister(struct tcf_ematch_ops *ops)")
def tcf_em_unregister(k, ops: int) -> None:
    """Unlink an ematch (list_del: one not registered is list corruption)."""
    if not sched(k).ematches.remove(ops):
        list_del_corruption(k, "tcf_ematch_ops", ops)
