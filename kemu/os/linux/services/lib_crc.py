"""CRC routines vmlinux exports from lib/ (lib/crc32.c) that algorithm modules build on."""
from __future__ import annotations

import zlib

from kemu.kernel import ServiceTable

table = ServiceTable("lib_crc")

MASK32 = 0xFFFFFFFF


@table.service("u32 crc32_le(u32 crc, const unsigned char *p, size_t len)")
def crc32_le(k, crc: int, p: int, len: int) -> int:
    """The little-endian (reflected) CRC-32 of polynomial 0xedb88320 over p[0..len), continuing
    from `crc` with no inversion before or after (the caller does those)."""
    data = k.machine.mem.read(p, len) if len else b""
    return ~zlib.crc32(data, ~crc & MASK32) & MASK32
