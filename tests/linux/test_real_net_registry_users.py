"""Real Debian networking modules whose init registers pernet operations, netdevice notifiers,
generic netlink families or kernel netlink sockets (services/net_pernet.py, net_genl.py,
net_netlink.py, inet_frags.py): with those registries real, cfg80211 (a genl family and
pernet ops) loads, and so do the wireless drivers stacked on it, which failed as its dependants;
nf_conntrack makes an entry in both init_net.proc_net and proc_net_stat."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record

pytestmark = pytest.mark.debian_corpus

REGISTRY_SERVICES = {"register_pernet_subsys", "register_pernet_device", "genl_register_family",
                     "register_netdevice_notifier", "__netlink_kernel_create", "fqdir_init"}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["cfg80211", "mac80211", "iwlwifi", "bluetooth", "batman_adv",
                                  "nfnetlink", "xfrm_user", "nf_defrag_ipv6"])
def test_networking_registry_users_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert not REGISTRY_SERVICES & set(record["fallback"])


@pytest.mark.parametrize("arch", ARCHES)
def test_nf_conntrack_init_returns_0_with_its_entries_in_proc_net_and_proc_net_stat(arch):
    # both entries are named nf_conntrack; with init_net.proc_net_stat NULL the second was
    # refused as already registered and init failed -ENOMEM (79 dependants on amd64).
    record = corpus_record(arch, "nf_conntrack")
    assert record["outcome"].startswith("init returned 0"), record["detail"]


@pytest.mark.parametrize("arch", ARCHES)
def test_nf_conntrack_frees_its_sysctl_table_through_the_header_at_unload(arch):
    # its per-net exit kfree()s header->ctl_table_arg, the kmemdup'ed table it registered;
    # with that field 0 the 3,200-byte table leaked
    record = corpus_record(arch, "nf_conntrack")
    assert record["outcome"] == CLEAN, record["detail"]


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["nf_conntrack_ftp", "nf_conntrack_sip", "nf_nat"])
def test_conntrack_helpers_unload_walking_init_net_on_the_namespace_list(arch, name):
    # their exit's nf_ct_iterate_destroy walks net_namespace_list (for_each_net); with the
    # list head zero it read a "struct net" at NULL and oopsed
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
