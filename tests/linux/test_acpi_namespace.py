"""ACPI (services/acpi_namespace.py): no firmware tables, a namespace with only its root,
address-space handlers one per space, the glue's bus types, no embedded controller."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .platform_helpers import boot, call, cstr, routine, s32

AE_OK, AE_NOT_FOUND, AE_NOT_EXIST, AE_ALREADY_EXISTS, AE_BAD_PARAMETER = 0, 5, 6, 7, 0x1001


@pytest.fixture(params=ARCHES)
def linux(request):
    return boot(request.param)


def root_object(linux) -> int:
    return (1 << (8 * linux.machine.word_size)) - 1


def test_no_table_is_found(linux):
    slot = linux.kernel.heap.alloc(8, "test", zero=True)
    assert call(linux, "acpi_get_table", cstr(linux, "EINJ"), 0, slot) == AE_NOT_FOUND
    assert call(linux, "acpi_get_table", 0, 0, slot) == AE_BAD_PARAMETER


def test_the_root_is_the_only_object(linux):
    slot = linux.kernel.heap.alloc(8, "test", zero=True)
    assert call(linux, "acpi_get_handle", 0, cstr(linux, "\\"), slot) == AE_OK
    assert linux.machine.mem.read_ptr(slot) == linux.acpi_namespace.root.handle
    assert call(linux, "acpi_get_handle", 0, cstr(linux, "\\_SB.PCI0"), slot) == AE_NOT_FOUND
    assert call(linux, "acpi_get_handle", 0, cstr(linux, "PCI0"), slot) == AE_BAD_PARAMETER
    assert call(linux, "acpi_has_method", root_object(linux), cstr(linux, "_OSC")) & 0xFF == 0


def test_a_walk_checks_its_arguments_and_finds_nothing_to_call(linux):
    crash = routine(linux, "ud2", "ud2")                # never called
    walk = "acpi_walk_namespace"
    assert call(linux, walk, 6, root_object(linux), 0xFFFFFFFF, crash, 0, 0, 0) == AE_OK
    assert call(linux, walk, 6, root_object(linux), 0, crash, 0, 0, 0) == AE_BAD_PARAMETER
    assert call(linux, walk, 6, root_object(linux), 1, 0, 0, 0, 0) == AE_BAD_PARAMETER
    assert call(linux, walk, 6, 0x1000, 1, crash, 0, 0, 0) == AE_BAD_PARAMETER
    assert call(linux, "acpi_get_devices", cstr(linux, "PNP0C09"), crash, 0, 0) == AE_OK
    assert call(linux, "acpi_dev_present", cstr(linux, "INT33A1"), 0, 0, 0) & 0xFF == 0


def test_one_address_space_handler_per_space(linux):
    handler = routine(linux, "xor eax, eax; ret", "xor eax, eax; ret")
    root = root_object(linux)
    assert call(linux, "acpi_install_address_space_handler", root, 7, handler, 0, 0) == AE_OK
    assert call(linux, "acpi_install_address_space_handler", root, 7, handler, 0, 0) == AE_ALREADY_EXISTS
    assert call(linux, "acpi_remove_address_space_handler", root, 7, handler) == AE_OK
    assert call(linux, "acpi_remove_address_space_handler", root, 7, handler) == AE_NOT_EXIST


def test_a_bus_type_needs_match_and_find_companion(linux):
    lay = linux.layout
    bus_type = linux.kernel.heap.alloc(lay.size("struct acpi_bus_type"), "test", zero=True)
    linux.machine.mem.write_ptr(bus_type + lay.offset("struct acpi_bus_type", "name"), cstr(linux, "usb"))
    assert s32(call(linux, "register_acpi_bus_type", bus_type)) == -linux.errno.ENODEV
    fn = routine(linux, "xor eax, eax; ret", "xor eax, eax; ret")
    for field in ("match", "find_companion"):
        linux.machine.mem.write_ptr(bus_type + lay.offset("struct acpi_bus_type", field), fn)
    assert call(linux, "register_acpi_bus_type", bus_type) == 0
    head = linux.acpi_namespace.bus_types
    assert linux.machine.mem.read_ptr(head) == bus_type + lay.offset("struct acpi_bus_type", "list")
    assert "ACPI: bus type usb registered" in linux.dmesg()
    assert call(linux, "unregister_acpi_bus_type", bus_type) == 0
    assert linux.machine.mem.read_ptr(head) == head


def test_firmware_facts_and_no_embedded_controller(linux):
    assert call(linux, "acpi_resources_are_enforced") & 0xFF == 1
    assert call(linux, "acpi_osi_is_win8") & 0xFF == 0
    assert call(linux, "acpi_quirk_skip_acpi_ac_and_battery") & 0xFF == 0
    val = linux.kernel.heap.alloc(1, "test", zero=True)
    assert s32(call(linux, "ec_read", 0x10, val)) == -linux.errno.ENODEV
    assert s32(call(linux, "ec_write", 0x10, 1)) == -linux.errno.ENODEV
