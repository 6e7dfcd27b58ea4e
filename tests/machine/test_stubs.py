"""Service stubs: the guest calls a stub in kernel text, Python gets the decoded call."""
from __future__ import annotations

import pytest

from kemu.machine import Machine, MachineError, TrapCall

from .conftest import Assembler, call_stub_src

ABIS = [("i386", "cdecl"), ("i386", "regparm3"), ("x86_64", "sysv")]
VALUES = [0x11111111, 0x22222222, 0x33333333, 0x44444444, 0x55555555, 0x66666666, 0x77777777,
          0x88888888]


@pytest.mark.parametrize("arch,abi", ABIS)
@pytest.mark.parametrize("n", range(1, 9))
def test_stub_decodes_n_arguments(arch, abi, n):
    m = Machine(arch)
    asm = Assembler(m)
    seen = {}

    def handler(call: TrapCall) -> int:
        seen["args"] = call.args(n)
        seen["each"] = [call.arg(i) for i in range(n)]
        return 7

    stub = m.add_stub("svc", handler, abi=abi)
    caller = asm(call_stub_src(abi, stub, VALUES[:n]))
    assert m.call(caller) == 7
    assert seen["args"] == VALUES[:n]
    assert seen["each"] == VALUES[:n]


def test_x86_64_stub_reads_full_64_bit_arguments():
    m = Machine("x86_64")
    asm = Assembler(m)
    got = []
    stub = m.add_stub("svc", lambda c: got.extend(c.args(8)))
    vals = [0xffffffff80000000 + i for i in range(8)]
    m.call(asm(call_stub_src("sysv", stub, vals)))
    assert got == vals


def test_handler_result_lands_in_eax_or_rax(m, asm):
    stub = m.add_stub("answer", lambda c: 0x12345678)
    assert m.call(asm(call_stub_src(m.default_abi, stub, []))) == 0x12345678


def test_handler_returning_none_returns_zero(m, asm):
    stub = m.add_stub("nothing", lambda c: None)
    caller = asm(f"mov eax, 99\ncall {stub:#x}\nret")
    assert m.call(caller) == 0


def test_negative_result_is_the_twos_complement_word(m, asm):
    stub = m.add_stub("fail", lambda c: -22)
    assert m.call(asm(call_stub_src(m.default_abi, stub, []))) == (-22) & ((1 << (8 * m.word_size)) - 1)


def test_i386_64_bit_result_comes_back_in_edx_eax():
    m = Machine("i386")
    asm = Assembler(m)
    stub = m.add_stub("wide", lambda c: 0x1122334455667788)
    high = asm(f"call {stub:#x}\nmov eax, edx\nret")
    low = asm(f"call {stub:#x}\nret")
    assert m.call(high) == 0x11223344
    assert m.call(low) == 0x55667788


def test_return_address_points_just_after_the_call_instruction(m, asm):
    seen = []
    stub = m.add_stub("where", lambda c: seen.append(c.return_address))
    caller = asm(f"call {stub:#x}\nret", name="caller")
    m.call(caller)
    ra = seen[0]
    assert m.mem.read(ra - 5, 1) == b"\xe8"
    assert m.symbolize(ra) == "caller+0x5"


def test_i386_varargs_read_ints_long_longs_and_pointers_in_order():
    m = Machine("i386")
    asm = Assembler(m)
    got = []

    def printf(call: TrapCall) -> int:
        va = call.varargs(1)
        got.append(call.arg(0))
        got.append(va.next_int(4, signed=True))
        got.append(va.next_int(8))
        got.append(va.next_ptr())
        got.append(va.next_int(1))
        return 0

    stub = m.add_stub("printf", printf)
    # printf(fmt, -5, 0x1122334455667788LL, ptr, 'A'): all on the stack, long long in two slots
    caller = asm(call_stub_src("cdecl", stub, [0xc0ffee, (-5) & 0xffffffff, 0x55667788, 0x11223344,
                                               0xdca4f000, 0x41]))
    m.call(caller)
    assert got == [0xc0ffee, -5, 0x1122334455667788, 0xdca4f000, 0x41]


