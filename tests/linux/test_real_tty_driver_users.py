"""usbserial registers its tty driver with tty_alloc_driver/tty_register_driver
(services/tty_driver.py): it loads and unloads cleanly, and so do the USB serial drivers
stacked on it, which failed as its dependants while its init oopsed on a NULL driver."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["usbserial", "pl2303", "ftdi_sio"])
def test_usbserial_and_its_drivers_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]


@pytest.mark.parametrize("arch", ARCHES)
def test_usbserial_lists_its_tty_driver_until_it_goes(arch):
    system = boot_with(arch, "usbserial", lenient=True)
    fd = system.open("/proc/tty/drivers")
    text = system.read(fd, 4096).decode()
    system.close(fd)
    major = int(text.split()[2])
    assert text == f"usbserial            /dev/ttyUSB   {major:3d} 0-511 serial\n"
    system.rmmod("usbserial")
    fd = system.open("/proc/tty/drivers")
    assert system.read(fd, 4096) == b""
