"""Guest faults become GuestFault with an oops report; the machine stays usable."""
from __future__ import annotations

import pytest

from kemu.machine import GuestFault, Machine, Prot

from .conftest import Assembler

FAULTS = {
    # name: (i386 source, x86-64 source, expected kind, text expected in the oops)
    "null_read": ("xor eax, eax\nmov eax, [eax]\nret", "xor eax, eax\nmov rax, [rax]\nret",
                  "NULL pointer dereference", "NULL pointer dereference (read) at 0x0"),
    "unmapped_read": ("mov eax, [0x12345678]\nret", "mov rax, 0x12345678\nmov eax, [rax]\nret",
                      "unmapped read", "unmapped read at 0x12345678"),
    "unmapped_write": ("mov dword ptr [0x12345678], 1\nret", "mov rax, 0x12345678\nmov dword ptr [rax], 1\nret",
                       "unmapped write", "unmapped write at 0x12345678"),
    "unmapped_fetch": ("mov eax, 0x12345000\ncall eax\nret", "mov rax, 0x12345000\ncall rax\nret",
                       "unmapped fetch", "unmapped fetch at 0x12345000"),
    "invalid_opcode": ("ud2", "ud2", "invalid opcode", "invalid opcode (#UD)"),
    "divide_error": ("xor ecx, ecx\nmov eax, 1\nxor edx, edx\ndiv ecx\nret",
                     "xor ecx, ecx\nmov eax, 1\nxor edx, edx\ndiv ecx\nret",
                     "divide error", "divide error (#DE)"),
    "general_protection": ("mov ax, 0x1234\nmov ds, ax\nret", "mov ax, 0x1234\nmov ds, ax\nret",
                           "general protection fault", "general protection fault (#GP)"),
    "hlt": ("hlt\nret", "hlt\nret", "halt", "hlt executed in guest code"),
    "int80": ("int 0x80\nret", "int 0x80\nret", "software interrupt", "int 0x80"),
    "int3": ("int3\nret", "int3\nret", "breakpoint", "breakpoint (int3)"),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_kind_and_message_in_the_oops(m, asm, name):
    src32, src64, kind, text = FAULTS[name]
    f = asm(src32 if m.arch == "i386" else src64, name="faulty")
    with pytest.raises(GuestFault) as e:
        m.call(f)
    oops = e.value.oops
    assert oops.kind == kind
    assert text in oops.text
    assert "registers:" in oops.text and ("eip=" in oops.text or "rip=" in oops.text)
    assert "faulty" in oops.text


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_machine_is_usable_after_each_fault(m, asm, name):
    src32, src64, _, _ = FAULTS[name]
    with pytest.raises(GuestFault):
        m.call(asm(src32 if m.arch == "i386" else src64))
    assert m.call(asm("mov eax, 77\nret")) == 77


@pytest.mark.parametrize("name", ["divide_error", "invalid_opcode", "general_protection", "null_read"])
def test_faulting_instruction_is_the_one_shown(m, asm, name):
    src32, src64, _, _ = FAULTS[name]
    f = asm(src32 if m.arch == "i386" else src64)
    with pytest.raises(GuestFault) as e:
        m.call(f)
    insn = e.value.oops.instruction
    expected = {"divide_error": "div ecx", "invalid_opcode": "ud2", "general_protection": "mov ds, ax",
                "null_read": "mov"}[name]
    assert insn.text.startswith(expected)
    assert e.value.oops.pc == insn.address


def test_write_to_read_only_data_names_the_symbol_in_the_instruction(m, asm):
    scs = asm.data("fibo_scs", bytes(16), prot=Prot.READ)
    f = asm(f"mov eax, 5\nmov dword ptr [{scs + 4:#x}], eax\nret" if m.arch == "i386"
            else f"mov eax, 5\nmov rcx, {scs:#x}\nmov dword ptr [rcx + 4], eax\nret", name="fibo_open")
    with pytest.raises(GuestFault) as e:
        m.call(f)
    oops = e.value.oops
    assert oops.kind == "write to read-only memory"
    assert oops.fault_address == scs + 4 and oops.access == "write"
    assert "(fibo_scs+0x4)" in oops.message
    if m.arch == "i386":
        assert oops.instruction.text == "mov dword ptr [fibo_scs+0x4], eax"
    assert "<fibo_open+0x" in oops.text


def test_guest_write_to_its_own_text_faults(m, asm):
    f = asm("call next\nnext: pop eax\nmov byte ptr [eax], 0x90\nret" if m.arch == "i386"
            else "lea rax, [rip]\nmov byte ptr [rax], 0x90\nret", name="selfmod")
    with pytest.raises(GuestFault) as e:
        m.call(f)
    assert e.value.oops.kind == "write to read-only memory"
    assert "r-x" in e.value.oops.message


def test_jump_into_data_is_an_execute_fault(m, asm):
    data = asm.data("table", b"\xc3" * 16, prot=Prot.RW)
    f = asm(f"mov eax, {data:#x}\ncall eax\nret" if m.arch == "i386" else f"mov rax, {data:#x}\ncall rax\nret")
    with pytest.raises(GuestFault) as e:
        m.call(f)
    assert e.value.oops.kind == "execute non-executable memory"


def test_runaway_recursion_hits_the_stack_guard_page(m, asm):
    f = asm("r: push eax\ncall r" if m.arch == "i386" else "r: push rax\ncall r", name="recurse")
    with pytest.raises(GuestFault) as e:
        m.call(f)
    oops = e.value.oops
    assert oops.kind == "stack overflow"
    assert "kernel stack overflow" in oops.text and "guard page" in oops.text
    assert m.call(asm("mov eax, 1\nret")) == 1


def test_oops_shows_the_call_to_a_service_by_name(m, asm):
    stub = m.add_stub("uiomove", lambda c: 0)
    f = asm(f"call {stub:#x}\nud2", name="fibo_read")
    with pytest.raises(GuestFault) as e:
        m.call(f)
    assert [i.text for i in m.disassemble(f, 1)] == ["call uiomove"]
    assert "fibo_read+0x5" in e.value.oops.text


def _three_frames(m: Machine, asm: Assembler, frame_pointers: bool) -> int:
    bp, sp, ax = ("ebp", "esp", "eax") if m.arch == "i386" else ("rbp", "rsp", "rax")
    pro = f"push {bp}\nmov {bp}, {sp}\n" if frame_pointers else ""
    epi = f"pop {bp}\n" if frame_pointers else ""
    c = asm(f"{pro}xor {ax}, {ax}\nmov {ax}, [{ax}]\n{epi}ret", name="leaf_c")
    b = asm(f"{pro}call {c:#x}\n{epi}ret", name="middle_b")
    a = asm(f"{pro}call {b:#x}\n{epi}ret", name="outer_a")
    return a


@pytest.mark.parametrize("frame_pointers", [True, False])
def test_backtrace_names_every_function_on_the_way(m, asm, frame_pointers):
    a = _three_frames(m, asm, frame_pointers)
    with pytest.raises(GuestFault) as e:
        m.call(a)
    names = [sym.split("+")[0] for _, sym, _ in e.value.oops.backtrace]
    assert names[:3] == ["leaf_c", "middle_b", "outer_a"]
    reliable = [r for _, _, r in e.value.oops.backtrace]
    assert all(reliable[:3]) == frame_pointers or not frame_pointers
    marker = "" if frame_pointers else "? "
    assert f"{marker}middle_b+0x" in e.value.oops.text


def test_guestfault_message_names_the_called_function_and_arguments(m, asm):
    f = asm("ud2", name="bad_init")
    with pytest.raises(GuestFault, match=r"in bad_init\(0x1, 0x2\)"):
        m.call(f, 1, 2)


def test_x86_64_access_to_a_non_canonical_address_is_a_general_protection_fault():
    m = Machine("x86_64")
    f = Assembler(m)("mov rax, 0x8000000000000000\nmov dword ptr [rax], 1\nret")
    with pytest.raises(GuestFault) as e:
        m.call(f)
    assert e.value.oops.kind == "general protection fault"
    assert "non-canonical address 0x8000000000000000" in e.value.oops.text


def test_guest_error_summary_is_one_line_and_str_carries_the_report(m, asm):
    f = asm("ud2", name="bad")
    with pytest.raises(GuestFault) as e:
        m.call(f)
    assert "\n" not in e.value.summary and "invalid opcode" in e.value.summary
    assert str(e.value).startswith(e.value.summary) and "registers:" in str(e.value)
