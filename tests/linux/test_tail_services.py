"""The long tail's small kernel services (services/nmi_handlers.py, radix_tree.py,
isa_dma.py, nls_default.py, reciprocal_div.py, device_randomness.py, led_events.py,
kobject_path.py, powercap.py, mdio_boardinfo.py), each checked against what Linux 6.1 does. Both arches."""
from __future__ import annotations

from kemu.os.linux.services import nmi_handlers
from kemu.os.linux.services.reciprocal_div import reciprocal

from .libds_helpers import call, cstring, icall, word, zeroed
from .platform_helpers import read_file

EINVAL, EBUSY, EEXIST = 22, 16, 17
NMI_LOCAL, NMI_UNKNOWN = 0, 1


def _action(linux, name: bytes, handler: int = 0x1000, flags: int = 0) -> int:
    """A struct nmiaction as register_nmi_handler's macro builds it (list empty)."""
    lay, mem = linux.layout, linux.machine.mem
    a = zeroed(linux, lay.size("struct nmiaction"))
    node = a + lay.offset("struct nmiaction", "list")
    mem.write_ptr(node, node)
    mem.write_ptr(node + word(linux), node)
    mem.write_ptr(a + lay.offset("struct nmiaction", "handler"), handler)
    mem.write_ptr(a + lay.offset("struct nmiaction", "flags"), flags)
    mem.write_ptr(a + lay.offset("struct nmiaction", "name"), cstring(linux, name))
    return a


def _names(linux, nmi_type: int) -> list[str]:
    return nmi_handlers.nmi_list(linux.kernel, nmi_type).names()


def test_nmi_handlers_are_listed_by_type_first_flag_in_front(linux):
    for name, flags in ((b"a", 0), (b"b", 0), (b"kdump", nmi_handlers.NMI_FLAG_FIRST)):
        assert icall(linux, "__register_nmi_handler", NMI_LOCAL, _action(linux, name, flags=flags)) == 0
    assert _names(linux, NMI_LOCAL) == ["kdump", "a", "b"]
    assert _names(linux, NMI_UNKNOWN) == []


def test_nmi_register_refuses_an_action_already_on_a_list_or_without_handler(linux):
    a = _action(linux, b"mce_notify")
    assert icall(linux, "__register_nmi_handler", NMI_LOCAL, a) == 0
    assert icall(linux, "__register_nmi_handler", NMI_LOCAL, a) == -EINVAL
    assert icall(linux, "__register_nmi_handler", NMI_LOCAL, _action(linux, b"x", handler=0)) == -EINVAL
    assert _names(linux, NMI_LOCAL) == ["mce_notify"]


def test_unregister_nmi_handler_by_name_empties_the_actions_list(linux):
    a = _action(linux, b"mce_notify")
    call(linux, "__register_nmi_handler", NMI_LOCAL, a)
    call(linux, "unregister_nmi_handler", NMI_LOCAL, cstring(linux, b"nothere"))
    assert _names(linux, NMI_LOCAL) == ["mce_notify"]
    call(linux, "unregister_nmi_handler", NMI_LOCAL, cstring(linux, b"mce_notify"))
    assert _names(linux, NMI_LOCAL) == []
    node = a + linux.layout.offset("struct nmiaction", "list")
    assert linux.machine.mem.read_ptr(node) == node
    assert icall(linux, "__register_nmi_handler", NMI_LOCAL, a) == 0     # reusable again


def test_radix_tree_insert_refuses_a_taken_slot_and_gang_lookup_walks_in_order(linux):
    root, results = zeroed(linux, 16), zeroed(linux, 8 * word(linux))
    for index, item in ((7, 0x7000), (2, 0x2000), (40, 0x4000)):
        assert icall(linux, "radix_tree_insert", root, index, item) == 0
    assert icall(linux, "radix_tree_insert", root, 7, 0x9000) == -EEXIST
    assert call(linux, "radix_tree_gang_lookup", root, results, 3, 8) == 2
    w = word(linux)
    assert [linux.machine.mem.read_ptr(results + i * w) for i in range(2)] == [0x7000, 0x4000]
    assert call(linux, "radix_tree_gang_lookup", root, results, 0, 1) == 1
    assert linux.machine.mem.read_ptr(results) == 0x2000


