"""TCP upper-layer protocols (services/tcp_ulp.py): the tcp_ulp_list by name, on both arches."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .net_calls import call, linux  # noqa: F401  (linux: the fixture)


def ulp_ops(linux, name: bytes) -> int:
    lay = linux.layout
    ops = linux.kernel.heap.alloc(lay.size("struct tcp_ulp_ops"), "test", zero=True)
    linux.machine.mem.write(ops + lay.offset("struct tcp_ulp_ops", "name"), name + b"\0")
    return ops


def test_a_ulp_name_is_registered_once(linux):
    from kemu.os.linux.services.tcp_ulp import registered_names
    first = ulp_ops(linux, b"tls")
    assert call(linux, "tcp_register_ulp", first) == 0
    assert call(linux, "tcp_register_ulp", ulp_ops(linux, b"tls")) == -17
    assert registered_names(linux.kernel) == ["mptcp", "tls"]
    call(linux, "tcp_unregister_ulp", first)
    assert registered_names(linux.kernel) == ["mptcp"]
    assert call(linux, "tcp_register_ulp", ulp_ops(linux, b"tls")) == 0


def test_the_kernels_mptcp_ulp_is_there_from_boot(linux):
    assert call(linux, "tcp_register_ulp", ulp_ops(linux, b"mptcp")) == -17


def test_unregistering_a_ulp_never_registered_warns(linux):
    call(linux, "tcp_unregister_ulp", ulp_ops(linux, b"espintcp"))
    assert "list_del corruption" in linux.dmesg()


def test_clean_acked_data_flush_runs_the_deferred_decrements(linux):
    from kemu.os.linux.services.tcp_ulp import ulps
    lay = linux.layout
    icsk = linux.kernel.heap.alloc(lay.size("struct inet_connection_sock"), "test", zero=True)
    call(linux, "clean_acked_data_enable", icsk, 0x1234)
    hook = icsk + lay.offset("struct inet_connection_sock", "icsk_clean_acked")
    assert linux.machine.mem.read_ptr(hook) == 0x1234
    call(linux, "clean_acked_data_disable", icsk)
    assert linux.machine.mem.read_ptr(hook) == 0
    assert ulps(linux.kernel).clean_acked == 1
    call(linux, "clean_acked_data_flush")
    assert ulps(linux.kernel).clean_acked == 0


@pytest.mark.debian_corpus
@pytest.mark.parametrize("arch", ARCHES)
def test_ktls_registers_its_ulp_and_unloads_cleanly(arch):
    record = corpus_record(arch, "tls")
    assert record["outcome"] == CLEAN, record["detail"]
    assert record["fallback"] == []
    assert {"tcp_register_ulp", "tcp_unregister_ulp", "clean_acked_data_flush"} <= set(record["services"])
