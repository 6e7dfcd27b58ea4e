"""Debian's real drivers on the driver core's registries: a PCI, an I2C, a serio and an ACPI
driver register on their buses (listed under /sys/bus/BUS/drivers, never probed: kemu's
machine has no such hardware) and are gone after rmmod; gameport registers a bus of its
own; dell_rbu adds a platform device of its name and deletes it at exit."""
from __future__ import annotations

import pytest

from kemu.os.linux.insmod import InsmodError

from .conftest import ARCHES
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus


def drivers(system, bus: str) -> list[str]:
    return system.driver_model.sys_listing(f"/sys/bus/{bus}/drivers")


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("module, bus, driver", [
    ("nosy", "pci", "nosy"),
    ("ad7414", "i2c", "ad7414"),
    ("magellan", "serio", "magellan"),
    ("sbshc", "acpi", "smbus_hc"),
])
def test_a_real_driver_is_listed_on_its_bus_until_rmmod(arch, module, bus, driver):
    system = boot_with(arch, module, lenient=True)
    assert drivers(system, bus) == [driver]
    assert system.driver_model.sys_listing(f"/sys/bus/{bus}/devices") == []
    system.rmmod(module)
    assert drivers(system, bus) == []
    assert system.leaks() == []


@pytest.mark.parametrize("arch", ARCHES)
def test_gameport_registers_its_bus_and_takes_it_away(arch):
    system = boot_with(arch, "gameport", lenient=True)
    assert "gameport" in system.driver_model.sys_listing("/sys/bus")
    system.rmmod("gameport")
    assert "gameport" not in system.driver_model.sys_listing("/sys/bus")


@pytest.mark.parametrize("arch", ARCHES)
def test_dell_rbu_adds_its_platform_device_and_deletes_it_at_exit(arch):
    system = boot_with(arch, "dell_rbu", lenient=True)
    assert system.driver_model.sys_listing("/sys/bus/platform/devices") == ["dell_rbu"]
    system.rmmod("dell_rbu")
    assert system.driver_model.sys_listing("/sys/bus/platform/devices") == []
    assert system.leaks() == []


@pytest.mark.parametrize("arch", ARCHES)
def test_advantechwdt_claims_its_ports_probes_and_gives_them_back(arch):
    system = boot_with(arch, "advantechwdt", lenient=True)
    fd = system.open("/proc/ioports")
    text = system.read(fd, 65536).decode()
    system.close(fd)
    assert "0443-0443 : Advantech WDT\n" in text
    assert system.driver_model.sys_listing("/sys/bus/platform/drivers/advantechwdt") == [
        "advantechwdt", "bind", "uevent", "unbind"]
    system.rmmod("advantechwdt")
    fd = system.open("/proc/ioports")
    assert "Advantech" not in system.read(fd, 65536).decode()
    assert system.leaks() == []


@pytest.mark.parametrize("arch", ARCHES)
def test_acquirewdt_default_port_collides_with_the_pit_as_on_a_real_pc(arch):
    with pytest.raises(InsmodError, match="ENODEV"):
        boot_with(arch, "acquirewdt", lenient=True)
