"""Random identifiers and the modules' own pseudo-random streams (lib/uuid.c,
lib/random32.c; 6.1): uuid_gen draws from kemu's seeded get_random_bytes source, and
prandom_u32_state steps the caller's Tausworthe (taus113) state in guest memory exactly as
the kernel does, so a module seeding it reproduces the kernel's sequence."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .driver_basics import _rng

table = ServiceTable("lib_random")


def _random_v4(k, u: int, version_at: int) -> None:
    """16 random bytes at u marked version 4 (in byte version_at) and the RFC 4122 variant."""
    b = bytearray(_rng(k).randbytes(16))
    b[version_at] = (b[version_at] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    k.machine.mem.write(u, bytes(b))


@table.service("void uuid_gen(void *u)")
def uuid_gen(k, u: int) -> None:
    """A random (version 4, RFC 4122 variant) uuid_t: the version in byte 6."""
    _random_v4(k, u, 6)


@table.service("void guid_gen(void *u)")
def guid_gen(k, u: int) -> None:
    """A random guid_t: its third field is little-endian, so the version is in byte 7."""
    _random_v4(k, u, 7)


#: (shift a, shift b, mask c, shift d) of the four taus113 components
TAUS = ((6, 13, 0xFFFFFFFE, 18), (2, 27, 0xFFFFFFF8, 2), (13, 21, 0xFFFFFFF0, 7), (3, 12, 0xFFFFFF80, 13))
M32 = 0xFFFFFFFF


@table.service("u32 prandom_u32_state(struct rnd_state *state)")
def prandom_u32_state(k, state: int) -> int:
    """Advance the four 32-bit words of struct rnd_state; their xor."""
    mem, out = k.machine.mem, 0
    for i, (a, b, c, d) in enumerate(TAUS):
        s = mem.read_u32(state + 4 * i)
        s = (((s & c) << d) & M32) ^ ((((s << a) & M32) ^ s) >> b)
        mem.write_u32(state + 4 * i, s)
        out ^= s
    return out
