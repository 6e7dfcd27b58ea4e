"""A keystone assembler whose plain numbers are decimal.

keystone 0.9.2 never initialises the radix its lexer reads (keystone-engine/keystone#528, #608):
whatever the heap held decides whether `add eax, 41` means 41 or 0x41, so the same text can
assemble differently from one Ks instance to the next within one process. Setting an option does
not help: ks_option forces radix 16 (#571). So a new instance is checked with a probe and
replaced until it reads decimal, which is what every caller here writes.
"""
from __future__ import annotations

from typing import Any

PROBE = "mov eax, 10"
DECIMAL = b"\xb8\x0a\x00\x00\x00"
ATTEMPTS = 64


def decimal_ks(arch: str) -> Any:
    """A keystone `Ks` for x86 `arch` ("x86_64" or "i386") that reads plain numbers as decimal."""
    from keystone import KS_ARCH_X86, KS_MODE_32, KS_MODE_64, Ks
    mode = KS_MODE_64 if arch == "x86_64" else KS_MODE_32
    kept = []                        # instances that read hex stay alive, so the next one is new memory
    for _ in range(ATTEMPTS):
        ks = Ks(KS_ARCH_X86, mode)
        if bytes(ks.asm(PROBE, 0)[0]) == DECIMAL:
            return ks
        kept.append(ks)
    raise RuntimeError(f"keystone: no instance out of {ATTEMPTS} read plain numbers as decimal")
