"""add_device_randomness (drivers/char/random.c, 6.1): a driver mixes device-unique but not
secret bytes (serial numbers, MAC addresses) into the input pool without crediting entropy.

kemu's get_random_bytes stream (services/driver_basics.py) is seeded for reproducible runs;
the bytes are mixed into it deterministically — the generator is reseeded from BLAKE2s of 32
bytes of its own output and the input (the kernel also hashes input with BLAKE2s) — so what
follows depends on what devices were added, as in the kernel, and two runs adding the same
bytes draw the same numbers.
"""
from __future__ import annotations

import hashlib

from kemu.kernel import ServiceTable

from .driver_basics import _rng

table = ServiceTable("device_randomness")

MAX_INPUT = 1 << 20        # a longer buffer is a garbage length


@table.service("void add_device_randomness(const void *buf, size_t len)")
def add_device_randomness(k, buf: int, length: int) -> None:
    """Mix len bytes at buf into the random stream (no entropy credited)."""
    if not length:
        return
    if length > MAX_INPUT:
        from kemu.kernel import KernelPanic
        raise KernelPanic(f"BUG: add_device_randomness: length {length:#x} is garbage")
    k.check_length(buf, length, "read")
    data = k.machine.mem.read(buf, length)
    rng = _rng(k)
    rng.seed(int.from_bytes(hashlib.blake2s(rng.randbytes(32) + data).digest(), "little"))
