"""kern_lkm.c's table of 20 slots: EEXIST, EBUSY, ENOMEM and what LMSTAT/LMUNLOAD answer."""
from __future__ import annotations

import pytest

from kemu.kernel import SyscallError
from kemu.os.netbsd_lkm.constants import MAXLKMS

from .conftest import run


def test_loading_the_same_module_twice_is_EEXIST_from_its_own_lkmexists_check(system, modules):
    system.modload(modules.fibo)
    second = run(system, "modload", modules.fibo)
    assert (second.status, second.err) == (14, "modload: error initializing module: File exists\n")
    assert [s.name for s in system.modstat()] == ["fibo"]


def test_a_failed_load_frees_its_slot_and_memory(system, modules):
    first = system.modload(modules.fibo)
    run(system, "modload", modules.fibo)                 # EEXIST: reserved, loaded, then freed
    assert system.lkm.slots[1] is None
    third = system.modload(modules.echodev)
    assert third.id == 1                                  # the failed load's slot ...
    assert third.area == first.area + first.size          # ... and its memory are free again


def test_misc_module_refusing_unload_is_EBUSY_and_stays_loaded(system, modules):
    system.modload(modules.busy)
    first = run(system, "modunload", "-n", "busy")
    assert (first.status, first.err) == (5, "modunload: LMUNLOAD: Device busy\n")
    assert [s.name for s in system.modstat()] == ["busy"]
    second = run(system, "modunload", "-n", "busy")
    assert (second.status, second.err) == (0, "")
    assert system.modstat() == []
    assert "busy: unload attempt 1 refused\nbusy: unload attempt 2 accepted\n" in system.dmesg()


def test_misc_module_shows_offset_minus_one_and_type_MISC(system, modules):
    system.modload(modules.busy)
    line = run(system, "modstat").out.splitlines()[1]
    assert line.startswith("MISC      0  -1 ")
    assert line.endswith("   1 busy")


def test_twenty_first_module_cannot_reserve_memory(system, modules):
    # fill the table with 20 different names: one real module plus 19 that reuse busy's code
    for ident in range(MAXLKMS):
        system.lkm.reserve(4096, f"filler{ident}") if ident else system.modload(modules.busy)
    refused = run(system, "modload", "-s", modules.fibo)
    assert refused.status == 9
    assert refused.err == "modload: can't reserve memory: Cannot allocate memory\n"


def test_reserve_failure_without_s_also_warns_about_symbols_like_modload_1_6(system, modules):
    for ident in range(MAXLKMS):
        system.lkm.reserve(4096, f"filler{ident}")
    refused = run(system, "modload", modules.fibo)
    assert refused.err == ("modload: not loading symbols: kernel does not support symbol table loading: "
                           "Cannot allocate memory\nmodload: can't reserve memory: Cannot allocate memory\n")


def test_ids_are_reused_lowest_first(system, modules):
    assert [system.modload(m).id for m in (modules.busy, modules.fibo, modules.echodev)] == [0, 1, 2]
    system.modunload(id=1)
    assert system.modload(modules.leaky).id == 1


def test_modunload_by_unknown_name_says_id_out_of_range(system, modules):
    result = run(system, "modunload", "-n", "nosuch")
    assert (result.status, result.err) == (3, "modunload: id out of range\n")


def test_modunload_of_an_empty_slot_says_no_such_module(system):
    result = run(system, "modunload", "-i", "3")
    assert (result.status, result.err) == (3, "modunload: no such module\n")


def test_modunload_of_id_20_is_out_of_range(system):
    result = run(system, "modunload", "-i", "20")
    assert (result.status, result.err) == (3, "modunload: id out of range\n")


def test_modunload_without_id_or_name_prints_usage(bare_system):
    result = run(bare_system, "modunload")
    assert (result.status, result.err) == (1, "usage: modunload [-i <module id>] [-n <module name>]\n")


def test_modunload_bad_option_prints_getopt_message_and_usage(bare_system):
    result = run(bare_system, "modunload", "-x")
    assert result.status == 1
    assert result.err == ("modunload: unknown option -- x\n"
                          "usage: modunload [-i <module id>] [-n <module name>]\n")


