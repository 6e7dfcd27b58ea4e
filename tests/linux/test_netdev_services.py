"""net_device allocation and registration, the loopback device, and the protocol registries
below sockets (services/net_device.py, net_device_register.py, net_inet_protos.py, net_xfrm.py,
tty_ldisc.py, net_inet_hash.py), called through their trap stubs as a module calls them."""
from __future__ import annotations

import pytest


@pytest.fixture
def net(linux):
    """init_net made (with its lo), as the first networking service a module calls makes it."""
    from kemu.os.linux.services.net_pernet import pernet
    pernet(linux.kernel)
    return linux


def call(linux, name: str, *args: int) -> int:
    value = linux.machine.call(linux.kernel.installed[name][1], *args) & 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def ptr_call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def cstr(linux, text: bytes) -> int:
    addr = linux.kernel.heap.alloc(len(text) + 1, "test", zero=True)
    linux.machine.mem.write(addr, text + b"\0")
    return addr


def field(linux, dev: int, name: str) -> int:
    lay = linux.layout
    return linux.machine.mem.read_int(dev + lay.offset("struct net_device", name),
                                      lay.field_size("struct net_device", name))


def name_of(linux, dev: int) -> str:
    return linux.machine.mem.read_cstr(dev + linux.layout.offset("struct net_device", "name"), 16).decode()


def base_list(linux) -> list[str]:
    """The names on init_net's dev_base_head, walked in guest memory as for_each_netdev does."""
    lay, mem = linux.layout, linux.machine.mem
    net = linux.kernel.linux.pernet.net
    head = net + lay.offset("struct net", "dev_base_head")
    out, node = [], mem.read_ptr(head)
    while node != head:
        out.append(name_of(linux, node - lay.offset("struct net_device", "dev_list")))
        node = mem.read_ptr(node)
    return out


def test_lo_is_registered_with_init_net_in_memory_no_leak_check_counts(net):
    linux = net
    assert linux.kernel.heap.leaks("kvmalloc") == []
    lay, mem = linux.layout, linux.machine.mem
    net = linux.kernel.linux.pernet.net
    lo = mem.read_ptr(net + lay.offset("struct net", "loopback_dev"))
    assert name_of(linux, lo) == "lo"
    assert field(linux, lo, "ifindex") == 1
    assert field(linux, lo, "type") == 772 and field(linux, lo, "flags") & 0x8
    assert base_list(linux) == ["lo"]
    assert "/sys/class/net/lo" in linux.kernel.linux.sysfs.dirs


def test_alloc_etherdev_gives_an_ethernet_device_with_aligned_private_area_and_queues(linux):
    dev = ptr_call(linux, "alloc_etherdev_mqs", 100, 4, 2)
    lay, mem = linux.layout, linux.machine.mem
    assert dev % 32 == 0
    assert name_of(linux, dev) == "eth%d"
    assert field(linux, dev, "type") == 1 and field(linux, dev, "mtu") == 1500
    assert field(linux, dev, "addr_len") == 6
    assert mem.read(dev + lay.offset("struct net_device", "broadcast"), 6) == b"\xff" * 6
    assert field(linux, dev, "num_tx_queues") == 4 and field(linux, dev, "real_num_rx_queues") == 2
    tx = field(linux, dev, "_tx")
    qsize = lay.size("struct netdev_queue")
    assert all(mem.read_ptr(tx + i * qsize + lay.offset("struct netdev_queue", "dev")) == dev for i in range(4))
    assert field(linux, dev, "dev_addr") != 0
    assert field(linux, dev, "nd_net") == linux.kernel.linux.pernet.net


def test_alloc_netdev_with_zero_queues_is_refused(linux):
    assert ptr_call(linux, "alloc_etherdev_mqs", 0, 0, 1) == 0
    assert "Unable to allocate device with zero queues" in linux.dmesg()


def test_register_netdev_names_eth0_then_eth1_with_new_ifindexes_and_lists_them(linux):
    a = ptr_call(linux, "alloc_etherdev_mqs", 0, 1, 1)
    b = ptr_call(linux, "alloc_etherdev_mqs", 0, 1, 1)
    assert call(linux, "register_netdev", a) == 0
    assert call(linux, "register_netdev", b) == 0
    assert (name_of(linux, a), name_of(linux, b)) == ("eth0", "eth1")
    assert (field(linux, a, "ifindex"), field(linux, b, "ifindex")) == (2, 3)
    assert field(linux, a, "reg_state") == 1
    assert base_list(linux) == ["lo", "eth0", "eth1"]
    assert "/sys/class/net/eth1" in linux.kernel.linux.sysfs.dirs


