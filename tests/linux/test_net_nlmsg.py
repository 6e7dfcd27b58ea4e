"""Building netlink messages and sending them where no process listens
(services/net_nlmsg.py, net_nlattr.py, net_nl_send.py), on both arches."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .net_calls import call, linux, new_skb, ptr  # noqa: F401  (linux: the fixture)


def skb_len(linux, s: int) -> int:
    lay = linux.layout
    return linux.machine.mem.read_u32(s + lay.offset("struct sk_buff", "len"))


def family(linux, fid: int, hdrsize: int, version: int, n_mcgrps: int = 1) -> int:
    lay, mem = linux.layout, linux.machine.mem
    f = "struct genl_family"
    fam = linux.kernel.heap.alloc(lay.size(f), "test", zero=True)
    for name, value in (("id", fid), ("hdrsize", hdrsize), ("version", version), ("n_mcgrps", n_mcgrps)):
        mem.write_int(fam + lay.offset(f, name), lay.field_size(f, name), value)
    return fam


def test_nlmsg_put_writes_the_header_and_pads_the_payload(linux):
    s = new_skb(linux, 64)
    nlh = ptr(linux, "__nlmsg_put", s, 7, 9, 24, 5, 0x300)
    mem = linux.machine.mem
    assert mem.read_u32(nlh) == 16 + 5                                   # nlmsg_len
    assert mem.read_u16(nlh + 4) == 24 and mem.read_u16(nlh + 6) == 0x300
    assert mem.read_u32(nlh + 8) == 9 and mem.read_u32(nlh + 12) == 7    # seq, pid
    assert skb_len(linux, s) == 24                                       # NLMSG_ALIGN(21)


def test_genlmsg_put_fills_the_genl_header_and_returns_the_user_header(linux):
    s = new_skb(linux, 128)
    user = ptr(linux, "genlmsg_put", s, 0, 1, family(linux, 30, 8, 2), 0, 5)
    nlh = user - 4 - 16
    mem = linux.machine.mem
    assert mem.read_u16(nlh + 4) == 30                                   # type: the family id
    assert mem.read_u8(nlh + 16) == 5 and mem.read_u8(nlh + 17) == 2     # cmd, version
    assert mem.read_u32(nlh) == 16 + 4 + 8


def test_genlmsg_put_without_room_is_null(linux):
    from kemu.os.linux.services.net_nlmsg import tailroom
    s = new_skb(linux, 64)
    ptr(linux, "skb_put", s, tailroom(linux.kernel, s) - 8)             # leave 8 bytes: less than 28
    assert ptr(linux, "genlmsg_put", s, 0, 1, family(linux, 30, 8, 2), 0, 5) == 0


def test_nla_put_adds_an_aligned_attribute_and_refuses_past_the_room(linux):
    s = new_skb(linux, 64)
    data = linux.kernel.heap.alloc(8, "test", zero=True)
    linux.machine.mem.write(data, b"abcde")
    before = skb_len(linux, s)
    assert call(linux, "nla_put", s, 3, 5, data) == 0
    assert skb_len(linux, s) - before == 12                             # NLA_HDRLEN + NLA_ALIGN(5)
    assert call(linux, "nla_put", s, 3, 100000, data) == -90            # -EMSGSIZE


def test_a_broadcast_nobody_hears_consumes_the_skb_and_is_esrch(linux):
    heap = linux.kernel.heap
    before = heap.stats.live_blocks
    assert call(linux, "netlink_broadcast", 0, new_skb(linux, 64), 0, 1, 0xCC0) == -3
    assert heap.stats.live_blocks == before


def test_genlmsg_multicast_allns_to_a_group_the_family_lacks_warns(linux):
    s = new_skb(linux, 64)
    assert call(linux, "genlmsg_multicast_allns", family(linux, 30, 0, 1, n_mcgrps=1), s, 0, 3, 0xCC0) == -22
    assert "W" in linux.taints


def test_cn_netlink_send_without_a_listener_is_esrch_and_to_a_port_econnrefused(linux):
    lay = linux.layout
    msg = linux.kernel.heap.alloc(lay.size("struct cn_msg"), "test", zero=True)
    linux.machine.mem.write_u32(msg, 1)                                   # id {1, 1}: cn_proc
    linux.machine.mem.write_u32(msg + 4, 1)
    assert call(linux, "cn_netlink_send", msg, 0, 0, 0xCC0) == -3
    assert call(linux, "cn_netlink_send", msg, 1234, 0, 0xCC0) == -111
    linux.machine.mem.write_u32(msg, 99)                                  # no callback for the id
    assert call(linux, "cn_netlink_send", msg, 0, 0, 0xCC0) == -3


@pytest.mark.debian_corpus
@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["mpls_router", "mac802154_hwsim"])
def test_netlink_notifiers_load_and_unload_cleanly_without_fallbacks(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert record["fallback"] == [] and record["leaks"] == 0


@pytest.mark.debian_corpus
@pytest.mark.parametrize("arch", ARCHES)
def test_uvesafb_finds_no_v86d_listener_on_the_connector(arch):
    record = corpus_record(arch, "uvesafb")
    assert record["outcome"] == CLEAN, record["detail"]
    assert "cn_netlink_send" in record["services"] and "cn_netlink_send" not in record["fallback"]
