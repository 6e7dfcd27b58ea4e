"""Real Debian modules that register with the traffic-control and link-layer registries
(services/net_sched.py, tc_actions.py, tcp_cong.py, rtnl.py, sock_diag.py, net_encap.py,
connector.py, netfilter_regs.py, net_ioctl_hooks.py, btf_kfunc.py): they load and unload
cleanly without any fallback stub, their entries are in the registry while they are loaded
and gone after rmmod."""
from __future__ import annotations

import pytest

from kemu.os.linux.services import net_registries
from kemu.os.linux.services.btf_kfunc import kfunc_sets
from kemu.os.linux.services.net_pernet import pernet
from kemu.os.linux.services.net_sched import sched
from kemu.os.linux.services.netfilter_regs import netfilter
from kemu.os.linux.services.rtnl import rtnl
from kemu.os.linux.services.sock_diag import sock_diag
from kemu.os.linux.services.tc_actions import act_base
from kemu.os.linux.services.tcp_cong import ca_key, cong_list

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

NETSCHED_SERVICES = {svc.name for svc in net_registries.table}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["sch_htb", "sch_netem", "sch_ingress", "act_gact", "act_mirred", "cls_u32",
                                  "cls_flower", "em_cmp", "em_meta", "tcp_bbr", "tcp_vegas", "tcp_dctcp",
                                  "vcan", "veth", "can_gw", "phonet", "inet_diag", "unix_diag", "netlink_diag",
                                  "ebtables", "ip_set", "nf_log_syslog", "mpls_iptunnel", "wire"])
def test_registry_users_load_and_unload_cleanly_without_fallbacks(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert not record["fallback"], record["fallback"]


@pytest.mark.parametrize("arch", ARCHES)
def test_vrf_registers_its_l3mdev_lookup_and_stays_loaded_as_it_has_no_exit(arch):
    record = corpus_record(arch, "vrf")
    assert record["outcome"] == "init returned 0, no exit (stays loaded)"
    assert not NETSCHED_SERVICES & set(record["fallback"])


HELD = {
    "sch_htb": lambda k: "htb" in sched(k).qdisc_ids(),                     # qdisc_base
    "vcan": lambda k: "vcan" in rtnl(k).kinds(),                             # link_ops
    "unix_diag": lambda k: 1 in sock_diag(k).handlers,                       # AF_UNIX's slot
    "cls_u32": lambda k: "u32" in sched(k).classifier_kinds(),               # tcf_proto_base
}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", sorted(HELD))
def test_the_registry_holds_the_modules_entry_while_it_is_loaded_and_not_after(arch, name):
    system = boot_with(arch, name, lenient=True)
    assert HELD[name](system.kernel)
    system.rmmod(name)
    assert not HELD[name](system.kernel)


@pytest.mark.parametrize("arch", ARCHES)
def test_act_gact_registers_its_pernet_ops_with_its_action_and_unregisters_both(arch):
    system = boot_with(arch, "act_gact", lenient=True)
    k = system.kernel
    before = len(pernet(k).ops)
    assert "gact" in act_base(k).kinds() and pernet(k).ops
    system.rmmod("act_gact")
    assert "gact" not in act_base(k).kinds() and len(pernet(k).ops) == before - 1
    assert "dropped unreleased" not in system.dmesg()


@pytest.mark.parametrize("arch", ARCHES)
def test_tcp_bbr_is_on_tcp_cong_list_keyed_by_its_name(arch):
    system = boot_with(arch, "tcp_bbr", lenient=True)
    reg = cong_list(system.kernel)
    assert reg.available()[-1] == "bbr"
    assert reg.f.u32(reg.ops.items[-1], "key") == ca_key("bbr")
    system.rmmod("tcp_bbr")
    assert "bbr" not in reg.available()


def test_tcp_bbr_kfunc_set_goes_with_its_module_btf_on_amd64():
    system = boot_with("x86_64", "tcp_bbr", lenient=True)
    assert kfunc_sets(system.kernel).get(("tcp_bbr", "struct_ops"))
    system.rmmod("tcp_bbr")
    assert not kfunc_sets(system.kernel)


@pytest.mark.parametrize("arch", ARCHES)
def test_nf_log_syslog_becomes_init_nets_ipv4_logger(arch):
    system = boot_with(arch, "nf_log_syslog", lenient=True)
    nf = netfilter(system.kernel)
    assert system.machine.mem.read_ptr(nf.net_logger_slot(2))          # NFPROTO_IPV4
    system.rmmod("nf_log_syslog")
    assert not nf.loggers and not system.machine.mem.read_ptr(nf.net_logger_slot(2))


@pytest.mark.parametrize("arch", ARCHES)
def test_tcp_vegas_shows_in_tcp_available_congestion_control(arch):
    system = boot_with(arch, "tcp_vegas", lenient=True)
    fd = system.open("/proc/sys/net/ipv4/tcp_available_congestion_control")
    try:
        assert system.read(fd, 256).decode() == "reno cubic vegas\n"
    finally:
        system.close(fd)


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["nf_nat", "openvswitch"])
def test_exits_walking_for_each_net_find_init_net_and_unload_cleanly(arch, name):
    # nf_ct_iterate_destroy and ovs_exit_net walk net_namespace_list: zeroed, they oopsed
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert not NETSCHED_SERVICES & set(record["fallback"])
