"""The networking registries (netdevice notifiers, pernet operations, generic netlink families,
packet types and protocols) as guest/linux/netreg/netreg.c fills them at init and empties
them at exit, and as a module calls them through their trap stubs."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def lines(system) -> list[str]:
    return [line.split("] ", 1)[1] for line in system.dmesg().splitlines() if "] " in line]


def call(linux, name: str, *args: int) -> int:
    value = linux.machine.call(linux.kernel.installed[name][1], *args) & 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def test_pernet_init_gets_init_net_and_its_net_generic_storage(linux):
    linux.insmod(str(ko(linux.arch, "netreg")))
    assert "netreg: pernet init, id 3, init_net 1" in lines(linux)


def test_a_notifier_registered_twice_is_refused_with_eexist(linux):
    linux.insmod(str(ko(linux.arch, "netreg")))
    assert "netreg: notifier again: -17" in lines(linux)
    assert "W" in linux.taints


def test_genl_family_gets_the_first_free_id_and_groups_and_its_name_is_then_taken(linux):
    linux.insmod(str(ko(linux.arch, "netreg")))
    out = lines(linux)
    assert "netreg: family id 19, first group 2" in out            # GENL_START_ALLOC, after bits 0-1
    assert "netreg: same name again: -17" in out


def test_exit_runs_pernet_exits_with_the_storage_init_wrote_and_empties_every_registry(linux):
    linux.insmod(str(ko(linux.arch, "netreg")))
    linux.rmmod("netreg")
    out = lines(linux)
    assert "netreg: pernet exit, magic 6e6574" in out
    assert "netreg: exit batch saw init_net 1" in out
    assert "netreg: unregister family: 0" in out
    # gcc evaluates the printk arguments right to left: the call printed as "again" runs first
    assert "netreg: unregister notifier: -2, again: 0" in out
    assert "not found" not in linux.dmesg()
    k = linux.kernel
    assert not k.linux.netdev_chain and not k.linux.pernet.ops
    assert not k.linux.net_protocols.ptype_base


def test_ids_and_groups_are_given_back_on_unload_and_reused(linux):
    for _ in range(2):
        linux.insmod(str(ko(linux.arch, "netreg")))
        linux.rmmod("netreg")
    out = lines(linux)
    assert out.count("netreg: pernet init, id 3, init_net 1") == 2
    assert out.count("netreg: family id 19, first group 2") == 1
    assert "netreg: family id 20, first group 2" in out             # the family idr is cyclic


def test_removing_a_packet_type_never_added_warns(linux):
    pt = linux.kernel.heap.alloc(128, "test", zero=True)
    call(linux, "dev_remove_pack", pt)
    assert f"dev_remove_pack: {pt:#x} not found" in linux.dmesg()


def test_unregistering_an_unknown_genl_family_is_enoent(linux):
    family = linux.kernel.heap.alloc(128, "test", zero=True)
    linux.machine.mem.write(family + 8, b"nobody\0")
    assert call(linux, "genl_unregister_family", family) == -2


def test_proto_register_takes_an_index_and_makes_its_cache(linux):
    k = linux.kernel
    lay = k.linux.layout
    prot = k.heap.alloc(lay.size("struct proto"), "test", zero=True)
    linux.machine.mem.write(prot + lay.offset("struct proto", "name"), b"KEMU\0")
    linux.machine.mem.write_u32(prot + lay.offset("struct proto", "obj_size"), 200)
    assert call(linux, "proto_register", prot, 1) == 0
    slab = linux.machine.mem.read_ptr(prot + lay.offset("struct proto", "slab"))
    assert k.linux.caches[slab] == 200
    assert "KEMU" in k.linux.net_protocols.render_protocols()
    call(linux, "proto_unregister", prot)
    assert slab not in k.linux.caches and prot not in k.linux.net_protocols.protos


def test_a_netlink_kernel_socket_is_one_per_unit_and_given_back_on_release(linux):
    k = linux.kernel
    lay = k.linux.layout
    cfg = k.heap.alloc(lay.size("struct netlink_kernel_cfg"), "test", zero=True)
    net = k.linux.data["init_net"]
    create = linux.kernel.installed["__netlink_kernel_create"][1]
    sock = linux.machine.call(create, net, 12, 0, cfg) & ((1 << 8 * linux.machine.word_size) - 1)
    assert sock and sock in k.heap
    assert call(linux, "__netlink_kernel_create", net, 12, 0, cfg) == 0       # port 0 taken
    assert call(linux, "__netlink_kernel_create", net, 0, 0, cfg) == 0        # rtnetlink's at boot
    call(linux, "netlink_kernel_release", sock)
    assert sock not in k.heap
    assert call(linux, "__netlink_kernel_create", net, 12, 0, cfg) != 0


def test_a_fragment_directory_holds_a_reference_on_its_inet_frags_until_it_exits(linux):
    k, mem = linux.kernel, linux.machine.mem
    lay = k.linux.layout
    f = k.heap.alloc(lay.size("struct inet_frags"), "test", zero=True)
    mem.write_u32(f + lay.offset("struct inet_frags", "qsize"), 96)
    refcnt = f + lay.offset("struct inet_frags", "refcnt")
    assert call(linux, "inet_frags_init", f) == 0 and mem.read_u32(refcnt) == 1
    cache = mem.read_ptr(f + lay.offset("struct inet_frags", "frags_cachep"))
    assert k.linux.caches[cache] == 96
    slot = k.heap.alloc(8, "test", zero=True)
    net = k.linux.data["init_net"]
    assert call(linux, "fqdir_init", slot, f, net) == 0 and mem.read_u32(refcnt) == 2
    fqdir = mem.read_ptr(slot)
    assert mem.read_ptr(fqdir + lay.offset("struct fqdir", "net")) == net
    call(linux, "fqdir_exit", fqdir)
    assert mem.read_u32(refcnt) == 1 and fqdir not in k.heap
    call(linux, "inet_frags_fini", f)
    assert cache not in k.linux.caches and "W" not in linux.taints


def test_proc_create_net_data_puts_the_entry_in_proc_net_once(linux):
    k = linux.kernel
    name = k.heap.alloc(32, "test", zero=True)
    linux.machine.mem.write(name, b"kemu_net\0")
    ops = k.heap.alloc(64, "test", zero=True)
    assert call(linux, "proc_create_net_data", name, 0o444, 0, ops, 16, 0) != 0
    assert "/proc/net/kemu_net" in k.linux.proc_entries.entries
    assert call(linux, "proc_create_net_data", name, 0o444, 0, ops, 16, 0) == 0


def test_init_net_proc_dirs_are_proc_net_and_proc_net_stat(linux):
    from kemu.os.linux.services.net_pernet import pernet
    net = pernet(linux.kernel)
    lay, mem, entries = linux.layout, linux.machine.mem, linux.proc_entries
    proc_net = mem.read_ptr(net.net + lay.offset("struct net", "proc_net"))
    proc_net_stat = mem.read_ptr(net.net + lay.offset("struct net", "proc_net_stat"))
    assert proc_net == entries.lookup_dir("/proc/net") != 0
    assert proc_net_stat == entries.lookup_dir("/proc/net/stat") != 0


def test_net_namespace_list_holds_init_net_from_boot(linux):
    mem, lay = linux.machine.mem, linux.layout
    head = linux.data["net_namespace_list"]
    node = linux.data["init_net"] + lay.offset("struct net", "list")
    assert mem.read_ptr(head) == node and mem.read_ptr(head + linux.machine.word_size) == node
    assert mem.read_ptr(node) == head


def test_a_sysctl_header_names_the_table_it_registered(linux):
    table = linux.kernel.heap.alloc(64, "table", zero=True)
    path = linux.kernel.heap.alloc(16, "path", zero=True)
    linux.machine.mem.write(path, b"net/kemu\0")
    header = linux.machine.call(linux.kernel.installed["register_net_sysctl"][1],
                                linux.data["init_net"], path, table)
    for field in ("ctl_table", "ctl_table_arg"):
        assert linux.machine.mem.read_ptr(header + linux.layout.offset("struct ctl_table_header", field)) == table
