"""The traffic-control and link-layer registries (services/net_sched.py, tc_actions.py,
tcp_cong.py, rtnl.py, sock_diag.py, net_encap.py, connector.py, netfilter_regs.py,
btf_kfunc.py) called through their trap stubs with structures laid out as Debian's headers
lay them out, on both arches."""
from __future__ import annotations

import pytest

from kemu.kernel.errors import KernelPanic
from kemu.os.linux.services.connector import connector
from kemu.os.linux.services.net_pernet import pernet
from kemu.os.linux.services.net_sched import sched
from kemu.os.linux.services.netfilter_regs import netfilter
from kemu.os.linux.services.rtnl import rtnl
from kemu.os.linux.services.tc_actions import act_base
from kemu.os.linux.services.tcp_cong import ca_key, cong_list, jhash


EEXIST, EINVAL, ENOENT, EBUSY, ERANGE, EOPNOTSUPP = 17, 22, 2, 16, 34, 95


def call(linux, name: str, *args: int) -> int:
    value = linux.machine.call(linux.kernel.installed[name][1], *args) & 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


class Guest:
    """A zeroed guest struct whose fields are set by name."""

    def __init__(self, linux, struct: str, addr: int = 0, **fields) -> None:
        self.linux, self.struct = linux, struct
        self.addr = addr or linux.kernel.heap.alloc(linux.layout.size(struct) + 64, struct, zero=True)
        for name, value in fields.items():
            self[name] = value

    def _at(self, field: str) -> int:
        return self.addr + self.linux.layout.offset(self.struct, field)

    def __setitem__(self, field: str, value) -> None:
        mem = self.linux.machine.mem
        if isinstance(value, bytes):
            mem.write(self._at(field), value)
        elif self.linux.layout.field_size(self.struct, field) == self.linux.machine.word_size:
            mem.write_ptr(self._at(field), value)
        elif self.linux.layout.field_size(self.struct, field) == 1:
            mem.write_u8(self._at(field), value)
        else:
            mem.write_u32(self._at(field), value & 0xFFFFFFFF)

    def __getitem__(self, field: str) -> int:
        return self.linux.machine.mem.read_ptr(self._at(field))

    def u32(self, field: str) -> int:
        return self.linux.machine.mem.read_u32(self._at(field))


FN = 0x1000          # a non-NULL "function" the registries only store


# --- qdiscs ----------------------------------------------------------------------------------
def test_a_qdisc_id_the_kernel_builds_in_is_taken(linux):
    assert call(linux, "register_qdisc", Guest(linux, "struct Qdisc_ops", id=b"pfifo\0").addr) == -EEXIST


def test_register_qdisc_fills_missing_enqueue_dequeue_and_peek_with_noop_qdiscs(linux):
    q = Guest(linux, "struct Qdisc_ops", id=b"test\0")
    assert call(linux, "register_qdisc", q.addr) == 0
    installed = linux.kernel.installed
    assert q["enqueue"] == installed["__kemu_noop_enqueue"][1]
    assert q["dequeue"] == q["peek"] == installed["__kemu_noop_dequeue"][1]
    assert "test" in sched(linux.kernel).qdisc_ids()


def test_noop_enqueue_drops_the_skb_onto_to_free_with_net_xmit_cn(linux):
    skb, other = Guest(linux, "struct sk_buff"), Guest(linux, "struct sk_buff")
    to_free = linux.kernel.heap.alloc(8, "to_free", zero=True)
    linux.machine.mem.write_ptr(to_free, other.addr)
    assert call(linux, "__kemu_noop_enqueue", skb.addr, 0, to_free) == 2
    assert linux.machine.mem.read_ptr(to_free) == skb.addr and skb["next"] == other.addr


def test_a_qdisc_with_dequeue_but_no_peek_is_einval(linux):
    q = Guest(linux, "struct Qdisc_ops", id=b"nopeek\0", dequeue=FN)
    assert call(linux, "register_qdisc", q.addr) == -EINVAL
    assert "nopeek" not in sched(linux.kernel).qdisc_ids()


def test_a_classful_qdisc_needs_find_walk_and_leaf(linux):
    cops = Guest(linux, "struct Qdisc_class_ops", find=FN, walk=FN)
    q = Guest(linux, "struct Qdisc_ops", id=b"classful\0", cl_ops=cops.addr)
    assert call(linux, "register_qdisc", q.addr) == -EINVAL
    cops["leaf"] = FN
    assert call(linux, "register_qdisc", q.addr) == 0


def test_qdisc_base_is_chained_through_next_and_unlinked_on_unregister(linux):
    a = Guest(linux, "struct Qdisc_ops", id=b"aa\0")
    b = Guest(linux, "struct Qdisc_ops", id=b"bb\0")
    call(linux, "register_qdisc", a.addr)
    call(linux, "register_qdisc", b.addr)
    assert a["next"] == b.addr
    call(linux, "unregister_qdisc", b.addr)
    assert a["next"] == 0 and "bb" not in sched(linux.kernel).qdisc_ids()


