"""Names from a module are text, never templates, and never reach the terminal raw: a
symbol called `\\xff\\g<0>` or holding a backspace is printed escaped in disassembly,
symbolized addresses and oops reports."""
from __future__ import annotations

import pytest

from kemu.machine import GuestFault
from kemu.machine.names import printable

HOSTILE = ["bad\\xffname", "sub\\g<0>st", "back\bspace\x1b[2J", "tab\tnl\n", "\\1"]


def test_printable_escapes_control_characters_and_keeps_the_rest():
    assert printable("fibo_read") == "fibo_read"
    assert printable("a\bb\x1bc\x7fd\x85") == "a\\x08b\\x1bc\\x7fd\\x85"
    assert printable("bad\\xffname") == "bad\\xffname"   # already escaped by the ELF reader


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_symbol_name_in_a_memory_operand_is_printed_escaped(m, asm, name):
    data = asm.data(name, b"\0" * 16)
    reg = "rax" if m.arch == "x86_64" else "eax"
    code = asm(f"mov {reg}, 0\nmov {reg}, [{data:#x}]\nmov dword ptr [0x10], 1\nret", name="f")
    insns = m.disassemble(code, 2)
    assert insns[1].op_str.endswith(f"[{printable(name)}]")
    with pytest.raises(GuestFault) as e:
        m.call(code)
    text = e.value.oops.text
    assert all(ord(ch) >= 0x20 or ch == "\n" for ch in text)


def test_a_fault_inside_a_function_with_control_bytes_in_its_name_is_reported_escaped(m, asm):
    code = asm("mov dword ptr [0x10], 1\nret", name="evil\b\b\bgood")
    with pytest.raises(GuestFault) as e:
        m.call(code)
    assert "evil\\x08\\x08\\x08good" in e.value.oops.text
    assert "\b" not in str(e.value)
    assert m.symbolize(code) == "evil\\x08\\x08\\x08good"