def test_modstat_by_id_and_by_name(system, modules):
    system.modload(modules.busy)
    system.modload(modules.fibo)
    by_id = run(system, "modstat", "-i", "1")
    by_name = run(system, "modstat", "-n", "fibo")
    assert by_id.out == by_name.out
    assert by_id.out.splitlines()[1].startswith("DEV       1  29 ")


def test_modstat_of_missing_module_prints_header_and_exits_3_silently(system):
    for argv in (["-i", "25"], ["-i", "4"], ["-n", "nosuch"]):
        result = run(system, "modstat", *argv)
        assert (result.status, result.out.count("\n"), result.err) == (3, 1, "")


def test_modstat_usage(bare_system):
    result = run(bare_system, "modstat", "extra")
    assert (result.status, result.err) == (1, "usage:\nmodstat [-i <module id>] [-n <module name>]\n")


def test_modstat_pointer_columns_are_16_wide_on_x86_64(bare_system):
    header = run(bare_system, "modstat").out
    if bare_system.arch == "x86_64":
        assert header == "Type    Id  Off Loadaddr         Size Info             Rev Module Name\n"
    else:
        assert header == "Type    Id  Off Loadaddr Size Info     Rev Module Name\n"


def test_lkm_table_in_guest_memory_holds_the_modules_private_pointer(system, modules):
    loaded = system.modload(modules.fibo)
    slot = system.lkm.slots[loaded.id]
    layout = system.lkm.table_layout
    assert layout.read(system.machine.mem, slot.table, "private") == loaded.private
    assert layout.read(system.machine.mem, slot.table, "used") == 1
    assert layout.read(system.machine.mem, slot.table, "id") == loaded.id


def _reserve_and_load(system, path: str):
    """modload's LMRESERV + LMLOADBUF steps, leaving LMREADY to the test."""
    obj = system.read_object(path)
    slot = system.lkm.reserve(system.link(obj, 0, False).size, "fibo")
    image = system.link(obj, slot.area, False)
    system.lkm.load(slot, image, obj)
    return slot, image


def _ask_for_major(system, image, major: int) -> None:
    system.lkm.dev_layout.write(system.machine.mem, image.symbols["_module"], "lkm_offset", major)


def test_explicit_major_out_of_range_is_EINVAL_from_lkmdispatch(system, modules):
    slot, image = _reserve_and_load(system, modules.fibo)
    _ask_for_major(system, image, 500)
    with pytest.raises(SyscallError) as info:
        system.lkm.ready(slot, image.entry("fibo_lkmentry"))
    assert info.value.name == "EINVAL"
    assert system.lkm.slots[0] is None


def test_explicit_major_takes_that_slot(system, modules):
    slot, image = _reserve_and_load(system, modules.fibo)
    _ask_for_major(system, image, 33)
    system.lkm.ready(slot, image.entry("fibo_lkmentry"))
    assert system.modstat()[0].offset == 33
    assert system.cdevsw.first_free() == 29


def test_no_free_lkm_major_is_ENFILE(system, modules):
    dummy = system.cdevsw.read_slot(29)
    taken = system.cdevsw.read_slot(0)
    for major in range(29, 35):
        system.cdevsw.write_slot(major, taken)
    result = run(system, "modload", modules.fibo)
    assert (result.status, result.err) == (14, "modload: error initializing module: Too many open files in system\n")
    system.cdevsw.write_slot(29, dummy)
    assert system.modload(modules.fibo).offset == 29


def test_module_at_names_the_module_holding_an_address_with_its_image_and_object(system, modules):
    from kemu.link import LinkedImage
    fibo = system.modload(modules.fibo)
    echo = system.modload(modules.echodev)
    found = system.module_at(fibo.area + 4)
    assert (found.name, found.object_name, found.os["lkm_slot"]) == ("fibo", modules.fibo, fibo.id)
    assert isinstance(found.image, LinkedImage)
    read = found.image.entry("fibo_read")
    assert system.module_at(read).image is found.image
    assert system.module_at(read).image.symbolize(read + 2) == ("fibo_read", 2)
    assert system.module_at(echo.area).name == "echodev"


def test_module_at_is_none_outside_every_loaded_module(system, modules):
    fibo = system.modload(modules.fibo)
    assert system.module_at(system.kernel.symbols.lookup("uiomove")) is None   # kernel text
    assert system.module_at(0) is None
    system.modunload(name="fibo")
    assert system.module_at(fibo.area + 4) is None