def test_x86_64_varargs_continue_from_registers_onto_the_stack():
    m = Machine("x86_64")
    asm = Assembler(m)
    got = []

    def printf(call: TrapCall) -> int:
        va = call.varargs(1)
        got.extend(va.next_int(4, signed=True) for _ in range(7))
        got.append(va.next_int(8))
        return 0

    stub = m.add_stub("printf", printf)
    # 4-byte ints may carry garbage in the upper half of their register or slot
    args = [0xfeed] + [0xdead000000000000 | i for i in range(1, 8)] + [0x1122334455667788]
    args[3] = 0xffffffff_fffffffd  # -3
    m.call(asm(call_stub_src("sysv", stub, args)))
    assert got == [1, 2, -3, 4, 5, 6, 7, 0x1122334455667788]


def test_regparm3_variadic_service_takes_every_argument_from_the_stack():
    m = Machine("i386")
    asm = Assembler(m)
    got = []

    def printk(call: TrapCall) -> int:
        va = call.varargs(1)
        got.extend([call.arg(0), va.next_int(), va.next_int(), va.next_int(8)])
        return 3

    stub = m.add_stub("printk", printk, abi="regparm3", variadic=True)
    assert m.call(asm(call_stub_src("cdecl", stub, [0xc0de, 1, 2, 0x55667788, 0x11223344]))) == 3
    assert got == [0xc0de, 1, 2, 0x1122334455667788]


def test_each_stub_has_its_own_address_and_symbol(m):
    a = m.add_stub("uiomove", lambda c: 0)
    b = m.add_stub("printf", lambda c: 0)
    assert a != b
    assert m.layout["ktext"].contains(a) and m.layout["ktext"].contains(b)
    assert m.symbolize(a) == "uiomove" and m.symbolize(b) == "printf"
    assert m.stub_at(a).name == "uiomove"


def test_stub_code_spills_arguments_and_returns_through_the_result_slot():
    m = Machine("x86_64")
    stub = m.add_stub("bzero", lambda c: 0)
    text = [i.text for i in m.disassemble(stub, 12)]
    assert text[:6] == ["push r9", "push r8", "push rcx", "push rdx", "push rsi", "push rdi"]
    assert text[7] == "call trap:bzero"
    assert "ret" in text


def test_unknown_abi_is_refused_with_the_known_ones_listed(m):
    with pytest.raises(MachineError, match="unknown ABI 'pascal'.*cdecl"):
        m.add_stub("x", lambda c: 0, abi="pascal")


def test_abi_of_the_other_arch_is_refused():
    with pytest.raises(MachineError, match="ABI 'sysv' is for x86_64, not i386"):
        Machine("i386").add_stub("x", lambda c: 0, abi="sysv")


def test_handler_returning_a_non_integer_fails_the_call_naming_the_service(m, asm):
    stub = m.add_stub("bad", lambda c: "yes")
    with pytest.raises(TypeError, match="service bad: handler returned 'yes'"):
        m.call(asm(f"call {stub:#x}\nret"))


def test_reading_an_argument_beyond_the_stack_raises_memoryfault(m, asm):
    from kemu.machine import MemoryFault
    seen = []

    def deep(call: TrapCall) -> int:
        try:
            call.arg(5000)
        except MemoryFault as e:
            seen.append(e)
        return 0

    stub = m.add_stub("deep", deep)
    m.call(asm(f"call {stub:#x}\nret"))
    assert len(seen) == 1


def test_set_stub_handler_makes_later_calls_trap_into_the_new_handler(m, asm):
    stub = m.add_stub("svc", lambda c: 1)
    caller = asm(call_stub_src(m.default_abi, stub, []))
    assert m.call(caller) == 1
    m.set_stub_handler(stub, lambda c: 2)
    assert m.call(caller) == 2
    assert m.stub_at(stub).handler(None) == 2 and [s.name for s in m.stubs()] == ["svc"]


def test_set_stub_handler_refuses_an_address_without_a_stub_or_a_handler_not_callable(m):
    stub = m.add_stub("svc", lambda c: 1)
    with pytest.raises(MachineError, match="no stub at"):
        m.set_stub_handler(stub + 1, lambda c: 2)
    with pytest.raises(MachineError, match="not callable"):
        m.set_stub_handler(stub, 42)
