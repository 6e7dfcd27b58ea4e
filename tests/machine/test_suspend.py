"""Suspendable guest runs (kemu/machine/suspend.py): a run on its own stack that a service
suspends, hands back to its caller, and resumes later by calling the service again."""
from __future__ import annotations

import pytest

from kemu.machine import MachineError
from kemu.machine.suspend import Suspension


def _own_stack(m, size=0x2000):
    lo = m.alloc("kdata", size, 16)
    return lo, lo + size


def _counting_loop(m, asm, stub):
    """Guest code: three times `acc += stub()` with acc kept in a callee-saved register;
    returns acc."""
    if m.arch == "x86_64":
        return asm(f"push rbx\npush r12\nxor ebx, ebx\nmov r12d, 3\n"
                   f"again: call {stub:#x}\nadd rbx, rax\ndec r12d\njnz again\n"
                   f"mov rax, rbx\npop r12\npop rbx\nret")
    return asm(f"push ebx\npush esi\nxor ebx, ebx\nmov esi, 3\n"
               f"again: call {stub:#x}\nadd ebx, eax\ndec esi\njnz again\n"
               f"mov eax, ebx\npop esi\npop ebx\nret")


def test_a_suspended_run_resumes_with_its_registers_and_the_service_called_again(m, asm):
    calls = []
    state = {"ready": False}

    def wait(call):
        calls.append(state["ready"])
        if not state["ready"]:
            raise Suspension("not ready")
        state["ready"] = False
        return 10

    f = _counting_loop(m, asm, m.add_stub("wait", wait))
    total, n = None, 0
    try:
        total = m.call_on_stack(f, (), _own_stack(m))
    except Suspension as s:
        suspended = s
    while total is None:
        n += 1
        assert m.call(asm("mov eax, 7\nret")) == 7        # other guest code runs meanwhile
        state["ready"] = True
        try:
            total = m.resume(suspended)
        except Suspension as s:
            suspended = s
    assert total == 30 and n == 3
    assert calls == [False, True, False, True, False, True]


def test_a_run_suspended_inside_a_nested_call_leaves_the_outer_run_intact(m, asm):
    loop_stub = m.add_stub("block", lambda call: (_ for _ in ()).throw(Suspension("block")))
    inner = _counting_loop(m, asm, loop_stub)
    stack = _own_stack(m)
    kept = []

    def start(call):
        try:
            m.call_on_stack(inner, (), stack)
        except Suspension as s:
            kept.append(s)
        return 5

    starter = m.add_stub("start", start)
    plus_one = m.add_stub("plus_one", lambda call: 1)
    outer = asm(f"call {starter:#x}\npush {'rax' if m.arch == 'x86_64' else 'eax'}\n"
                f"call {plus_one:#x}\npop {'rcx' if m.arch == 'x86_64' else 'ecx'}\n"
                f"add {'rax, rcx' if m.arch == 'x86_64' else 'eax, ecx'}\nret")
    # the outer run's next service call still traps after the inner run was suspended
    assert m.call(outer) == 6
    assert len(kept) == 1 and kept[0].stack == stack


def test_only_a_run_on_its_own_stack_can_be_suspended(m, asm):
    f = asm(f"call {m.add_stub('block', lambda c: (_ for _ in ()).throw(Suspension('x'))):#x}\nret")
    with pytest.raises(MachineError, match="cannot be suspended"):
        m.call(f)
    assert m.call(asm("mov eax, 3\nret")) == 3
