"""The life of a struct sock (services/net_sock.py), called through the trap stubs as a
protocol's create() and release() call them, on both arches."""
from __future__ import annotations

from .net_calls import linux, new_skb, ptr  # noqa: F401  (linux: the fixture)
from .net_calls import call as int_call


def sk_field(linux, sk: int, name: str) -> int:
    lay = linux.layout
    return linux.machine.mem.read_int(sk + lay.offset("struct sock", name), lay.field_size("struct sock", name))


def make_proto(linux, obj_size: int, name: bytes = b"TEST") -> int:
    lay, mem = linux.layout, linux.machine.mem
    prot = linux.kernel.heap.alloc(lay.size("struct proto"), "test", zero=True)
    mem.write_u32(prot + lay.offset("struct proto", "obj_size"), obj_size)
    mem.write(prot + lay.offset("struct proto", "name"), name + b"\0")
    return prot


def make_socket(linux, type_: int = 2) -> int:
    lay, mem = linux.layout, linux.machine.mem
    sock = linux.kernel.heap.alloc(lay.size("struct socket_alloc"), "test", zero=True)
    mem.write_u16(sock + lay.offset("struct socket", "type"), type_)
    return sock


def test_sk_alloc_gives_a_zeroed_sock_of_the_protos_size_with_one_wmem_reference(linux):
    big = linux.layout.size("struct sock") + 200
    prot = make_proto(linux, big)
    sk = ptr(linux, "sk_alloc", 0x1234, 42, 0xCC0, prot, 1)
    assert sk and linux.kernel.heap.size_of(sk) >= big
    assert sk_field(linux, sk, "__sk_common.skc_family") == 42
    assert sk_field(linux, sk, "__sk_common.skc_prot") == prot == sk_field(linux, sk, "sk_prot_creator")
    assert sk_field(linux, sk, "__sk_common.skc_net") == 0x1234
    assert sk_field(linux, sk, "sk_wmem_alloc") == 1


def test_sk_alloc_takes_from_the_protos_slab_when_proto_register_made_one(linux):
    prot = make_proto(linux, linux.layout.size("struct sock"), b"SLABBY")
    assert int_call(linux, "proto_register", prot, 1) == 0
    sk = ptr(linux, "sk_alloc", 0, 42, 0xCC0, prot, 1)
    assert linux.kernel.heap.block_containing(sk).tag == "kmem_cache SLABBY"


def test_sock_init_data_links_socket_and_sock_and_sets_the_defaults(linux):
    prot = make_proto(linux, linux.layout.size("struct sock"))
    sock = make_socket(linux, 2)
    sk = ptr(linux, "sk_alloc", 0, 42, 0xCC0, prot, 1)
    int_call(linux, "sock_init_data", sock, sk)
    lay, mem = linux.layout, linux.machine.mem
    assert mem.read_ptr(sock + lay.offset("struct socket", "sk")) == sk
    assert sk_field(linux, sk, "sk_socket") == sock
    assert sk_field(linux, sk, "sk_wq") == sock + lay.offset("struct socket", "wq")
    assert sk_field(linux, sk, "sk_type") == 2
    assert sk_field(linux, sk, "__sk_common.skc_state") == 7                  # TCP_CLOSE
    assert sk_field(linux, sk, "__sk_common.skc_refcnt") == 1
    assert sk_field(linux, sk, "sk_rcvbuf") == 212992 == sk_field(linux, sk, "sk_sndbuf")
    assert sk_field(linux, sk, "sk_peek_off") == 0xFFFFFFFF
    assert sk_field(linux, sk, "__sk_common.skc_flags") & (1 << 8)            # SOCK_ZAPPED
    q = sk + lay.offset("struct sock", "sk_receive_queue")
    assert mem.read_ptr(q) == q
    for cb in ("sk_data_ready", "sk_state_change", "sk_write_space", "sk_error_report", "sk_destruct"):
        assert sk_field(linux, sk, cb)


def test_the_default_data_ready_runs_without_sleepers(linux):
    prot = make_proto(linux, linux.layout.size("struct sock"))
    sock = make_socket(linux)
    sk = ptr(linux, "sk_alloc", 0, 42, 0xCC0, prot, 1)
    int_call(linux, "sock_init_data", sock, sk)
    linux.machine.call(sk_field(linux, sk, "sk_data_ready"), sk)
    assert "W" not in linux.taints


def test_sk_common_release_runs_destroy_and_frees_at_the_last_reference(linux):
    heap = linux.kernel.heap
    prot = make_proto(linux, linux.layout.size("struct sock"))
    sock = make_socket(linux)
    before = heap.stats.live_blocks
    sk = ptr(linux, "sk_alloc", 0, 42, 0xCC0, prot, 1)
    int_call(linux, "sock_init_data", sock, sk)
    int_call(linux, "sk_common_release", sk)
    assert heap.stats.live_blocks == before


def test_sk_free_waits_for_the_last_wmem_reference(linux):
    heap = linux.kernel.heap
    prot = make_proto(linux, linux.layout.size("struct sock"))
    sk = ptr(linux, "sk_alloc", 0, 42, 0xCC0, prot, 1)
    int_call(linux, "sock_init_data", 0, sk)
    skb = new_skb(linux)
    int_call(linux, "skb_set_owner_w", skb, sk)
    assert sk_field(linux, sk, "sk_wmem_alloc") > 1
    int_call(linux, "sk_free", sk)
    assert sk in heap                                                       # the skb holds it
    int_call(linux, "consume_skb", skb)
    assert sk not in heap


def test_sk_free_of_something_sk_alloc_did_not_make_is_reported_not_freed(linux):
    blk = linux.kernel.heap.alloc(64, "test", zero=True)
    int_call(linux, "sk_free", blk)
    assert "is not a struct sock sk_alloc made" in linux.dmesg()
    assert blk in linux.kernel.heap


def test_a_full_receive_buffer_refuses_the_skb_with_enomem(linux):
    prot = make_proto(linux, linux.layout.size("struct sock"))
    sk = ptr(linux, "sk_alloc", 0, 42, 0xCC0, prot, 1)
    int_call(linux, "sock_init_data", 0, sk)
    skb = new_skb(linux)
    assert int_call(linux, "sock_queue_rcv_skb_reason", sk, skb, 0) == 0
    lay = linux.layout
    assert linux.machine.mem.read_u32(sk + lay.offset("struct sock", "sk_receive_queue") +
                                      lay.offset("struct sk_buff_head", "qlen")) == 1
    linux.machine.mem.write_u32(sk + lay.offset("struct sock", "sk_rcvbuf"), 1)
    other = new_skb(linux)
    assert (int_call(linux, "sock_queue_rcv_skb_reason", sk, other, 0)) == -12
    assert sk_field(linux, sk, "sk_drops") == 1


def test_lock_sock_marks_the_sock_owned_until_release_and_twice_is_a_warn(linux):
    prot = make_proto(linux, linux.layout.size("struct sock"))
    sk = ptr(linux, "sk_alloc", 0, 42, 0xCC0, prot, 1)
    int_call(linux, "lock_sock_nested", sk, 0)
    assert sk_field(linux, sk, "sk_lock.owned") == 1
    int_call(linux, "lock_sock_nested", sk, 0)
    assert "possible recursive locking" in linux.dmesg() and "W" in linux.taints
    int_call(linux, "release_sock", sk)
    assert sk_field(linux, sk, "sk_lock.owned") == 0
