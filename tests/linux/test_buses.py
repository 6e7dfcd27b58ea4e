"""The driver core's registries and managed resources (devres) as a real module uses them (guest/linux/buses/buses.c): platform
drivers probed with their devices and removed on unregister, PCI and I2C drivers listed but
never probed (no such hardware), a module's own bus with its match rule, duplicate and
unexpected registrations refused as Linux 6.1 does, and /sys/bus readable."""
from __future__ import annotations

import io

import pytest

import kemu

from .conftest import ARCHES, FIXTURE_DIR, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def lines(system) -> list[str]:
    return [line.split("] ", 1)[1] for line in system.dmesg().splitlines() if "] " in line]


def listing(system, path: str) -> list[str] | None:
    return system.driver_model.sys_listing(path)


def test_a_platform_driver_is_probed_with_each_device_of_its_name(linux):
    linux.insmod(str(ko(linux.arch, "buses")))
    assert "kemu_plat kemu_plat.0: probe 1: id 0" in lines(linux)
    assert "kemu_plat kemu_plat.0.auto: probe 2: id 0 (auto)" in lines(linux)
    assert listing(linux, "/sys/bus/platform/devices") == ["kemu_plat.0", "kemu_plat.0.auto"]
    assert listing(linux, "/sys/bus/platform/drivers/kemu_plat") == [
        "bind", "kemu_plat.0", "kemu_plat.0.auto", "probes", "uevent", "unbind"]


def test_the_bound_driver_is_written_into_each_struct_device(linux):
    linux.insmod(str(ko(linux.arch, "buses")))
    drv = linux.driver_model.bus_named("platform").drivers["kemu_plat"]
    lay = linux.layout
    for dev in drv.devices:
        assert linux.machine.mem.read_ptr(dev.addr + lay.offset("struct device", "driver")) == drv.addr


def test_rmmod_removes_every_device_and_driver_and_leaks_nothing(linux):
    linux.insmod(str(ko(linux.arch, "buses")))
    linux.rmmod("buses")
    out = lines(linux)
    assert "kemu_plat kemu_plat.0: remove unit-1 (drvdata ok)" in out
    assert "kemu_plat kemu_plat.0.auto: remove unit-2 (drvdata ok)" in out
    assert out[-1] == "buses: 2 probed, 2 removed"
    assert linux.leaks() == []
    for bus in ("platform", "pci", "i2c"):
        assert listing(linux, f"/sys/bus/{bus}/drivers") == []
    assert listing(linux, "/sys/bus/platform/devices") == []
    assert "kemubus" not in listing(linux, "/sys/bus")


def test_a_second_driver_of_the_same_name_is_refused_with_ebusy(linux):
    linux.insmod(str(ko(linux.arch, "buses")), ["dup=1"])
    out = lines(linux)
    assert "Error: Driver 'kemu_plat' is already registered, aborting..." in out
    assert "buses: second registration: -16" in out


def test_a_failing_probe_is_reported_and_leaves_the_device_unbound(linux):
    linux.insmod(str(ko(linux.arch, "buses")), ["probe_ret=-5"])
    out = lines(linux)
    assert "kemu_plat: probe of kemu_plat.0 failed with error -5" in out
    assert listing(linux, "/sys/bus/platform/drivers/kemu_plat") == ["bind", "probes", "uevent", "unbind"]
    linux.rmmod("buses")
    assert not any("remove unit" in line for line in lines(linux))
    assert linux.leaks() == []


def test_devm_resources_are_released_after_remove_newest_first(linux):
    linux.insmod(str(ko(linux.arch, "buses")))
    assert not any("cleanup" in line for line in lines(linux))
    linux.rmmod("buses")
    out = lines(linux)
    assert out.index("kemu_plat kemu_plat.0: remove unit-1 (drvdata ok)") < out.index("buses: cleanup unit-1")
    assert out.index("buses: cleanup unit-1") < out.index("kemu_plat kemu_plat.0.auto: remove unit-2 (drvdata ok)")
    assert linux.kernel.heap.leaks() == []


def test_a_failed_probe_releases_its_devm_resources_after_the_report(linux):
    linux.insmod(str(ko(linux.arch, "buses")), ["probe_ret=-5"])
    out = lines(linux)
    assert out.index("kemu_plat: probe of kemu_plat.0 failed with error -5") == out.index("buses: cleanup unit-1") - 1
    assert "buses: cleanup unit-2" in out


def test_a_probe_rejecting_with_enodev_is_silent(linux):
    linux.insmod(str(ko(linux.arch, "buses")), ["probe_ret=-19"])
    assert not any("failed with error" in line for line in lines(linux))


def test_pci_and_i2c_drivers_register_but_are_never_probed_without_hardware(linux):
    linux.insmod(str(ko(linux.arch, "buses")))
    assert listing(linux, "/sys/bus/pci/drivers") == ["kemu_pci"]
    assert listing(linux, "/sys/bus/i2c/drivers") == ["kemu_i2c"]
    assert not any("pci probe called" in line or "i2c probe called" in line for line in lines(linux))


def test_a_modules_own_bus_matches_with_its_rule_and_names_devices_from_dev_name(linux):
    linux.insmod(str(ko(linux.arch, "buses")))
    out = lines(linux)
    assert "buses: kemubus probe of kemu7 by kemu" in out
    assert "buses: 2 probed, kemu7 bound to kemu" in out
    assert listing(linux, "/sys/bus/kemubus/devices") == ["kemu7"]
    linux.rmmod("buses")
    out = lines(linux)
    assert out.index("buses: kemubus remove of kemu7") < out.index("buses: release kemu7")


