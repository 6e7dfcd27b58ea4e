"""Python runs before the guest executes an instruction holding a watched field, and only
then (instruction_watch.py: how a kernel sees inline reads of a variable such as jiffies)."""
from __future__ import annotations


def test_the_callback_runs_before_each_execution_of_the_instruction(m, asm):
    var = m.alloc("kdata", 8, 8)
    m.mem.write(var, (5).to_bytes(4, "little"))
    f = asm(f"mov ecx, 3\nagain: mov eax, dword ptr [{var:#x}]\ndec ecx\njnz again\nret", name="poll")
    load = f + 5                                   # after the 5-byte `mov ecx, 3`
    seen = []

    def before(pc):
        seen.append(pc)
        m.mem.write(var, (len(seen) * 10).to_bytes(4, "little"))   # the variable moves first
    m.instruction_watch.watch(f, [load + 3], before)               # the disp32 inside the load
    assert m.call(f) == 30
    assert seen == [load] * 3


def test_instructions_near_the_field_that_do_not_hold_it_are_not_reported(m, asm):
    f = asm("nop\nnop\nmov eax, 7\nret", name="near")
    seen = []
    m.instruction_watch.watch(f, [f + 6], seen.append)   # the last imm byte of `mov eax, 7`
    assert m.call(f) == 7
    assert seen == [f + 2]                                # not the two nops before it


def test_forget_removes_the_hooks_of_that_code(m, asm):
    f = asm("mov eax, 9\nret", name="gone")
    seen = []
    m.instruction_watch.watch(f, [f + 1], seen.append)
    m.instruction_watch.forget(f)
    assert m.call(f) == 9 and seen == []


def test_an_exception_in_the_callback_ends_the_call_and_the_machine_stays_usable(m, asm):
    f = asm("mov eax, 1\nret", name="raises")

    def boom(pc):
        raise RuntimeError("watched")
    m.instruction_watch.watch(f, [f + 1], boom)
    try:
        m.call(f)
    except RuntimeError as exc:
        assert str(exc) == "watched"
    else:
        raise AssertionError("the callback's exception was lost")
    m.instruction_watch.forget(f)
    assert m.call(asm("mov eax, 77\nret")) == 77
