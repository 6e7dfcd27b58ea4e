"""reciprocal_value (lib/math/reciprocal_div.c, 6.1): precompute a multiply-and-shift that
divides by a runtime constant d, as bonding does for its hash modulo. The result is
struct reciprocal_value {u32 m; u8 sh1, sh2;} returned by value: 8 bytes, which both
x86_64 (rax) and i386 (-freg-struct-return: edx:eax) return in registers, so the service
returns it packed as a u64 (m in the low word, sh1 in byte 4, sh2 in byte 5).
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("reciprocal_div")


def reciprocal(d: int) -> tuple[int, int, int]:
    """(m, sh1, sh2) for d != 0: l = fls(d-1), m = 2^32 * (2^l - d) / d + 1."""
    l = ((d - 1) & 0xFFFFFFFF).bit_length()
    m = ((1 << 32) * ((1 << l) - d)) // d + 1
    return m & 0xFFFFFFFF, min(l, 1), max(l - 1, 0)


@table.service("u64 reciprocal_value(u32 d)")
def reciprocal_value(k, d: int) -> int:
    """The reciprocal of d, packed as the struct's 8 bytes; d = 0 is the kernel's divide
    error (do_div by zero)."""
    d &= 0xFFFFFFFF
    if d == 0:
        raise KernelPanic("divide error: reciprocal_value(0)")
    m, sh1, sh2 = reciprocal(d)
    return m | sh1 << 32 | sh2 << 40