def test_radix_tree_delete_returns_the_item_and_an_empty_tree_has_no_head(linux):
    root = zeroed(linux, 16)
    call(linux, "radix_tree_insert", root, 5, 0x5000)
    assert linux.machine.mem.read_ptr(root + 8) != 0
    assert call(linux, "radix_tree_lookup", root, 5) == 0x5000
    assert call(linux, "radix_tree_delete", root, 5) == 0x5000
    assert call(linux, "radix_tree_delete", root, 5) == 0
    assert linux.machine.mem.read_ptr(root + 8) == 0
    assert call(linux, "radix_tree_gang_lookup", root, zeroed(linux, 16), 0, 4) == 0


def test_isa_dma_channels_are_held_once_and_listed_in_proc_dma(linux):
    assert read_file(linux, "/proc/dma") == " 4: cascade\n"
    assert icall(linux, "request_dma", 2, cstring(linux, b"floppy")) == 0
    assert icall(linux, "request_dma", 2, cstring(linux, b"other")) == -EBUSY
    assert icall(linux, "request_dma", 4, cstring(linux, b"other")) == -EBUSY
    assert icall(linux, "request_dma", 8, cstring(linux, b"other")) == -EINVAL
    assert read_file(linux, "/proc/dma") == " 2: floppy\n 4: cascade\n"
    call(linux, "free_dma", 2)
    assert read_file(linux, "/proc/dma") == " 4: cascade\n"
    call(linux, "free_dma", 2)          # already free: only the kernel's warning
    assert icall(linux, "request_dma", 2, cstring(linux, b"floppy")) == 0


def test_load_nls_default_without_utf8_is_the_builtin_latin1_table(linux):
    nls = call(linux, "load_nls_default")
    lay, mem = linux.layout, linux.machine.mem
    assert mem.read_cstr(mem.read_ptr(nls + lay.offset("struct nls_table", "charset")), 16) == b"default"
    out, uni = zeroed(linux, 4), zeroed(linux, 4)
    uni2char = mem.read_ptr(nls + lay.offset("struct nls_table", "uni2char"))
    char2uni = mem.read_ptr(nls + lay.offset("struct nls_table", "char2uni"))
    m = linux.machine
    assert m.call(uni2char, 0xE9, out, 4) & 0xFFFFFFFF == 1 and mem.read(out, 1) == b"\xe9"
    assert m.call(uni2char, 0x20AC, out, 4) & 0xFFFFFFFF == (-EINVAL) & 0xFFFFFFFF
    assert m.call(char2uni, cstring(linux, b"\xc4"), 1, uni) & 0xFFFFFFFF == 1
    assert mem.read_int(uni, 2) == 0xC4
    lower = mem.read_ptr(nls + lay.offset("struct nls_table", "charset2lower"))
    assert mem.read(lower + 0x41, 1) == b"a" and mem.read(lower + 0xC4, 1) == b"\xc4"
    assert call(linux, "load_nls_default") == nls
    call(linux, "unload_nls", nls)


def test_reciprocal_value_divides_like_the_kernel():
    for d in (1, 3, 7, 10, 1000, 0xFFFFFFFF):
        m, sh1, sh2 = reciprocal(d)
        for a in (0, 1, d - 1, d, 12345678, 0xFFFFFFFF):
            t = (a * m) >> 32
            assert (t + ((a - t) >> sh1)) >> sh2 == a // d


def test_reciprocal_value_packs_the_struct_in_the_return_registers(linux):
    m, sh1, sh2 = reciprocal(10)
    got = call(linux, "reciprocal_value", 10)
    assert got & 0xFFFFFFFF == m
    if linux.arch == "x86_64":
        assert got >> 32 == sh1 | sh2 << 8


def _draw(linux) -> bytes:
    buf = zeroed(linux, 16)
    call(linux, "get_random_bytes", buf, 16)
    return linux.machine.mem.read(buf, 16)


def test_add_device_randomness_changes_the_stream_deterministically(linux):
    import kemu
    other, third = kemu.boot("linux", linux.arch), kemu.boot("linux", linux.arch)
    for system, data in ((linux, b"serial-0001"), (other, b"serial-0001"), (third, b"serial-0002")):
        call(system, "add_device_randomness", cstring(system, data), len(data))
    assert _draw(linux) == _draw(other) != _draw(third)