def test_a_fixed_name_already_taken_is_eexist(linux):
    dev = ptr_call(linux, "alloc_netdev_mqs", 0, cstr(linux, b"lo"), 0, 0, 1, 1)
    assert call(linux, "register_netdev", dev) == -17


def test_unregister_then_free_releases_every_block(net):
    linux = net
    heap = linux.kernel.heap
    before = heap.stats.live_blocks
    dev = ptr_call(linux, "alloc_etherdev_mqs", 64, 2, 2)
    assert call(linux, "register_netdev", dev) == 0
    call(linux, "unregister_netdev", dev)
    assert base_list(linux) == ["lo"]
    assert field(linux, dev, "reg_state") == 3                    # NETREG_UNREGISTERED
    assert "/sys/class/net/eth0" not in linux.kernel.linux.sysfs.dirs
    call(linux, "free_netdev", dev)
    assert heap.stats.live_blocks == before


def test_the_name_freed_by_unregister_is_given_again(linux):
    dev = ptr_call(linux, "alloc_etherdev_mqs", 0, 1, 1)
    call(linux, "register_netdev", dev)
    call(linux, "unregister_netdev", dev)
    call(linux, "free_netdev", dev)
    again = ptr_call(linux, "alloc_etherdev_mqs", 0, 1, 1)
    assert call(linux, "register_netdev", again) == 0
    assert name_of(linux, again) == "eth0"


@pytest.mark.parametrize("name,valid", [(b"eth0", 1), (b"", 0), (b".", 0), (b"..", 0), (b"a/b", 0),
                                        (b"a:b", 0), (b"a b", 0), (b"x" * 15, 1), (b"x" * 16, 0)])
def test_dev_valid_name(linux, name, valid):
    assert call(linux, "dev_valid_name", cstr(linux, name)) & 0xFF == valid


def test_dev_addr_mod_writes_the_device_address(linux):
    dev = ptr_call(linux, "alloc_etherdev_mqs", 0, 1, 1)
    call(linux, "dev_addr_mod", dev, 0, cstr(linux, b"\x02\x11\x22\x33\x44\x55"), 6)
    assert linux.machine.mem.read(field(linux, dev, "dev_addr"), 6) == b"\x02\x11\x22\x33\x44\x55"


def test_inet_protocol_slots_are_cmpxchg_claims(linux):
    prot, other = (linux.kernel.heap.alloc(64, "test", zero=True) for _ in range(2))
    assert call(linux, "inet_add_protocol", prot, 47) == 0
    assert call(linux, "inet_add_protocol", other, 47) == -1
    assert call(linux, "inet_add_protocol", other, 6) == -1          # TCP is the kernel's
    assert call(linux, "inet_del_protocol", other, 47) == -1
    assert call(linux, "inet_del_protocol", prot, 47) == 0
    slot = linux.kernel.linux.data["inet_protos"] + 47 * linux.machine.word_size
    assert linux.machine.mem.read_ptr(slot) == 0


def _protosw(linux, type_: int, protocol: int, flags: int) -> int:
    lay, mem = linux.layout, linux.machine.mem
    p = linux.kernel.heap.alloc(lay.size("struct inet_protosw"), "test", zero=True)
    mem.write_u16(p + lay.offset("struct inet_protosw", "type"), type_)
    mem.write_u16(p + lay.offset("struct inet_protosw", "protocol"), protocol)
    mem.write_u8(p + lay.offset("struct inet_protosw", "flags"), flags)
    return p


def test_inet6_protosw_refuses_bad_types_and_permanent_protocols(linux):
    assert call(linux, "inet6_register_protosw", _protosw(linux, 11, 1, 0)) == -22
    assert call(linux, "inet6_register_protosw", _protosw(linux, 1, 6, 0)) == -1     # over TCP: -EPERM
    assert call(linux, "inet6_register_protosw", _protosw(linux, 1, 33, 0)) == 0
    assert "Attempt to override permanent protocol 6" in linux.dmesg()


