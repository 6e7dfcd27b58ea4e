"""Debian's lib/crc7.ko, lib/crc-itu-t.ko and lib/crc8.ko: their exported functions called
from Python give what a bit-by-bit Python CRC gives (and the catalogue check values)."""
from __future__ import annotations

import random

import pytest

from .conftest import ARCHES
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

CHECK = b"123456789"


def crc_msb_first(data: bytes, width: int, poly: int, crc: int = 0) -> int:
    """A non-reflected CRC of `width` (8 or more) bits, computed one bit at a time."""
    top, mask = 1 << (width - 1), (1 << width) - 1
    for byte in data:
        crc ^= byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & mask if crc & top else (crc << 1) & mask
    return crc


def _samples(seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [CHECK, b"", b"\x00", b"\xff" * 33] + [rng.randbytes(rng.randrange(1, 300)) for _ in range(8)]


@pytest.mark.parametrize("arch", ARCHES)
def test_crc7_be_gives_the_mmc_crc7_in_the_top_seven_bits(arch):
    system = boot_with(arch, "crc7")
    assert system.call("crc7_be", 0, CHECK, len(CHECK)) & 0xFF == 0x75 << 1     # CRC-7/MMC check
    for data in _samples(7):
        expected = crc_msb_first(data, 8, 0x09 << 1)      # CRC-7 kept in a byte's top bits
        assert system.call("crc7_be", 0, data, len(data)) & 0xFF == expected, data


@pytest.mark.parametrize("arch", ARCHES)
def test_crc_itu_t_gives_the_xmodem_crc16(arch):
    system = boot_with(arch, "crc-itu-t")
    assert system.call("crc_itu_t", 0, CHECK, len(CHECK)) & 0xFFFF == 0x31C3  # CRC-16/XMODEM check
    for data in _samples(16):
        seed = len(data) * 0x101 & 0xFFFF                         # a running CRC carries on
        expected = crc_msb_first(data, 16, 0x1021, seed)
        assert system.call("crc_itu_t", seed, data, len(data)) & 0xFFFF == expected, data


@pytest.mark.parametrize("arch", ARCHES)
def test_crc8_with_a_populated_msb_table_gives_the_smbus_crc8(arch):
    system = boot_with(arch, "crc8")
    heap, mem = system.kernel.heap, system.machine.mem
    table = heap.alloc(256, "crc8 table")
    system.call("crc8_populate_msb", table, 0x07)
    assert mem.read(table, 256) == bytes(crc_msb_first(bytes([i]), 8, 0x07) for i in range(256))
    assert system.call("crc8", table, CHECK, len(CHECK), 0) & 0xFF == 0xF4      # CRC-8/SMBUS check
    for data in _samples(8):
        assert system.call("crc8", table, data, len(data), 0) & 0xFF == crc_msb_first(data, 8, 0x07), data
    heap.free(table)
