"""DMI identification (services/dmi.py): the machine is a QEMU q35 guest (as
/sys/class/dmi/id shows), and a module's dmi_system_id table is walked with the kernel's
match rules (substring, exact, absent fields), counting matches and calling callbacks until
one answers non-zero."""
from __future__ import annotations

import pytest

from kemu.os.linux.services.dmi import FIELD

from .conftest import ARCHES
from .platform_helpers import boot, call, cstr, read_file, routine


@pytest.fixture(params=ARCHES)
def linux(request):
    return boot(request.param)


def dmi_table(linux, entries: list[tuple[int, list[tuple[str, str, bool]]]]) -> int:
    """A dmi_system_id array: (callback, [(field, text, exact)]) each, then the empty entry."""
    lay, mem = linux.layout, linux.machine.mem
    size, match = lay.size("struct dmi_system_id"), lay.size("struct dmi_strmatch")
    base = linux.kernel.heap.alloc(size * (len(entries) + 1), "test", zero=True)
    for i, (callback, matches) in enumerate(entries):
        entry = base + i * size
        mem.write_ptr(entry + lay.offset("struct dmi_system_id", "callback"), callback)
        for j, (field, text, exact) in enumerate(matches):
            at = entry + lay.offset("struct dmi_system_id", "matches") + j * match
            mem.write_u8(at, FIELD[field] | (0x80 if exact else 0))
            mem.write(at + lay.offset("struct dmi_strmatch", "substr"), text.encode() + b"\0")
    return base


def text_at(linux, addr: int) -> str:
    return linux.kernel.read_str(addr).decode()


def test_the_machine_says_it_is_a_qemu_q35_pc(linux):
    assert text_at(linux, call(linux, "dmi_get_system_info", FIELD["DMI_SYS_VENDOR"])) == "QEMU"
    assert text_at(linux, call(linux, "dmi_get_system_info", FIELD["DMI_PRODUCT_NAME"])) == \
        "Standard PC (Q35 + ICH9, 2009)"
    assert call(linux, "dmi_get_system_info", FIELD["DMI_BOARD_VENDOR"]) == 0      # no type 2 table


def test_check_system_counts_substring_and_exact_matches_only(linux):
    table = dmi_table(linux, [(0, [("DMI_SYS_VENDOR", "QEM", False)]),
                              (0, [("DMI_SYS_VENDOR", "QEM", True)]),
                              (0, [("DMI_SYS_VENDOR", "QEMU", True), ("DMI_PRODUCT_NAME", "Q35", False)]),
                              (0, [("DMI_BOARD_VENDOR", "", False)])])
    assert call(linux, "dmi_check_system", table) == 2
    size = linux.layout.size("struct dmi_system_id")
    assert call(linux, "dmi_first_match", table) == table
    assert call(linux, "dmi_first_match", table + size) == table + 2 * size


def test_a_callback_answering_nonzero_ends_the_walk(linux):
    stop = routine(linux, "mov eax, 1; ret", "mov eax, 1; ret")
    table = dmi_table(linux, [(stop, [("DMI_BIOS_VENDOR", "SeaBIOS", True)]),
                              (0, [("DMI_CHASSIS_VENDOR", "QEMU", True)])])
    assert call(linux, "dmi_check_system", table) == 1
    go_on = routine(linux, "xor eax, eax; ret", "xor eax, eax; ret")
    linux.machine.mem.write_ptr(table, go_on)
    assert call(linux, "dmi_check_system", table) == 2


def test_dmi_match_and_vendor_names(linux):
    assert call(linux, "dmi_match", FIELD["DMI_SYS_VENDOR"], cstr(linux, "QEMU")) & 0xFF == 1
    assert call(linux, "dmi_match", FIELD["DMI_SYS_VENDOR"], cstr(linux, "QEM")) & 0xFF == 0
    assert call(linux, "dmi_match", FIELD["DMI_BOARD_NAME"], 0) & 0xFF == 1          # NULL == NULL
    assert call(linux, "dmi_name_in_vendors", cstr(linux, "EM")) == 1
    assert call(linux, "dmi_name_in_vendors", cstr(linux, "Dell")) == 0


def test_the_dmi_device_list_is_empty(linux):
    assert call(linux, "dmi_find_device", 0, 0, 0) == 0
    assert call(linux, "dmi_find_device", -2 & 0xFFFFFFFF, cstr(linux, "x"), 0) == 0


def test_sys_class_dmi_id_shows_the_fields_the_tables_carry(linux):
    assert read_file(linux, "/sys/class/dmi/id/sys_vendor") == "QEMU\n"
    assert read_file(linux, "/sys/class/dmi/id/bios_vendor") == "SeaBIOS\n"
    assert read_file(linux, "/sys/class/dmi/id/chassis_type") == "1\n"
    with pytest.raises(Exception, match="ENOENT"):
        linux.open("/sys/class/dmi/id/board_vendor")