def test_xfrm_type_slots(linux):
    lay, mem = linux.layout, linux.machine.mem
    typ = linux.kernel.heap.alloc(lay.size("struct xfrm_type"), "test", zero=True)
    mem.write_u8(typ + lay.offset("struct xfrm_type", "proto"), 50)
    assert call(linux, "xfrm_register_type", typ, 2) == 0
    assert call(linux, "xfrm_register_type", typ, 2) == -17
    assert call(linux, "xfrm_register_type", typ, 99) == -97
    call(linux, "xfrm_unregister_type", typ, 2)
    assert call(linux, "xfrm_register_type", typ, 2) == 0


def test_xfrm4_handlers_chain_by_priority_and_claim_the_protocol_slot(linux):
    lay, mem = linux.layout, linux.machine.mem
    s = "struct xfrm4_protocol"
    hs = []
    for prio in (10, 30, 20):
        h = linux.kernel.heap.alloc(lay.size(s), "test", zero=True)
        mem.write_u32(h + lay.offset(s, "priority"), prio)
        assert call(linux, "xfrm4_protocol_register", h, 50) == 0
        hs.append(h)
    nxt = lay.offset(s, "next")
    assert mem.read_ptr(hs[1] + nxt) == hs[2] and mem.read_ptr(hs[2] + nxt) == hs[0]
    assert mem.read_ptr(hs[0] + nxt) == 0
    same = linux.kernel.heap.alloc(lay.size(s), "test", zero=True)
    mem.write_u32(same + lay.offset(s, "priority"), 20)
    assert call(linux, "xfrm4_protocol_register", same, 50) == -17
    assert call(linux, "xfrm4_protocol_register", same, 6) == -22
    slot = linux.kernel.linux.data["inet_protos"] + 50 * linux.machine.word_size
    assert mem.read_ptr(slot) != 0
    for h in hs:
        assert call(linux, "xfrm4_protocol_deregister", h, 50) == 0
    assert mem.read_ptr(slot) == 0
    # not on the (now empty) chain: -ENOENT, then 6.1 tries to take the hook out of the
    # already empty slot again, which fails: -EAGAIN wins
    assert call(linux, "xfrm4_protocol_deregister", hs[0], 50) == -11


@pytest.mark.parametrize("num,expected", [(1, 0), (30, 0), (31, -22), (-1, -22)])
def test_tty_register_ldisc_checks_the_number(linux, num, expected):
    lay = linux.layout
    ops = linux.kernel.heap.alloc(lay.size("struct tty_ldisc_ops"), "test", zero=True)
    linux.machine.mem.write_u32(ops + lay.offset("struct tty_ldisc_ops", "num"), num & 0xFFFFFFFF)
    assert call(linux, "tty_register_ldisc", ops) == expected


def test_n_tty_inherit_ops_copies_n_tty_and_clears_the_owner(linux):
    lay, mem = linux.layout, linux.machine.mem
    ops = linux.kernel.heap.alloc(lay.size("struct tty_ldisc_ops"), "test", zero=True)
    mem.write_ptr(ops + lay.offset("struct tty_ldisc_ops", "owner"), 0x1234)
    call(linux, "n_tty_inherit_ops", ops)
    name = mem.read_ptr(ops + lay.offset("struct tty_ldisc_ops", "name"))
    assert mem.read_cstr(name) == b"n_tty"
    assert mem.read_ptr(ops + lay.offset("struct tty_ldisc_ops", "open")) != 0
    assert mem.read_ptr(ops + lay.offset("struct tty_ldisc_ops", "owner")) == 0


def test_bucket_spinlocks_give_a_power_of_two_mask_and_are_freed(linux):
    heap = linux.kernel.heap
    cells = heap.alloc(16, "test", zero=True)
    before = heap.stats.live_blocks
    assert call(linux, "__alloc_bucket_spinlocks", cells, cells + 8, 1024, 0, 0, 0, 0) == 0
    assert linux.machine.mem.read_u32(cells + 8) == 1023
    call(linux, "free_bucket_spinlocks", linux.machine.mem.read_ptr(cells))
    assert heap.stats.live_blocks == before


