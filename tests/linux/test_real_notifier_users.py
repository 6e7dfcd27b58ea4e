"""Debian modules calling the notifier, rwlock, RCU/SRCU, shrinker, static key and kernel lock
services load and unload cleanly without any of them being a fallback stub, and what they
register is really there: a watchdog's reboot notifier is on the reboot chain (and is called
when the chain fires) until rmmod; test_static_keys, whose init checks every static branch
after test_static_key_base flipped its keys, passes (it failed -EINVAL while nothing patched
jump labels)."""
from __future__ import annotations

import pytest

from kemu.os.linux.services import kernel_notifiers

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

USERS = {
    "ipr": ("register_reboot_notifier", "unregister_reboot_notifier"),
    "usbmon": ("blocking_notifier_chain_register", "blocking_notifier_chain_unregister"),
    "xt_MASQUERADE": ("register_inetaddr_notifier", "register_inet6addr_notifier"),
    "nf_tables": ("netlink_register_notifier", "netlink_unregister_notifier"),
    "ipmi_watchdog": ("init_srcu_struct", "__srcu_read_lock", "atomic_notifier_chain_register"),
    "mISDN_core": ("_raw_read_lock", "_raw_write_lock_irqsave"),
    "psnap": ("kvfree_call_rcu",),
    "fou": ("synchronize_net",),
    "l2tp_eth": ("genl_lock", "genl_unlock"),
    "test_static_keys": ("static_key_count",),
}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", sorted(USERS))
def test_users_load_and_unload_cleanly_without_these_fallbacks(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert not set(USERS[name]) & set(record["fallback"])


@pytest.mark.parametrize("arch", ARCHES)
def test_a_watchdogs_reboot_notifier_is_on_the_chain_until_rmmod(arch):
    system = boot_with(arch, "wafer5823wdt", lenient=True)      # stream_open (open only) is not kemu's yet
    module = system.find_module("wafer5823wdt")
    nbs = kernel_notifiers.blocks_on(system, "reboot")
    assert len(nbs) == 1 and module.holds(nbs[0])
    assert kernel_notifiers.fire(system, "reboot", kernel_notifiers.SYS_HALT) == 0   # NOTIFY_DONE
    system.rmmod("wafer5823wdt")
    assert kernel_notifiers.blocks_on(system, "reboot") == []
    assert system.leaks() == []


@pytest.mark.parametrize("arch", ARCHES)
def test_static_branches_follow_the_keys_test_static_key_base_flipped(arch):
    system = boot_with(arch, "test_static_key_base", "test_static_keys")
    assert system.find_module("test_static_keys") is not None
