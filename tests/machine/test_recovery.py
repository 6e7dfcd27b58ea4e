"""machine.invalid_opcode_handlers and machine.fault_fixups: a personality's second chance
for a run stopped by ud2 or a fault (kemu/machine/recovery.py)."""
from __future__ import annotations

import pytest

from kemu.machine import GuestFault, GuestTrap

UNMAPPED = 0x12345678


def test_ud2_resumes_where_the_handler_says(m, asm):
    f = asm("mov eax, 1\nud2\nadd eax, 41\nret", name="warns")
    seen = []

    def handler(pc):
        seen.append(pc)
        return pc + 2 if m.mem.read(pc, 2) == b"\x0f\x0b" else None

    m.invalid_opcode_handlers.append(handler)
    assert m.call(f) == 42
    assert seen == [f + 5]


def test_ud2_nobody_claims_is_still_an_invalid_opcode_oops(m, asm):
    f = asm("ud2\nret", name="bugs")
    m.invalid_opcode_handlers.append(lambda pc: None)
    with pytest.raises(GuestFault) as e:
        m.call(f)
    assert e.value.oops.kind == "invalid opcode"
    assert e.value.oops.pc == f


def test_a_handler_that_raises_ends_the_call_and_the_machine_goes_on(m, asm):
    f = asm("ud2\nret", name="bugs")
    ok = asm("mov eax, 7\nret", name="ok")

    def handler(pc):
        raise RuntimeError("refused")

    m.invalid_opcode_handlers.append(handler)
    with pytest.raises(RuntimeError, match="refused"):
        m.call(f)
    assert m.call(ok) == 7


def test_read_fault_goes_to_the_fixup_with_address_and_access(m, asm):
    ax = "eax" if m.arch == "i386" else "rax"
    src = (f"mov {ax}, {UNMAPPED:#x}\nmov ecx, 5\nload: mov ecx, dword ptr [{ax}]\nmov eax, ecx\nret\n"
           "fixup: mov eax, -14\nret")
    f = asm(src, name="getter")
    code = m.mem.read(f, 64)
    load = f + code.index(b"\x8b")                     # the faulting mov
    fixup = f + code.rindex(b"\xb8\xf2\xff\xff\xff")   # mov eax, -14
    traps = []

    def fixups(pc, trap):
        traps.append((pc, trap))
        return fixup if pc == load else None

    m.fault_fixups.append(fixups)
    assert m.call(f) & 0xFFFFFFFF == (-14) & 0xFFFFFFFF
    assert traps == [(load, GuestTrap(14, UNMAPPED, "read"))]


def test_write_fault_without_fixup_is_still_an_oops(m, asm):
    ax = "eax" if m.arch == "i386" else "rax"
    f = asm(f"mov {ax}, {UNMAPPED:#x}\nmov dword ptr [{ax}], 1\nret", name="putter")
    traps = []
    m.fault_fixups.append(lambda pc, trap: traps.append(trap))
    with pytest.raises(GuestFault) as e:
        m.call(f)
    assert e.value.oops.kind == "unmapped write"
    assert traps == [GuestTrap(14, UNMAPPED, "write")]


def test_divide_error_is_offered_as_vector_0(m, asm):
    f = asm("xor ecx, ecx\nmov eax, 1\nxor edx, edx\ndiv ecx\nret\nmov eax, 3\nret", name="div")
    code = m.mem.read(f, 32)
    after = f + code.index(b"\xb8\x03")
    m.fault_fixups.append(lambda pc, trap: after if trap.vector == 0 else None)
    assert m.call(f) == 3
