"""Real Debian modules that allocate and register net_devices, claim IP protocol slots, join
the xfrm registries or register tty line disciplines (services/net_device*.py,
net_inet_protos.py, net_xfrm.py, tty_ldisc.py, net_inet_hash.py, skbuff.py): with those
real they load and unload cleanly without one of them falling back, and the netdev drivers
that failed with alloc_netdev's fallback NULL (-ENOMEM) now load."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES, load_tool
from .corpus_trials import CLEAN, corpus_record

pytestmark = pytest.mark.debian_corpus

NETDEV_SERVICES = {
    "alloc_netdev_mqs", "alloc_etherdev_mqs", "free_netdev", "register_netdev", "register_netdevice",
    "unregister_netdev", "unregister_netdevice_queue", "unregister_netdevice_many", "dev_valid_name",
    "__hw_addr_init", "dev_add_offload", "dev_remove_offload", "inet_add_protocol", "inet_del_protocol",
    "inet6_add_protocol", "inet6_del_protocol", "inet_add_offload", "inet_del_offload",
    "inet6_add_offload", "inet6_del_offload", "inet_register_protosw", "inet_unregister_protosw",
    "inet6_register_protosw", "inet6_unregister_protosw", "xfrm_register_type", "xfrm_unregister_type",
    "xfrm_register_type_offload", "xfrm_unregister_type_offload", "xfrm4_protocol_register",
    "xfrm4_protocol_deregister", "xfrm6_protocol_register", "xfrm6_protocol_deregister",
    "xfrm_input_register_afinfo", "xfrm_input_unregister_afinfo", "xfrm_register_km",
    "xfrm_unregister_km", "xfrm_if_register_cb", "xfrm_if_unregister_cb", "xfrm_state_flush",
    "xfrm_flush_gc", "ipv6_mod_enabled", "__alloc_skb", "consume_skb", "kfree_skb_reason",
    "inet_hashinfo2_init_mod", "inet_ehash_locks_alloc", "inet_twsk_purge", "__alloc_bucket_spinlocks",
    "free_bucket_spinlocks", "ethtool_set_ethtool_phy_ops", "tty_register_ldisc", "tty_unregister_ldisc",
    "n_tty_inherit_ops", "ether_setup", "dev_addr_mod", "dev_alloc_name",
}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", [
    # IP protocol slots, offloads and protosw lists
    "gre", "tunnel4", "tunnel6", "l2tp_ip", "l2tp_ip6", "nsh",
    # the xfrm registries
    "ah4", "esp4", "esp4_offload", "ipcomp", "ah6", "esp6", "esp6_offload", "ipcomp6", "af_key", "xfrm_user",
    # tty line disciplines
    "slip", "ppp_async", "ppp_synctty", "n_hdlc", "mkiss", "6pack", "serport", "slcan", "pps_ldisc",
    # phylib's ethtool hooks (dccp's hash tables are real too, but its exit never destroys its
    # dccp_bind2_bucket cache: one block leaks as the trace shows)
    "libphy",
    # net_devices that failed -ENOMEM with alloc_netdev falling back to NULL
    "eql", "ipddp", "yam", "baycom_ser_hdx", "vport_gre",
])
def test_netdev_layer_users_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert not NETDEV_SERVICES & set(record["fallback"])


def _tree_module(arch: str, rel: str) -> str:
    root = load_tool("fetch_debian_modules").modules_root(arch)
    if root is None:
        pytest.skip(f"Debian's {arch} tree is not unpacked")
    return str(root / "kernel" / rel)


@pytest.mark.parametrize("arch", ARCHES)
def test_eql_registers_its_device_in_init_net_and_sysfs_and_unload_takes_it_away(arch):
    linux = kemu.boot("linux", arch)
    linux.insmod(_tree_module(arch, "drivers/net/eql.ko"), lenient=True)     # timers, spinlocks…
    devices = linux.kernel.linux.netdevices
    assert "eql" in devices.by_name and "/sys/class/net/eql" in linux.kernel.linux.sysfs.dirs
    assert devices.by_name["lo"] and len(devices.by_index) == 2
    linux.rmmod("eql")
    assert set(devices.by_name) == {"lo"}
    assert "/sys/class/net/eql" not in linux.kernel.linux.sysfs.dirs
