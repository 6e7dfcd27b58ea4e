"""The net_device helpers drivers call around registration (services/netdev_helpers.py):
message prefixes, carrier state, closing, /sys/class/net files, flow dissector keys."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .net_calls import call, cstr


@pytest.fixture(params=ARCHES)
def linux(request):
    from kemu.os.linux.services.net_pernet import pernet
    system = kemu.boot("linux", request.param)
    pernet(system.kernel)
    return system


def vcall(linux, name: str, *args: int) -> None:
    """A variadic service: cdecl on i386 as the compiler calls it."""
    linux.machine.call(linux.kernel.installed[name][1], *args, abi="cdecl" if linux.arch == "i386" else None)


def field(linux, dev: int, name: str) -> int:
    lay = linux.layout
    return linux.machine.mem.read_int(dev + lay.offset("struct net_device", name),
                                      lay.field_size("struct net_device", name))


def etherdev(linux, register: bool = True) -> int:
    dev = linux.machine.call(linux.kernel.installed["alloc_etherdev_mqs"][1], 0, 1, 1)
    if register:
        assert call(linux, "register_netdev", dev) == 0
    return dev


def test_netdev_warn_on_an_unregistered_template_names_it_unnamed_and_uninitialized(linux):
    dev = etherdev(linux, register=False)
    vcall(linux, "netdev_warn", dev, cstr(linux, b"no card at %d\n"), 5)
    assert "(unnamed net_device) (uninitialized): no card at 5" in linux.dmesg()


def test_netdev_info_on_a_registered_device_has_no_state_suffix(linux):
    dev = etherdev(linux)
    vcall(linux, "netdev_info", dev, cstr(linux, b"Released all slaves\n"))
    assert "eth0: Released all slaves" in linux.dmesg()
    assert "eth0 (" not in linux.dmesg()


def test_netdev_err_on_null_says_so(linux):
    vcall(linux, "netdev_err", 0, cstr(linux, b"oops\n"))
    assert "(NULL net_device): oops" in linux.dmesg()


def test_carrier_off_then_on_counts_and_sets_operstate(linux):
    dev = etherdev(linux)
    call(linux, "netif_carrier_off", dev)
    assert field(linux, dev, "state") & (1 << 2)
    assert field(linux, dev, "carrier_down_count") == 1 and field(linux, dev, "operstate") == 2
    call(linux, "netif_carrier_off", dev)                      # no change: not counted again
    assert field(linux, dev, "carrier_down_count") == 1
    call(linux, "netif_carrier_on", dev)
    assert not field(linux, dev, "state") & (1 << 2)
    assert field(linux, dev, "carrier_up_count") == 1 and field(linux, dev, "operstate") == 6


def test_carrier_off_before_registration_is_not_counted(linux):
    dev = etherdev(linux, register=False)
    call(linux, "netif_carrier_off", dev)
    assert field(linux, dev, "state") & (1 << 2)
    assert field(linux, dev, "carrier_down_count") == 0


def test_dev_close_of_an_up_device_clears_iff_up_and_one_that_is_down_is_left(linux):
    dev = etherdev(linux)
    call(linux, "dev_close", dev)
    assert not field(linux, dev, "flags") & 1
    lay = linux.layout
    linux.machine.mem.write_u32(dev + lay.offset("struct net_device", "flags"), field(linux, dev, "flags") | 1)
    call(linux, "dev_close", dev)
    assert not field(linux, dev, "flags") & 1


def class_attr(linux, name: bytes) -> int:
    lay = linux.layout
    attr = linux.kernel.heap.alloc(lay.size("struct class_attribute"), "test", zero=True)
    linux.machine.mem.write_ptr(attr + lay.offset("struct class_attribute", "attr") +
                                lay.offset("struct attribute", "name"), cstr(linux, name))
    return attr


def test_net_class_files_are_unique_by_name(linux):
    from kemu.os.linux.services.netdev_helpers import net_class_files
    attr = class_attr(linux, b"bonding_masters")
    assert call(linux, "netdev_class_create_file_ns", attr, 0) == 0
    assert call(linux, "netdev_class_create_file_ns", class_attr(linux, b"bonding_masters"), 0) == -17
    assert "cannot create duplicate filename '/class/net/bonding_masters'" in linux.dmesg()
    call(linux, "netdev_class_remove_file_ns", attr, 0)
    assert net_class_files(linux.kernel) == {}


def test_the_lower_list_walk_of_a_device_without_lowers_ends_at_once(linux):
    dev = etherdev(linux)
    it = linux.kernel.heap.alloc(8, "test", zero=True)
    linux.machine.mem.write_ptr(it, dev + linux.layout.offset("struct net_device", "adj_list.lower"))
    assert call(linux, "netdev_lower_get_next_private", dev, it) == 0


def keys(linux, *pairs: tuple[int, int]) -> int:
    lay = linux.layout
    size = lay.size("struct flow_dissector_key")
    arr = linux.kernel.heap.alloc(size * len(pairs), "test", zero=True)
    for i, (key_id, offset) in enumerate(pairs):
        linux.machine.mem.write_u32(arr + i * size + lay.offset("struct flow_dissector_key", "key_id"), key_id)
        linux.machine.mem.write_u32(arr + i * size + lay.offset("struct flow_dissector_key", "offset"), offset)
    return arr


def test_flow_dissector_init_records_keys_and_offsets(linux):
    lay = linux.layout
    fd = linux.kernel.heap.alloc(lay.size("struct flow_dissector"), "test", zero=True)
    call(linux, "skb_flow_dissector_init", fd, keys(linux, (0, 0), (1, 4), (3, 12)), 3)
    assert linux.machine.mem.read_u32(fd + lay.offset("struct flow_dissector", "used_keys")) == 0b1011
    assert linux.machine.mem.read_u16(fd + lay.offset("struct flow_dissector", "offset") + 2 * 3) == 12
    assert "D" not in linux.taints


def test_flow_dissector_without_the_basic_key_is_a_bug(linux):
    fd = linux.kernel.heap.alloc(linux.layout.size("struct flow_dissector"), "test", zero=True)
    call(linux, "skb_flow_dissector_init", fd, keys(linux, (0, 0)), 1)
    assert "no FLOW_DISSECTOR_KEY_BASIC" in linux.dmesg() and "D" in linux.taints


@pytest.mark.debian_corpus
@pytest.mark.parametrize("arch", ARCHES)
def test_bonding_creates_bond0_and_its_class_file_without_a_netdev_fallback(arch):
    record = corpus_record(arch, "bonding")
    assert record["outcome"] == CLEAN, record["detail"]
    assert record["fallback"] == []


@pytest.mark.debian_corpus
@pytest.mark.parametrize("arch", ARCHES)
def test_com90io_refuses_without_an_io_base_and_says_so_with_the_netdev_prefix(arch):
    record = corpus_record(arch, "com90io")
    assert record["outcome"] == "init returned an error" and record["detail"] == "-ENODEV"
    assert record["fallback"] == []