def test_unregistering_a_qdisc_never_registered_warns(linux):
    call(linux, "unregister_qdisc", Guest(linux, "struct Qdisc_ops", id=b"ghost\0").addr)
    assert "unregister qdisc(ghost) failed" in linux.dmesg() and "W" in linux.taints


# --- classifiers and ematches ----------------------------------------------------------------
def test_a_classifier_kind_registered_twice_is_eexist(linux):
    a = Guest(linux, "struct tcf_proto_ops", kind=b"u32\0")
    b = Guest(linux, "struct tcf_proto_ops", kind=b"u32\0")
    assert call(linux, "register_tcf_proto_ops", a.addr) == 0
    assert call(linux, "register_tcf_proto_ops", b.addr) == -EEXIST


def test_unregistering_an_unknown_classifier_warns_enoent(linux):
    call(linux, "unregister_tcf_proto_ops", Guest(linux, "struct tcf_proto_ops", kind=b"zz\0").addr)
    assert "unregister tc filter kind(zz) failed -2" in linux.dmesg()


def test_an_ematch_needs_match_and_a_kind_of_its_own(linux):
    e = Guest(linux, "struct tcf_ematch_ops", kind=7)
    assert call(linux, "tcf_em_register", e.addr) == -EINVAL
    e["match"] = FN
    assert call(linux, "tcf_em_register", e.addr) == 0
    assert call(linux, "tcf_em_register", Guest(linux, "struct tcf_ematch_ops", kind=7, match=FN).addr) == -EEXIST


# --- actions ---------------------------------------------------------------------------------
def _action(linux, kind: bytes, id_: int):
    act = Guest(linux, "struct tc_action_ops", kind=kind, id=id_, act=FN, dump=FN, init=FN)
    id_slot = linux.kernel.heap.alloc(4, "net id", zero=True)
    ops = Guest(linux, "struct pernet_operations", id=id_slot, size=16)
    return act, ops


def test_an_action_without_act_dump_or_init_is_einval_and_registers_nothing(linux):
    act, ops = _action(linux, b"bad\0", 99)
    act["dump"] = 0
    assert call(linux, "tcf_register_action", act.addr, ops.addr) == -EINVAL
    assert ops.addr not in pernet(linux.kernel).ops


def test_registering_an_action_registers_its_pernet_ops_first(linux):
    act, ops = _action(linux, b"gact\0", 5)
    assert call(linux, "tcf_register_action", act.addr, ops.addr) == 0
    assert ops.addr in pernet(linux.kernel).ops and "gact" in act_base(linux.kernel).kinds()
    assert call(linux, "tcf_unregister_action", act.addr, ops.addr) == 0
    assert ops.addr not in pernet(linux.kernel).ops and not act_base(linux.kernel).kinds()


def test_an_action_with_a_taken_id_is_eexist_and_its_pernet_ops_go_again(linux):
    first, first_ops = _action(linux, b"one\0", 5)
    second, second_ops = _action(linux, b"two\0", 5)
    call(linux, "tcf_register_action", first.addr, first_ops.addr)
    assert call(linux, "tcf_register_action", second.addr, second_ops.addr) == -EEXIST
    assert second_ops.addr not in pernet(linux.kernel).ops


def test_unregistering_an_action_not_registered_is_enoent(linux):
    act, ops = _action(linux, b"none\0", 3)
    assert call(linux, "tcf_unregister_action", act.addr, ops.addr) == -ENOENT


# --- TCP congestion control ------------------------------------------------------------------
def test_jhash_is_lookup3s_hashlittle():
    assert jhash(b"", 0) == 0xDEADBEEF
    assert jhash(b"Four score and seven years ago", 0) == 0x17770551
    assert jhash(b"Four score and seven years ago", 1) == 0xCD628161


def _ca(linux, name: bytes, **ops):
    fields = dict(ssthresh=FN, undo_cwnd=FN, cong_avoid=FN)
    fields.update(ops)
    return Guest(linux, "struct tcp_congestion_ops", name=name, **fields)


def test_a_congestion_control_gets_its_names_hash_as_key(linux):
    ca = _ca(linux, b"kemu\0")
    assert call(linux, "tcp_register_congestion_control", ca.addr) == 0
    assert ca.u32("key") == ca_key("kemu")
    assert cong_list(linux.kernel).available() == ["reno", "cubic", "kemu"]


def test_a_congestion_control_without_its_required_ops_is_einval(linux):
    ca = _ca(linux, b"lazy\0", cong_avoid=0)
    assert call(linux, "tcp_register_congestion_control", ca.addr) == -EINVAL
    assert "lazy does not implement required ops" in linux.dmesg()


