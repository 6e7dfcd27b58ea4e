"""The CMOS RAM accessors of arch/x86/kernel/rtc.c, under rtc_lock as drivers take it."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("cmos")


@table.service("unsigned char rtc_cmos_read(unsigned char addr)")
def rtc_cmos_read(k, addr: int) -> int:
    """outb(addr, 0x70); inb(0x71): the CMOS byte at `addr`."""
    return k.linux.cmos.read(addr)


@table.service("void rtc_cmos_write(unsigned char val, unsigned char addr)")
def rtc_cmos_write(k, val: int, addr: int) -> None:
    """outb(addr, 0x70); outb(val, 0x71)."""
    k.linux.cmos.write(addr, val)
