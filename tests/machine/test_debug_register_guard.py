"""Module code never gets to load DR7: the call ends, before the instruction, with an oops
naming it (debug_register_guard.py; Unicorn 2 crashes or reads host memory otherwise)."""
from __future__ import annotations

import pytest

from kemu.machine import GuestFault
from kemu.machine.debug_register_guard import dr7_write_sites, is_dr7_write

# values that armed Unicorn's watchpoints with lengths and addresses it mishandles: 0xc10000b0
# is the mutant of callbacks.kmod whose unload read host memory, 0x7b from unicorn issue #1915
DR7_VALUES = (0x401, 0xd0401, 0xc10000b0, 0x7b, 0xffff04ff)


def placed(m, asm, src: str) -> int:
    """`src` placed as a module loader places code: text, then the guard over it."""
    addr = asm(src, name="guarded")
    m.code_guard.watch(addr, m.mem.read(addr, 0x100))
    return addr


def test_sites_are_every_mov_to_dr7_aligned_or_not():
    code = b"\x90\x0f\x23\xf8\xb8\x0f\x23\x38\x00\x00\x0f\x23\xc0"   # dr7, dr7 in an imm, dr0
    assert dr7_write_sites(code) == [1, 5]


def test_only_prefixes_may_precede_the_opcode():
    assert is_dr7_write(b"\x0f\x23\xf8", wide=False)
    assert is_dr7_write(b"\x66\x0f\x23\x38", wide=False)
    assert is_dr7_write(b"\x48\x0f\x23\xf8", wide=True)
    assert not is_dr7_write(b"\x48\x0f\x23\xf8", wide=False)      # dec eax on i386
    assert not is_dr7_write(b"\xb8\x90\x0f\x23\xf8", wide=False)  # mov eax, imm32
    assert not is_dr7_write(b"\x0f\x23\xc0", wide=False)          # mov dr0, eax


@pytest.mark.parametrize("value", DR7_VALUES)
def test_a_dr7_write_ends_the_call_with_an_oops_naming_it(m, asm, value):
    ax = "rax" if m.arch == "x86_64" else "eax"
    f = placed(m, asm, f"mov {ax}, {value:#x}\nmov dr7, {ax}\nmov eax, 1\nret")
    with pytest.raises(GuestFault) as e:
        m.call(f)
    oops = e.value.oops
    assert oops.kind == "debug register write"
    assert "mov to %dr7 at guarded+" in oops.text
    assert "dr7" in oops.instruction.text


@pytest.mark.parametrize("value", DR7_VALUES)
def test_no_breakpoint_is_armed_and_the_machine_stays_usable(m, asm, value):
    ax = "rax" if m.arch == "x86_64" else "eax"
    f = placed(m, asm, f"mov {ax}, {value:#x}\nmov dr7, {ax}\nret")
    for _ in range(3):
        with pytest.raises(GuestFault):
            m.call(f)
    assert m.regs.read("dr7") & 0xff == 0
    assert m.call(asm("mov eax, 77\nret")) == 77


def test_the_same_bytes_inside_another_instruction_run(m, asm):
    f = placed(m, asm, "mov eax, 0xf8230f90\nret")     # imm32 bytes: 90 0f 23 f8
    assert m.call(f) == 0xf8230f90


def test_forgotten_code_is_not_hooked_any_more(m, asm):
    ax = "rax" if m.arch == "x86_64" else "eax"
    f = placed(m, asm, f"mov {ax}, 0x400\nmov dr7, {ax}\nmov eax, 5\nret")
    m.code_guard.forget(f)
    assert m.call(f) == 5                                 # DR7 0x400 arms nothing
