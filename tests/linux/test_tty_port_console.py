"""tty ports, the serial core's driver registration and console drivers
(services/tty_port.py, services/console.py), on Debian's ttyprintk, moxa, jsm, rp2 and hso and
on consoles made here."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES
from .corpus_trials import assert_clean
from .realmods import boot_with, read_text

pytestmark = pytest.mark.debian_corpus

B9600, B115200, BOTHER, CS8, CREAD, HUPCL, CLOCAL = 0o15, 0o10002, 0o10000, 0o60, 0o200, 0o2000, 0o4000
CON_ENABLED, CON_CONSDEV = 0x4, 0x2


def _signed(ret: int) -> int:
    ret &= 0xFFFFFFFF
    return ret - (1 << 32) if ret & 0x80000000 else ret


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["ttyprintk", "moxa", "jsm", "rp2", "hso"])
def test_tty_port_and_uart_users_are_clean_without_fallbacks(arch, name):
    assert_clean(arch, name)


@pytest.mark.parametrize("arch", ARCHES)
def test_uart_register_driver_makes_a_serial_tty_driver_with_9600_8n1(arch):
    system = boot_with(arch, "jsm", lenient=True)
    line = next(x for x in read_text(system, "/proc/tty/drivers").splitlines() if x.startswith("jsm "))
    assert line.split()[1:] == ["/dev/ttyn", line.split()[2], "0-31", "serial"]
    tty = system.tty_drivers.registered[0]
    lay, mem = system.layout, system.machine.mem
    termios = tty + lay.offset("struct tty_driver", "init_termios")
    assert mem.read_u32(termios + lay.offset("struct ktermios", "c_cflag")) == B9600 | CS8 | CREAD | HUPCL | CLOCAL
    assert mem.read_u32(termios + lay.offset("struct ktermios", "c_ospeed")) == 9600
    system.rmmod("jsm")
    assert "jsm " not in read_text(system, "/proc/tty/drivers")


@pytest.mark.parametrize("arch", ARCHES)
def test_ttyprintk_links_its_port_and_its_console_is_not_enabled_without_console_eq(arch):
    system = boot_with(arch, "ttyprintk", lenient=True)
    tty = system.tty_drivers.registered[0]
    lay, mem = system.layout, system.machine.mem
    port = mem.read_ptr(mem.read_ptr(tty + lay.offset("struct tty_driver", "ports")))
    assert port and mem.read_u32(port + lay.offset("struct tty_port", "close_delay")) == 125
    assert mem.read_u32(port + lay.offset("struct tty_port", "kref")) == 1
    assert [system.consoles.label(c) for c in system.consoles.entries] == ["tty0"]
    assert "ttyprintk" not in system.dmesg()


def _console(system, name: bytes, flags: int) -> int:
    lay = system.layout
    con = system.kernel.heap.alloc(lay.size("struct console"), "test", zero=True)
    system.machine.mem.write(con + lay.offset("struct console", "name"), name + b"\0")
    system.machine.mem.write_int(con + lay.offset("struct console", "flags"), 2, flags)
    return con


@pytest.mark.parametrize("arch", ARCHES)
def test_an_enabled_console_goes_after_tty0_and_unregisters_once(arch):
    system = kemu.boot("linux", arch)
    con = _console(system, b"netcon", CON_ENABLED)
    system.call("register_console", con)
    reg = system.consoles
    assert [reg.label(c) for c in reg.entries] == ["tty0", "netcon0"]
    assert system.machine.mem.read_ptr(reg.vt + system.layout.offset("struct console", "next")) == con
    assert "printk: console [netcon0] enabled" in system.dmesg()
    system.call("register_console", con)
    assert "console 'netcon0' already registered" in system.dmesg()
    assert system.call("unregister_console", con) == 0
    assert "printk: console [netcon0] disabled" in system.dmesg()
    assert _signed(system.call("unregister_console", con)) == -system.errno.ENODEV


@pytest.mark.parametrize("arch", ARCHES)
def test_a_consdev_console_becomes_the_head(arch):
    system = kemu.boot("linux", arch)
    con = _console(system, b"ttyS", CON_ENABLED | CON_CONSDEV)
    system.call("register_console", con)
    reg = system.consoles
    assert reg.entries[0] == con and not reg.flags(reg.vt) & CON_CONSDEV
    system.call("unregister_console", con)
    assert reg.flags(reg.vt) & CON_CONSDEV


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("ibaud,obaud,cflag", [
    (115200, 115200, B115200),
    (100000, 100000, BOTHER),
    (9600, 115200, B115200 | (B9600 << 16)),
    (9600, 0, 0),
])
def test_encode_baud_rate_picks_the_standard_bits_or_bother(arch, ibaud, obaud, cflag):
    system = kemu.boot("linux", arch)
    lay = system.layout
    termios = system.kernel.heap.alloc(lay.size("struct ktermios"), "test", zero=True)
    system.machine.mem.write_u32(termios + lay.offset("struct ktermios", "c_cflag"), CS8 | 0o17)
    system.call("tty_termios_encode_baud_rate", termios, ibaud, obaud)
    mem = system.machine.mem
    assert mem.read_u32(termios + lay.offset("struct ktermios", "c_cflag")) == CS8 | cflag
    assert mem.read_u32(termios + lay.offset("struct ktermios", "c_ospeed")) == obaud
    assert mem.read_u32(termios + lay.offset("struct ktermios", "c_ispeed")) == (ibaud if obaud else 0)
