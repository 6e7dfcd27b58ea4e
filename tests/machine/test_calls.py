"""Calling guest code from Python, and guest → service → guest nesting."""
from __future__ import annotations

import pytest

from kemu.machine import GuestFault, Machine, MachineError, TrapCall

from .conftest import Assembler


def sum_args_src(arch: str, abi: str, n: int) -> str:
    """A guest function returning the sum of its n word arguments."""
    if abi == "sysv":
        regs = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"]
        lines = ["xor eax, eax"]
        for i in range(n):
            lines.append(f"add rax, {regs[i]}" if i < 6 else f"add rax, [rsp + {8 * (i - 5)}]")
        return "\n".join(lines + ["ret"])
    nreg = 3 if abi == "regparm3" else 0
    lines = ["push ebx", "xor ebx, ebx"]
    for i in range(n):
        lines.append(f"add ebx, {['eax', 'edx', 'ecx'][i]}" if i < nreg
                     else f"add ebx, [esp + {4 * (i - nreg) + 8}]")
    return "\n".join(lines + ["mov eax, ebx", "pop ebx", "ret"])


@pytest.mark.parametrize("arch,abi", [("i386", "cdecl"), ("i386", "regparm3"), ("x86_64", "sysv")])
@pytest.mark.parametrize("n", [0, 1, 3, 6, 8])
def test_call_passes_arguments_per_abi(arch, abi, n):
    m = Machine(arch)
    f = Assembler(m)(sum_args_src(arch, abi, n))
    args = [i * 0x1000 + i for i in range(1, n + 1)]
    assert m.call(f, *args, abi=abi) == sum(args)


def test_call_returns_the_raw_unsigned_word(m, asm):
    f = asm("mov eax, -1\nret" if m.arch == "i386" else "mov rax, -1\nret")
    assert m.call(f) == (1 << (8 * m.word_size)) - 1


def test_call_accepts_negative_arguments_as_twos_complement(m, asm):
    f = asm("mov eax, [esp+4]\nret" if m.arch == "i386" else "mov rax, rdi\nret")
    assert m.call(f, -2) == (1 << (8 * m.word_size)) - 2


def test_call_rejects_arguments_wider_than_a_word(m, asm):
    f = asm("ret")
    with pytest.raises(MachineError, match="does not fit"):
        m.call(f, 1 << 64)


def test_guest_sees_an_aligned_stack_at_function_entry(m, asm):
    f = asm("mov eax, esp\nret" if m.arch == "i386" else "mov rax, rsp\nret")
    sp = m.call(f, 1, 2, 3)
    assert (sp + m.word_size) % 16 == 0


def _recursive_setup(m: Machine, asm: Assembler):
    """f(n) = n == 0 ? 1000 : service(n) + 1, where service(n) calls f(n - 1) back in the guest."""
    depths = []

    def service(call: TrapCall) -> int:
        n = call.arg(0)
        depths.append(m.depth)
        return 1000 if n == 0 else m.call(state["f"], n - 1)

    state = {}
    stub = m.add_stub("callback", service)
    if m.arch == "i386":
        state["f"] = asm(f"push dword ptr [esp+4]\ncall {stub:#x}\nadd esp, 4\ninc eax\nret", name="f")
    else:
        state["f"] = asm(f"sub rsp, 8\ncall {stub:#x}\nadd rsp, 8\ninc rax\nret", name="f")
    return state["f"], depths


def test_services_can_call_back_into_the_guest_four_levels_deep(m, asm):
    f, depths = _recursive_setup(m, asm)
    assert m.call(f, 4) == 1000 + 5
    assert depths == [1, 2, 3, 4, 5]
    assert m.depth == 0


def test_outer_call_resumes_with_its_registers_after_a_nested_call(m, asm):
    inner = asm("mov eax, 1\nmov ebx, 2\nmov ecx, 3\nmov esi, 4\nmov edi, 5\nret")
    stub = m.add_stub("nest", lambda c: m.call(inner) + 100)
    if m.arch == "i386":
        outer = asm(f"push ebx\npush esi\npush edi\nmov ebx, 10\nmov esi, 20\nmov edi, 30\n"
                    f"call {stub:#x}\nadd eax, ebx\nadd eax, esi\nadd eax, edi\n"
                    f"pop edi\npop esi\npop ebx\nret")
    else:
        outer = asm(f"push rbx\npush r12\nmov rbx, 10\nmov r12, 20\n"
                    f"call {stub:#x}\nadd rax, rbx\nadd rax, r12\npop r12\npop rbx\nret")
    expected = 101 + (60 if m.arch == "i386" else 30)
    assert m.call(outer) == expected