def test_cubic_is_built_in_so_another_cubic_is_eexist(linux):
    assert call(linux, "tcp_register_congestion_control", _ca(linux, b"cubic\0").addr) == -EEXIST
    assert "cubic already registered or non-unique key" in linux.dmesg()


# --- rtnetlink -------------------------------------------------------------------------------
def test_a_link_kind_registered_twice_is_eexist_and_gone_after_unregister(linux):
    name = linux.kernel.heap.alloc(8, "kind", zero=True)
    linux.machine.mem.write(name, b"kemu0\0")
    a = Guest(linux, "struct rtnl_link_ops", kind=name)
    b = Guest(linux, "struct rtnl_link_ops", kind=name)
    assert call(linux, "rtnl_link_register", a.addr) == 0
    assert call(linux, "rtnl_link_register", b.addr) == -EEXIST
    call(linux, "rtnl_link_unregister", a.addr)
    assert "kemu0" not in rtnl(linux.kernel).kinds()


def test_a_link_kind_with_too_many_attributes_is_einval(linux):
    assert call(linux, "rtnl_link_register", Guest(linux, "struct rtnl_link_ops", maxtype=51).addr) == -EINVAL


def test_message_handlers_are_kept_per_family_and_message_and_unregister_all_drops_them(linux):
    assert call(linux, "rtnl_register_module", 0, 29, 24, FN, 0, 0) == 0      # PF_CAN, RTM_NEWROUTE
    assert rtnl(linux.kernel).handler(29, 24).doit == FN
    assert call(linux, "rtnl_unregister", 29, 25) == -ENOENT
    call(linux, "rtnl_unregister_all", 29)
    assert rtnl(linux.kernel).handler(29, 24) is None


def test_register_many_registers_each_handler_and_unregister_many_removes_them(linux):
    size = linux.layout.size("struct rtnl_msg_handler")
    handlers = linux.kernel.heap.alloc(2 * size, "handlers", zero=True)
    Guest(linux, "struct rtnl_msg_handler", handlers, protocol=7, msgtype=16, doit=FN)
    Guest(linux, "struct rtnl_msg_handler", handlers + size, protocol=7, msgtype=18, dumpit=FN)
    assert call(linux, "__rtnl_register_many", handlers, 2) == 0
    reg = rtnl(linux.kernel)
    assert reg.handler(7, 16).doit == FN and reg.handler(7, 18).dumpit == FN
    call(linux, "__rtnl_unregister_many", handlers, 2)
    assert reg.handler(7, 16) is None and reg.handler(7, 18) is None


def test_a_message_type_outside_the_rtm_range_is_a_kernel_bug(linux):
    with pytest.raises(KernelPanic, match="rtm_msgindex: msgtype 400"):
        call(linux, "rtnl_register_module", 0, 7, 400, FN, 0, 0)


# --- sock_diag, lwtunnel, l3mdev, connector --------------------------------------------------
def test_sock_diag_takes_one_handler_per_family(linux):
    a = Guest(linux, "struct sock_diag_handler", family=16)
    assert call(linux, "sock_diag_register", a.addr) == 0
    assert call(linux, "sock_diag_register", Guest(linux, "struct sock_diag_handler", family=16).addr) == -EBUSY
    assert call(linux, "sock_diag_register", Guest(linux, "struct sock_diag_handler", family=46).addr) == -EINVAL
    call(linux, "sock_diag_unregister", a.addr)
    assert call(linux, "sock_diag_register", a.addr) == 0


def test_lwtunnel_encap_slots_refuse_out_of_range_and_taken_ones(linux):
    ops = Guest(linux, "struct sk_buff").addr
    assert call(linux, "lwtunnel_encap_add_ops", ops, 11) == -ERANGE
    assert call(linux, "lwtunnel_encap_add_ops", ops, 2) == -1            # LWTUNNEL_ENCAP_IP: built in
    assert call(linux, "lwtunnel_encap_add_ops", ops, 1) == 0             # MPLS
    assert call(linux, "lwtunnel_encap_del_ops", ops + 8, 1) == -1
    assert call(linux, "lwtunnel_encap_del_ops", ops, 1) == 0


def test_l3mdev_lookup_is_for_vrf_only_and_set_once(linux):
    assert call(linux, "l3mdev_table_lookup_register", 2, FN) == -EINVAL
    assert call(linux, "l3mdev_table_lookup_register", 1, FN) == 0
    assert call(linux, "l3mdev_table_lookup_register", 1, FN + 1) == -EBUSY


