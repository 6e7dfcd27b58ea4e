"""keystone instances whose plain numbers are decimal (kemu/keystone_radix.py): keystone 0.9.2
leaves its lexer's radix uninitialised, so a bare instance may read `41` as 0x41."""
from __future__ import annotations

import pytest

from kemu.keystone_radix import decimal_ks


@pytest.mark.parametrize("arch", ["i386", "x86_64"])
def test_every_instance_reads_plain_numbers_as_decimal(arch):
    for _ in range(40):
        code, _count = decimal_ks(arch).asm("add eax, 41\nmov ecx, 200000000", 0)
        assert bytes(code) == b"\x83\xc0\x29" + b"\xb9" + (200000000).to_bytes(4, "little")
