"""Real Debian modules that open kernel sockets of their own family, allocate struct socks,
send through them, register TCP ULPs or use the netlink and net_device helpers
(services/net_sock.py, net_kernel_sock.py, iov_kvec.py, skb_copy.py and the netsock
tables): with those real they load and unload cleanly without one of them falling back."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record

pytestmark = pytest.mark.debian_corpus

NETSOCK_SERVICES = {
    "sk_alloc", "sock_init_data", "sk_free", "sk_common_release", "lock_sock_nested", "release_sock",
    "sock_wfree", "sock_rfree", "skb_set_owner_w", "sock_queue_rcv_skb_reason", "sk_reset_timer",
    "sk_stop_timer", "sock_alloc_send_pskb", "kernel_sendmsg", "kernel_listen", "_copy_from_iter",
    "iov_iter_revert", "skb_copy_bits",
}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", [
    # qrtr's name service: a kernel AF_QIPCRTR socket, bound, sending its hello at init
    "qrtr", "qrtr_mhi",
    # tipc's sock_diag module: it loads once tipc (its dependency) makes its sockets
    "diag",
])
def test_kernel_socket_users_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert record["fallback"] == []
    assert record["leaks"] == 0


@pytest.mark.parametrize("arch", ARCHES)
def test_tipc_makes_its_topology_server_socket_without_a_sock_fallback(arch):
    record = corpus_record(arch, "tipc")
    assert record["outcome"] == CLEAN, record["detail"]
    assert not NETSOCK_SERVICES & set(record["fallback"])
    assert {"sk_alloc", "sock_init_data", "kernel_listen"} <= set(record["services"])