def test_connector_ids_are_unique_and_cn_proc_is_there_from_boot(linux):
    id_ = Guest(linux, "struct cb_id", idx=1, val=1)
    assert call(linux, "cn_add_callback", id_.addr, 0, FN) == -EINVAL
    id_["idx"] = 7
    assert call(linux, "cn_add_callback", id_.addr, 0, FN) == 0
    assert "cn_proc         1:1" in connector(linux.kernel).proc_connector()
    call(linux, "cn_del_callback", id_.addr)
    assert connector(linux.kernel).find(7, 1) is None


# --- netfilter -------------------------------------------------------------------------------
def test_sockopt_ranges_of_one_family_may_not_overlap(linux):
    a = Guest(linux, "struct nf_sockopt_ops", pf=2, set_optmin=64, set_optmax=68, get_optmin=64, get_optmax=70)
    b = Guest(linux, "struct nf_sockopt_ops", pf=2, set_optmin=67, set_optmax=70, get_optmin=80, get_optmax=81)
    c = Guest(linux, "struct nf_sockopt_ops", pf=10, set_optmin=64, set_optmax=68, get_optmin=64, get_optmax=70)
    assert call(linux, "nf_register_sockopt", a.addr) == 0
    assert call(linux, "nf_register_sockopt", b.addr) == -EBUSY
    assert call(linux, "nf_register_sockopt", c.addr) == 0
    call(linux, "nf_unregister_sockopt", a.addr)
    assert call(linux, "nf_register_sockopt", b.addr) == 0


def test_nf_log_set_makes_the_logger_init_nets_and_unset_clears_it(linux):
    logger = Guest(linux, "struct nf_logger", type=0)
    assert call(linux, "nf_log_register", 2, logger.addr) == 0
    assert call(linux, "nf_log_register", 0, Guest(linux, "struct nf_logger", type=0).addr) == -EEXIST
    net = pernet(linux.kernel).net
    assert call(linux, "nf_log_set", net, 0, logger.addr) == -EOPNOTSUPP
    assert call(linux, "nf_log_set", net, 2, logger.addr) == 0
    slot = netfilter(linux.kernel).net_logger_slot(2)
    assert linux.machine.mem.read_ptr(slot) == logger.addr
    call(linux, "nf_log_unset", net, logger.addr)
    assert linux.machine.mem.read_ptr(slot) == 0


def test_inet_hooks_go_on_the_ipv4_and_ipv6_lists_in_priority_order(linux):
    size = linux.layout.size("struct nf_hook_ops")
    hooks = linux.kernel.heap.alloc(2 * size, "hooks", zero=True)
    for i, (pf, prio) in enumerate(((1, 100), (2, -50))):                   # INET, IPV4
        Guest(linux, "struct nf_hook_ops", hooks + i * size, hook=FN, pf=pf, hooknum=1, priority=prio)
    net = pernet(linux.kernel).net
    assert call(linux, "nf_register_net_hooks", net, hooks, 2) == 0
    lists = netfilter(linux.kernel).hooks
    assert lists[(2, 1)] == [hooks + size, hooks] and lists[(10, 1)] == [hooks]
    call(linux, "nf_unregister_net_hooks", net, hooks, 2)
    assert lists[(2, 1)] == [] and lists[(10, 1)] == []


def test_a_netdev_hook_without_a_device_is_einval(linux):
    hook = Guest(linux, "struct nf_hook_ops", hook=FN, pf=5, hooknum=0)
    assert call(linux, "nf_register_net_hooks", pernet(linux.kernel).net, hook.addr, 1) == -EINVAL


# --- the registries' files -------------------------------------------------------------------
def read_file(linux, path: str) -> str:
    fd = linux.open(path)
    try:
        return linux.read(fd, 8192).decode()
    finally:
        linux.close(fd)


def test_tcp_available_congestion_control_lists_reno_cubic_then_the_modules(linux):
    assert read_file(linux, "/proc/sys/net/ipv4/tcp_available_congestion_control") == "reno cubic\n"
    call(linux, "tcp_register_congestion_control", _ca(linux, b"kemu\0").addr)
    assert read_file(linux, "/proc/sys/net/ipv4/tcp_available_congestion_control") == "reno cubic kemu\n"


def test_proc_net_connector_lists_each_callback_by_name_and_id(linux):
    name = linux.kernel.heap.alloc(16, "name", zero=True)
    linux.machine.mem.write(name, b"w1\0")
    call(linux, "cn_add_callback", Guest(linux, "struct cb_id", idx=3, val=1).addr, name, FN)
    assert read_file(linux, "/proc/net/connector") == "Name            ID\ncn_proc         1:1\nw1              3:1\n"


def test_net_namespace_list_holds_init_net_once_namespaces_are_in_use(linux):
    net = pernet(linux.kernel).net
    head = linux.data["net_namespace_list"]
    node = net + linux.layout.offset("struct net", "list")
    mem = linux.machine.mem
    assert mem.read_ptr(head) == node and mem.read_ptr(node) == head