def test_exception_in_a_handler_propagates_out_of_call_as_itself(m, asm):
    class Boom(Exception):
        pass

    def handler(call):
        raise Boom("from the service")

    stub = m.add_stub("boom", handler)
    f = asm(f"call {stub:#x}\nret")
    with pytest.raises(Boom, match="from the service"):
        m.call(f)
    ok = asm("mov eax, 5\nret")
    assert m.call(ok) == 5


def test_exception_three_levels_deep_propagates_out_of_the_outermost_call(m, asm):
    class Deep(Exception):
        pass

    levels = []

    def service(call):
        levels.append(m.depth)
        if m.depth == 3:
            raise Deep(m.depth)
        return m.call(f)

    stub = m.add_stub("deeper", service)
    f = asm(f"call {stub:#x}\nret")
    with pytest.raises(Deep):
        m.call(f)
    assert levels == [1, 2, 3]
    assert m.depth == 0
    assert m.call(asm("mov eax, 6\nret")) == 6


def test_fault_inside_a_nested_call_unwinds_both_levels(m, asm):
    bad = asm("xor eax, eax\nmov eax, [eax]\nret", name="bad_callback")
    stub = m.add_stub("run_callback", lambda c: m.call(bad))
    outer = asm(f"call {stub:#x}\nret", name="outer")
    with pytest.raises(GuestFault) as e:
        m.call(outer)
    assert m.depth == 0
    chain = e.value.oops.call_chain
    assert len(chain) == 2
    assert "outer()" in chain[0] and "service run_callback called from outer+0x5" in chain[0]
    assert "bad_callback()" in chain[1]
    assert m.call(asm("mov eax, 8\nret")) == 8


def test_handler_can_catch_a_nested_fault_and_carry_on(m, asm):
    bad = asm("ud2")
    seen = []

    def service(call):
        try:
            m.call(bad)
        except GuestFault as e:
            seen.append(e.oops.kind)
            return 42
        return 0

    stub = m.add_stub("tolerant", service)
    f = asm(f"call {stub:#x}\ninc eax\nret")
    assert m.call(f) == 43
    assert seen == ["invalid opcode"]


def test_nesting_deeper_than_the_limit_is_refused_cleanly():
    m = Machine("i386", max_depth=3)
    asm = Assembler(m)
    stub = m.add_stub("again", lambda c: m.call(f))
    f = asm(f"call {stub:#x}\nret")
    with pytest.raises(MachineError, match="nested 3 deep: the limit is 3"):
        m.call(f)
    assert m.depth == 0
    assert m.call(asm("mov eax, 1\nret")) == 1


def test_reloaded_code_at_the_same_address_runs_the_new_code(m, asm):
    a = m.alloc("modules", 0x1000)
    m.mem.load_code(a, asm.encode("mov eax, 1\nret", a))
    m.mem.protect(a, 0x1000, 5)
    assert m.call(a) == 1
    m.free("modules", a)                      # the module is unloaded ...
    b = m.alloc("modules", 0x1000)            # ... and the next one lands at the same address
    assert b == a
    m.mem.load_code(b, asm.encode("mov eax, 2\nret", b))
    m.mem.protect(b, 0x1000, 5)
    assert m.call(b) == 2


def test_code_rewritten_in_an_executable_mapping_runs_the_new_code(m, asm):
    a = asm("mov eax, 1\nret")
    assert m.call(a) == 1
    m.mem.load_code(a, asm.encode("mov eax, 3\nret", a))
    assert m.call(a) == 3


def test_handler_reads_its_arguments_correctly_after_a_nested_call(m, asm):
    from .conftest import call_stub_src
    inner_stub = m.add_stub("inner_service", lambda c: c.arg(0) * 2)
    inner = asm(call_stub_src(m.default_abi, inner_stub, [0x99]))

    def outer_service(call):
        before = call.args(2)
        nested = m.call(inner)
        return nested + before[0] + before[1] + call.arg(0) + call.arg(1)

    stub = m.add_stub("outer_service", outer_service)
    f = asm(call_stub_src(m.default_abi, stub, [0x1000, 0x20]))
    assert m.call(f) == 0x132 + 2 * (0x1000 + 0x20)


def test_stub_called_on_a_stack_the_guest_switched_to_still_decodes_arguments(m, asm):
    from .conftest import call_stub_src
    seen = []
    stub = m.add_stub("svc", lambda c: seen.append(c.args(3)))
    heap = m.alloc("kheap", 0x1000) + 0x800
    sp, bp = ("esp", "ebp") if m.arch == "i386" else ("rsp", "rbp")
    body = call_stub_src(m.default_abi, stub, [7, 8, 9]).replace("\nret", "")
    f = asm(f"push {bp}\nmov {bp}, {sp}\nmov {sp}, {heap:#x}\n{body}\nmov {sp}, {bp}\npop {bp}\nret")
    m.call(f)
    assert seen == [[7, 8, 9]]
