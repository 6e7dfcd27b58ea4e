"""Debian's LED trigger, cpufreq governor, zpool, binfmt, input handler and key parser modules
register on the kernel's lists (services/registries.py): each list holds them in the kernel's
order while they are loaded and loses them at unload, refuses a duplicate with the
subsystem's errno, and none of the modules calls a fallback stub any more. (They link other
functions kemu lacks, bound to fallback stubs that are never called: hence lenient loads.)"""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import assert_clean
from .realmods import boot_with, read_text

pytestmark = pytest.mark.debian_corpus

CLEAN = ["ledtrig_timer", "ledtrig_camera", "usb_common", "rc_core", "cpufreq_powersave", "cpufreq_userspace",
         "zsmalloc", "z3fold", "binfmt_misc", "evdev", "joydev", "rfkill", "pkcs8_key_parser"]


def _signed(ret: int) -> int:
    ret &= 0xFFFFFFFF
    return ret - (1 << 32) if ret & 0x80000000 else ret


def _reg(system, key: str):
    return system.registries[key]


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", CLEAN)
def test_registering_module_is_clean_without_fallbacks(arch, name):
    assert_clean(arch, name)


@pytest.mark.parametrize("arch", ARCHES)
def test_led_triggers_are_listed_while_loaded_and_a_taken_name_is_eexist(arch):
    system = boot_with(arch, "ledtrig_timer", "ledtrig_oneshot", "usb_common", lenient=True)
    triggers = _reg(system, "led_triggers")
    assert triggers.names() == ["timer", "oneshot", "usb-gadget", "usb-host"]
    # the list in kernel memory is the same, in the same order
    mem, head = system.machine.mem, triggers.head
    node, seen = mem.read_ptr(head), []
    while node != head:
        seen.append(node - triggers.link_off)
        node = mem.read_ptr(node)
    assert seen == triggers.entries
    assert _signed(system.call("led_trigger_register", triggers.entries[0])) == -system.errno.EEXIST
    system.rmmod("ledtrig_timer")
    system.rmmod("usb_common")
    assert triggers.names() == ["oneshot"]


@pytest.mark.parametrize("arch", ARCHES)
def test_cpufreq_governors_go_first_and_a_taken_name_is_ebusy(arch):
    system = boot_with(arch, "cpufreq_powersave", "cpufreq_userspace", lenient=True)
    governors = _reg(system, "cpufreq_governors")
    assert governors.names() == ["userspace", "powersave"]
    assert _signed(system.call("cpufreq_register_governor", governors.entries[1])) == -system.errno.EBUSY
    assert _signed(system.call("cpufreq_register_governor", 0)) == -system.errno.EINVAL
    system.rmmod("cpufreq_userspace")
    assert governors.names() == ["powersave"]


@pytest.mark.parametrize("arch", ARCHES)
def test_a_zpool_driver_in_use_cannot_be_unregistered(arch):
    system = boot_with(arch, "zsmalloc", lenient=True)
    drivers = _reg(system, "zpool_drivers")
    assert drivers.names() == ["zsmalloc"]
    driver = drivers.entries[0]
    refcount = driver + system.layout.offset("struct zpool_driver", "refcount")
    system.machine.mem.write_u32(refcount, 1)
    assert _signed(system.call("zpool_unregister_driver", driver)) == -system.errno.EBUSY
    assert drivers.names() == ["zsmalloc"]
    system.machine.mem.write_u32(refcount, 0)
    system.rmmod("zsmalloc")
    assert drivers.entries == []


@pytest.mark.parametrize("arch", ARCHES)
def test_input_handlers_show_in_proc_bus_input_handlers(arch):
    system = boot_with(arch, "evdev", "joydev", lenient=True)
    assert read_text(system, "/proc/bus/input/handlers") == \
        "N: Number=0 Name=evdev Minor=64\nN: Number=1 Name=joydev Minor=0\n"
    system.rmmod("evdev")
    assert _reg(system, "input_handlers").names() == ["joydev"]


@pytest.mark.parametrize("arch", ARCHES)
def test_binfmt_misc_puts_its_format_on_the_formats_list(arch):
    system = boot_with(arch, "binfmt_misc", lenient=True)
    assert len(_reg(system, "binfmts").entries) == 1
    system.rmmod("binfmt_misc")
    assert _reg(system, "binfmts").entries == []


@pytest.mark.parametrize("arch", ARCHES)
def test_pkcs8_parser_registers_once(arch):
    system = boot_with(arch, "pkcs8_key_parser", lenient=True)
    parsers = _reg(system, "asymmetric_key_parsers")
    assert parsers.names() == ["pkcs8"]
    assert "Asymmetric key parser 'pkcs8' registered" in system.dmesg()
    assert _signed(system.call("register_asymmetric_key_parser", parsers.entries[0])) == -system.errno.EEXIST
    system.rmmod("pkcs8_key_parser")
    assert "Asymmetric key parser 'pkcs8' unregistered" in system.dmesg()


@pytest.mark.parametrize("arch", ARCHES)
def test_there_is_no_cpufreq_driver(arch):
    system = boot_with(arch, "cpufreq_powersave", lenient=True)
    assert system.call("cpufreq_get_current_driver") == 0
