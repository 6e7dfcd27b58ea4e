"""The PC's CMOS RAM behind the MC146818 real-time clock (ports 0x70/0x71): 128 bytes, the
first 14 the clock's registers, the rest the BIOS's non-volatile settings.

kemu's machine has no I/O ports; the kernel reaches this RAM through rtc_cmos_read/write
(services/cmos.py), as arch/x86/kernel/rtc.c does. The clock registers show the virtual
clock's wall time in BCD (register B: 24-hour, BCD); the NVRAM holds what a BIOS of a small
PC would have written — 640 KiB base memory, a 1.44 MB floppy as drive A:, a math
coprocessor — under the standard checksum (bytes 0x10-0x2d summed into 0x2e/0x2f)."""
from __future__ import annotations

import time

SIZE = 128
RTC_REG_A, RTC_REG_B, RTC_REG_C, RTC_REG_D = 10, 11, 12, 13
CHECKSUM_FIRST, CHECKSUM_LAST, CHECKSUM_AT = 0x10, 0x2D, 0x2E


def _bcd(value: int) -> int:
    return (value // 10) << 4 | value % 10


class Cmos:
    """CMOS RAM: `ram` is the NVRAM part as the hardware keeps it (indices 0-127)."""

    def __init__(self, clock):
        self.clock = clock
        self.ram = bytearray(SIZE)
        self.ram[RTC_REG_A] = 0x26            # 32.768 kHz time base, 1024 Hz periodic rate
        self.ram[RTC_REG_B] = 0x02            # 24-hour mode, BCD, no interrupts enabled
        self.ram[RTC_REG_D] = 0x80            # valid RAM and time (battery good)
        self.ram[0x10] = 0x40                 # floppy: drive 0 1.44 MB, drive 1 none
        self.ram[0x14] = 0x03                 # equipment: a floppy drive, a math coprocessor
        self.ram[0x15:0x17] = (640).to_bytes(2, "little")      # base memory, KiB
        self.set_checksum()

    def checksum(self) -> int:
        return sum(self.ram[CHECKSUM_FIRST:CHECKSUM_LAST + 1]) & 0xFFFF

    def set_checksum(self) -> None:
        self.ram[CHECKSUM_AT:CHECKSUM_AT + 2] = self.checksum().to_bytes(2, "big")

    def checksum_valid(self) -> bool:
        return int.from_bytes(self.ram[CHECKSUM_AT:CHECKSUM_AT + 2], "big") == self.checksum()

    def read(self, index: int) -> int:
        """What port 0x71 gives after `index` was written to port 0x70."""
        index &= 0x7F
        if index <= 9 and index not in (1, 3, 5):
            t = time.gmtime(self.clock.time)
            return {0: _bcd(t.tm_sec), 2: _bcd(t.tm_min), 4: _bcd(t.tm_hour), 6: _bcd(t.tm_wday + 1),
                    7: _bcd(t.tm_mday), 8: _bcd(t.tm_mon), 9: _bcd(t.tm_year % 100)}[index]
        if index == RTC_REG_C:                # reading C acknowledges interrupts: it clears
            value, self.ram[RTC_REG_C] = self.ram[RTC_REG_C], 0
            return value
        return self.ram[index]

    def write(self, index: int, value: int) -> None:
        """Port 0x71 written after `index` went to port 0x70 (C and D are read-only)."""
        index &= 0x7F
        if index not in (RTC_REG_C, RTC_REG_D):
            self.ram[index] = value & 0xFF
