"""Registers, symbols, disassembly and the hooks a debugger builds on."""
from __future__ import annotations

import pytest

from kemu.machine import MachineError


def test_registers_read_back_what_was_written(m):
    name = "eax" if m.arch == "i386" else "r12"
    m.regs.write(name, 0x1234)
    assert m.regs.read(name) == 0x1234
    assert m.regs.read(name.upper()) == 0x1234


def test_snapshot_has_the_general_registers_pc_and_flags(m):
    snap = m.regs.snapshot()
    expected = {"eax", "esp", "eip", "eflags"} if m.arch == "i386" else {"rax", "r15", "rip", "rflags"}
    assert expected <= set(snap)


def test_unknown_register_is_a_clear_error(m):
    with pytest.raises(MachineError, match="unknown .* register 'xyz'"):
        m.regs.read("xyz")


def test_handler_sees_the_guest_registers(m, asm):
    seen = []
    stub = m.add_stub("peek", lambda c: seen.append(m.regs.read("ebx")))
    m.call(asm(f"push ebx\nmov ebx, 0x5151\ncall {stub:#x}\npop ebx\nret" if m.arch == "i386"
               else f"push rbx\nmov ebx, 0x5151\ncall {stub:#x}\npop rbx\nret"))
    assert seen == [0x5151]


def test_symbolize_uses_the_latest_symbolizer_that_knows_the_address(m):
    m.symbolizers.append(lambda a: ("fibo_read", a - 0x1000) if 0x1000 <= a < 0x1100 else None)
    assert m.symbolize(0x1012) == "fibo_read+0x12"
    assert m.symbolize(0x1000) == "fibo_read"
    assert m.symbolize(0x2000) == "0x2000"


def test_a_broken_symbolizer_does_not_break_symbolization(m):
    def broken(addr):
        raise RuntimeError("bad symbol table")
    m.symbolizers.append(broken)
    assert m.symbolize(0x2000) == "0x2000"


def test_disassemble_symbolizes_calls_and_absolute_data_references(m, asm):
    scs = asm.data("fibo_scs", bytes(16))
    stub = m.add_stub("uiomove", lambda c: 0)
    if m.arch == "i386":
        f = asm(f"call {stub:#x}\nmov eax, [{scs + 4:#x}]\nret")
        assert [i.text for i in m.disassemble(f, 3)] == ["call uiomove", "mov eax, dword ptr [fibo_scs+0x4]", "ret"]
    else:
        import struct
        f = m.alloc("modules", 0x1000)
        # call uiomove; mov eax, [rip + disp32] reading fibo_scs+4; ret
        code = asm.encode(f"call {stub:#x}", f) + b"\x8b\x05" + struct.pack("<i", scs + 4 - (f + 11)) + b"\xc3"
        m.mem.load_code(f, code)
        assert [i.text for i in m.disassemble(f, 3)] == ["call uiomove", "mov eax, dword ptr [fibo_scs+0x4]", "ret"]


def test_disassemble_stops_where_memory_ends(m):
    a = m.alloc("user", 0x1000)
    m.mem.write(a + 0x1000 - 1, b"\x90")
    assert [i.text for i in m.disassemble(a + 0x1000 - 1, 5)] == ["nop"]
    assert m.disassemble(0x10, 1) == []


def test_code_hook_sees_each_instruction_in_its_range_only(m, asm):
    f = asm("nop\nnop\nmov eax, 1\nret")
    seen = []
    h = m.add_code_hook(lambda addr, size: seen.append(addr), f + 1, f + 2)
    m.call(f)
    assert seen == [f + 1, f + 2]
    m.remove_hook(h)
    seen.clear()
    m.call(f)
    assert seen == []


def test_code_hook_added_after_the_code_ran_still_fires(m, asm):
    f = asm("nop\nret")
    m.call(f)
    seen = []
    m.add_code_hook(lambda addr, size: seen.append(addr), f, f)
    m.call(f)
    assert seen == [f]


def test_write_watch_reports_guest_writes_with_their_values(m, asm):
    var = asm.data("counter", bytes(8))
    f = asm(f"mov dword ptr [{var:#x}], 41\ninc dword ptr [{var:#x}]\nret" if m.arch == "i386"
            else f"mov rax, {var:#x}\nmov dword ptr [rax], 41\ninc dword ptr [rax]\nret")
    writes = []
    m.add_write_watch(lambda addr, size, value: writes.append((addr, size, value)), var, var + 3)
    m.call(f)
    assert writes == [(var, 4, 41), (var, 4, 42)]


def test_exception_from_a_debugger_hook_ends_the_call_and_propagates(m, asm):
    class Stop(Exception):
        pass

    f = asm("nop\nret")

    def hook(addr, size):
        raise Stop(addr)

    m.add_code_hook(hook, f, f)
    with pytest.raises(Stop):
        m.call(f)


def test_single_stepping_visits_every_instruction_until_stopped(m, asm):
    f = asm("mov eax, 1\nadd eax, 2\nadd eax, 3\nret")
    steps = []

    def step(addr, size):
        steps.append(addr)
        return len(steps) < 2   # stop after the second instruction

    m.start_stepping(step)
    assert m.call(f) == 6
    assert steps == [f, f + 5]
    assert m.hooks() == []


def test_removing_a_hook_twice_is_an_error(m, asm):
    h = m.add_code_hook(lambda a, s: None, 0, 0)
    m.remove_hook(h)
    with pytest.raises(MachineError, match="not installed"):
        m.remove_hook(h)