def test_gro_cells_put_a_napi_on_the_device_and_destroy_takes_it_off_and_frees(linux):
    heap, mem, lay = linux.kernel.heap, linux.machine.mem, linux.layout
    dev = ptr_call(linux, "alloc_etherdev_mqs", 0, 1, 1)
    gcells = heap.alloc(16, "test", zero=True)
    before = heap.stats.live_blocks
    napi_list = dev + lay.offset("struct net_device", "napi_list")
    assert call(linux, "gro_cells_init", gcells, dev) == 0
    first = mem.read_ptr(napi_list)
    assert first != napi_list
    napi = first - lay.offset("struct napi_struct", "dev_list")
    assert mem.read_ptr(napi + lay.offset("struct napi_struct", "dev")) == dev
    call(linux, "gro_cells_destroy", gcells)
    assert mem.read_ptr(napi_list) == napi_list
    assert mem.read_ptr(gcells) == 0 and heap.stats.live_blocks == before


def test_dst_cache_init_allocates_per_cpu_slots_that_destroy_frees(linux):
    heap = linux.kernel.heap
    cache = heap.alloc(16, "test", zero=True)
    before = heap.stats.live_blocks
    assert call(linux, "dst_cache_init", cache, 0xCC0) == 0
    assert linux.machine.mem.read_ptr(cache) != 0 and heap.stats.live_blocks == before + 1
    call(linux, "dst_cache_destroy", cache)
    assert heap.stats.live_blocks == before


@pytest.mark.parametrize("addr,expected", [
    ("::1", 0x00020011), ("::", 0), ("ff02::1", 0x00020022), ("fe80::1", 0x00020021),
    ("2001:db8::1", 0x000E0001), ("::ffff:1.2.3.4", 0x000E1000), ("fd00::1", 0x000E0001)])
def test_ipv6_addr_type_classifies_as_addrconf_core(linux, addr, expected):
    import ipaddress
    buf = linux.kernel.heap.alloc(16, "test", zero=True)
    linux.machine.mem.write(buf, ipaddress.IPv6Address(addr).packed)
    assert call(linux, "__ipv6_addr_type", buf) & 0xFFFFFFFF == expected


def test_dev_get_by_name_finds_lo_and_takes_a_reference(linux):
    lo = ptr_call(linux, "__dev_get_by_name", 0, cstr(linux, b"lo"))
    assert name_of(linux, lo) == "lo"
    assert ptr_call(linux, "__dev_get_by_index", 0, 1) == lo
    assert ptr_call(linux, "dev_get_by_name", 0, cstr(linux, b"nope0")) == 0
    from kemu.os.linux.services.net_device import netdev_refcnt_add
    refs = netdev_refcnt_add(linux.kernel, lo, 0)
    assert ptr_call(linux, "dev_get_by_index", 0, 1) == lo
    assert netdev_refcnt_add(linux.kernel, lo, 0) == refs + 1


def test_skb_queue_keeps_order_and_purge_frees_every_skb(linux):
    heap, mem, lay = linux.kernel.heap, linux.machine.mem, linux.layout
    head = heap.alloc(lay.size("struct sk_buff_head"), "test", zero=True)
    mem.write_ptr(head, head)
    mem.write_ptr(head + linux.machine.word_size, head)
    before = heap.stats.live_blocks
    skbs = [ptr_call(linux, "__alloc_skb", 100, 0xCC0, 0, -1 & 0xFFFFFFFF) for _ in range(3)]
    call(linux, "skb_queue_tail", head, skbs[1])
    call(linux, "skb_queue_tail", head, skbs[2])
    call(linux, "skb_queue_head", head, skbs[0])
    assert mem.read_u32(head + lay.offset("struct sk_buff_head", "qlen")) == 3
    assert ptr_call(linux, "skb_dequeue", head) == skbs[0]
    call(linux, "consume_skb", skbs[0])
    call(linux, "skb_queue_purge", head)
    assert ptr_call(linux, "skb_dequeue", head) == 0
    assert heap.stats.live_blocks == before


def test_skb_put_moves_the_tail_and_over_panics_past_end(linux):
    skb = ptr_call(linux, "__alloc_skb", 64, 0xCC0, 0, 0)
    lay, mem = linux.layout, linux.machine.mem
    data = mem.read_ptr(skb + lay.offset("struct sk_buff", "data"))
    assert ptr_call(linux, "skb_put", skb, 10) == data
    assert mem.read_u32(skb + lay.offset("struct sk_buff", "len")) == 10
    assert ptr_call(linux, "skb_put", skb, 1 << 20) == 0
    assert "skb_over_panic" in linux.dmesg()