def test_a_driver_attribute_is_read_through_its_show_in_the_shell(linux):
    shell = linux.shell(cwd=str(FIXTURE_DIR / linux.arch))
    out, err = io.StringIO(), io.StringIO()
    assert shell.run_line("insmod buses.ko", out=out, err=err) == 0
    out = io.StringIO()
    assert shell.run_line("cat /sys/bus/platform/drivers/kemu_plat/probes", out=out, err=err) == 0
    assert out.getvalue() == "kemu_plat: 2 probed, 0 removed\n"
    out = io.StringIO()
    assert shell.run_line("cat /sys/bus/platform/devices/kemu_plat.0/uevent", out=out, err=err) == 0
    assert out.getvalue() == "DRIVER=kemu_plat\nMODALIAS=platform:kemu_plat\n"


def _call(linux, name: str, *args: int) -> int:
    ret = linux.machine.call(linux.kernel.installed[name][1], *args) & 0xFFFFFFFF
    return ret - (1 << 32) if ret & 0x80000000 else ret


def _zeroed(linux, size: int) -> int:
    return linux.kernel.heap.alloc(size, "test", zero=True)


def _cstring(linux, text: bytes) -> int:
    a = _zeroed(linux, len(text) + 1)
    linux.machine.mem.write(a, text + b"\0")
    return a


def test_unregistering_a_driver_never_registered_warns_unexpected_driver_unregister(linux):
    drv = _zeroed(linux, linux.layout.size("struct device_driver"))
    _call(linux, "driver_unregister", drv)
    assert "Unexpected driver unregister!" in lines(linux)
    assert "W" in linux.taints


def test_a_driver_on_a_bus_never_registered_is_refused_with_einval(linux):
    lay = linux.layout
    bus = _zeroed(linux, lay.size("struct bus_type"))
    linux.machine.mem.write_ptr(bus, _cstring(linux, b"nobus"))
    drv = _zeroed(linux, lay.size("struct device_driver"))
    linux.machine.mem.write_ptr(drv, _cstring(linux, b"orphan"))
    linux.machine.mem.write_ptr(drv + lay.offset("struct device_driver", "bus"), bus)
    assert _call(linux, "driver_register", drv) == -linux.errno.EINVAL
    assert ("Driver 'orphan' was unable to register with bus_type 'nobus' because the bus was not "
            "initialized.") in lines(linux)


def test_a_bus_name_already_taken_is_eexist(linux):
    bus = _zeroed(linux, linux.layout.size("struct bus_type"))
    linux.machine.mem.write_ptr(bus, _cstring(linux, b"platform"))
    assert _call(linux, "bus_register", bus) == -linux.errno.EEXIST
    assert "sysfs: cannot create duplicate filename '/bus/platform'" in lines(linux)


def test_pci_get_device_finds_nothing_on_a_machine_without_pci(linux):
    assert _call(linux, "pci_get_device", 0x8086, 0xFFFF, 0) == 0


def test_removing_a_named_group_never_created_warns(linux):
    lay = linux.layout
    dev = _zeroed(linux, lay.size("struct device"))
    linux.machine.mem.write_ptr(dev + lay.offset("struct device", "kobj") + lay.offset("struct kobject", "name"),
                                _cstring(linux, b"thing"))
    grp = _zeroed(linux, lay.size("struct attribute_group"))
    linux.machine.mem.write_ptr(grp, _cstring(linux, b"stats"))
    _call(linux, "sysfs_remove_group", dev + lay.offset("struct device", "kobj"), grp)
    assert "sysfs group 'stats' not found for kobject 'thing'" in lines(linux)


def test_ls_lists_the_buses_drivers_and_devices_under_sys_bus(linux):
    shell = linux.shell(cwd=str(FIXTURE_DIR / linux.arch))
    out, err = io.StringIO(), io.StringIO()
    assert shell.run_line("insmod buses.ko", out=out, err=err) == 0
    out = io.StringIO()
    assert shell.run_line("ls /sys/bus", out=out, err=err) == 0
    assert out.getvalue().split() == ["acpi", "auxiliary", "i2c", "kemubus", "pci", "platform", "pnp", "serial",
                                      "serio", "spi"]
    out = io.StringIO()
    assert shell.run_line("ls /sys/bus/platform/devices", out=out, err=err) == 0
    assert out.getvalue() == "kemu_plat.0\nkemu_plat.0.auto\n"
    out = io.StringIO()
    assert shell.run_line("ls /sys/bus/nosuchbus", out=out, err=err) == 1


def test_dev_driver_string_names_the_bound_driver_else_the_bus(linux):
    linux.insmod(str(ko(linux.arch, "buses")))
    bound = linux.driver_model.bus_named("platform").drivers["kemu_plat"].devices[0]
    name = linux.machine.call(linux.kernel.installed["dev_driver_string"][1], bound.addr)
    assert linux.kernel.read_str(name) == b"kemu_plat"
    dev = _zeroed(linux, linux.layout.size("struct device"))
    assert linux.kernel.read_str(linux.machine.call(linux.kernel.installed["dev_driver_string"][1], dev)) == b""


def test_pci_lookups_find_no_device_and_putting_null_is_harmless(linux):
    assert _call(linux, "pci_get_class", 0x030000, 0) == 0
    assert _call(linux, "pci_get_domain_bus_and_slot", 0, 0, 0) == 0
    _call(linux, "pci_dev_put", 0)
    assert "W" not in linux.taints