def test_led_trigger_event_tolerates_null_and_mtd_activity_registers_the_mtd_trigger(linux):
    from kemu.os.linux.services.registries import _registry
    call(linux, "led_trigger_event", 0, 255)
    call(linux, "ledtrig_mtd_activity")
    call(linux, "ledtrig_mtd_activity")
    assert _registry(linux.kernel, "led_triggers").names().count("mtd") == 1


def test_kobject_get_path_walks_the_parents(linux):
    lay, mem = linux.layout, linux.machine.mem
    size = lay.size("struct kobject")
    name, parent = lay.offset("struct kobject", "name"), lay.offset("struct kobject", "parent")
    objs = [zeroed(linux, size) for _ in range(3)]
    for obj, text, up in zip(objs, (b"devices", b"virtual", b"rc0"), (0, objs[0], objs[1])):
        mem.write_ptr(obj + name, cstring(linux, text))
        mem.write_ptr(obj + parent, up)
    path = call(linux, "kobject_get_path", objs[2], 0xCC0)
    assert mem.read_cstr(path, 64) == b"/devices/virtual/rc0"
    call(linux, "kfree", path)
    mem.write_ptr(objs[1] + name, 0)
    assert call(linux, "kobject_get_path", objs[2], 0xCC0) == 0


def test_powercap_control_type_is_allocated_listed_and_unregistered_once(linux):
    from kemu.os.linux.services.powercap import control_types
    err_einval = (-EINVAL) & ((1 << (8 * word(linux))) - 1)
    assert call(linux, "powercap_register_control_type", 0, 0, 0) == err_einval
    ct = call(linux, "powercap_register_control_type", 0, cstring(linux, b"intel-rapl"), 0)
    assert control_types(linux.kernel).names() == ["intel-rapl"]
    assert icall(linux, "powercap_unregister_control_type", ct) == 0
    assert control_types(linux.kernel).names() == []


def test_powercap_refuses_a_given_struct_without_release_and_zones_left(linux):
    from kemu.os.linux.services.powercap import STRUCT
    lay, mem = linux.layout, linux.machine.mem
    err_einval = (-EINVAL) & ((1 << (8 * word(linux))) - 1)
    ct = zeroed(linux, lay.size(STRUCT))
    name = cstring(linux, b"dtpm")
    assert call(linux, "powercap_register_control_type", ct, name, zeroed(linux, 64)) == err_einval
    ops = zeroed(linux, 64)
    mem.write_ptr(ops + lay.offset("struct powercap_control_type_ops", "release"), 0x1000)
    assert call(linux, "powercap_register_control_type", ct, name, ops) == ct
    mem.write_u32(ct + lay.offset(STRUCT, "nr_zones"), 1)
    assert icall(linux, "powercap_unregister_control_type", ct) == -EINVAL
    assert icall(linux, "powercap_unregister_control_type", zeroed(linux, lay.size(STRUCT))) == -19


def test_mdio_board_info_is_offered_only_to_the_bus_it_names(linux):
    from kemu.os.linux.services.mdio_boardinfo import board_entries
    from .platform_helpers import routine
    lay, mem = linux.layout, linux.machine.mem
    cb = routine(linux, "mov dword ptr [rdi], 7; xor eax, eax; ret", "mov dword ptr [eax], 7; xor eax, eax; ret")
    bus = zeroed(linux, lay.size("struct mii_bus"))
    mem.write(bus + lay.offset("struct mii_bus", "id"), b"fixed-0\0")
    call(linux, "mdiobus_setup_mdiodev_from_board_info", bus, cb)      # x86: no board entries
    assert mem.read_u32(bus) == 0
    board_entries(linux.kernel).append((b"other-0", zeroed(linux, 64)))
    call(linux, "mdiobus_setup_mdiodev_from_board_info", bus, cb)
    assert mem.read_u32(bus) == 0
    board_entries(linux.kernel).append((b"fixed-0", zeroed(linux, 64)))
    call(linux, "mdiobus_setup_mdiodev_from_board_info", bus, cb)
    assert mem.read_u32(bus) == 7
