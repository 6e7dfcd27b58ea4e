"""Time limits and instruction budgets."""
from __future__ import annotations

import time

import pytest

from kemu.machine import BudgetExhausted, GuestTimeout, Machine, MachineError

from .conftest import Assembler

LOOP = "spin: jmp spin"


def test_endless_loop_is_stopped_by_the_call_timeout(m, asm):
    f = asm(LOOP, name="forever")
    t0 = time.monotonic()
    with pytest.raises(GuestTimeout) as e:
        m.call(f, timeout=0.2)
    assert 0.2 <= time.monotonic() - t0 < 2.0
    assert e.value.oops.kind == "timeout"
    assert "forever" in e.value.oops.text


def test_default_timeout_applies_when_none_is_given(arch):
    m = Machine(arch, timeout=0.1)
    f = Assembler(m)(LOOP)
    with pytest.raises(GuestTimeout):
        m.call(f)


def test_machine_is_usable_after_a_timeout(m, asm):
    with pytest.raises(GuestTimeout):
        m.call(asm(LOOP), timeout=0.05)
    assert m.call(asm("mov eax, 3\nret")) == 3


def test_timeout_inside_a_nested_call_unwinds_everything(m, asm):
    spin = asm(LOOP, name="spinning_callback")
    stub = m.add_stub("run", lambda c: m.call(spin, timeout=0.1))
    outer = asm(f"call {stub:#x}\nret")
    with pytest.raises(GuestTimeout) as e:
        m.call(outer)
    assert m.depth == 0
    assert "spinning_callback" in e.value.oops.text
    assert m.call(asm("mov eax, 4\nret")) == 4


def test_outer_time_limit_also_bounds_nested_calls(m, asm):
    spin = asm(LOOP)
    stub = m.add_stub("run", lambda c: m.call(spin, timeout=30))
    outer = asm(f"call {stub:#x}\nret")
    t0 = time.monotonic()
    with pytest.raises(GuestTimeout):
        m.call(outer, timeout=0.2)
    assert time.monotonic() - t0 < 5


def test_budget_stops_an_endless_loop(m, asm):
    f = asm(LOOP, name="forever")
    with pytest.raises(BudgetExhausted) as e:
        m.call(f, budget=10_000)
    assert e.value.oops.kind == "budget exhausted"
    assert "budget of 10000 instructions" in str(e.value)


def test_budget_counts_code_translated_before_the_budget_was_asked_for(m, asm):
    count_down = asm("mov ecx, [esp+4]\nl: dec ecx\njnz l\nmov eax, 7\nret" if m.arch == "i386"
                     else "mov rcx, rdi\nl: dec rcx\njnz l\nmov eax, 7\nret")
    m.call(count_down, 1000)                       # translated without counting
    with pytest.raises(BudgetExhausted):
        m.call(count_down, 1_000_000, budget=5000)
    assert m.call(count_down, 10, budget=5000) == 7


def test_a_budget_large_enough_lets_the_call_finish(m, asm):
    f = asm("mov eax, 100\nl: dec eax\njnz l\nmov eax, 9\nret")
    assert m.call(f, budget=1000) == 9


def test_calls_without_budget_after_a_budgeted_one_run_unbounded(m, asm):
    f = asm("mov ecx, 100000\nl: dec ecx\njnz l\nmov eax, 1\nret")
    with pytest.raises(BudgetExhausted):
        m.call(f, budget=100)
    assert m.call(f) == 1


def test_nested_call_inherits_the_enclosing_budget(m, asm):
    spin = asm(LOOP, name="inner_loop")
    stub = m.add_stub("run", lambda c: m.call(spin))
    outer = asm(f"call {stub:#x}\nret")
    with pytest.raises(BudgetExhausted) as e:
        m.call(outer, budget=50_000)
    assert "inherited" in str(e.value)
    assert m.depth == 0


def test_nested_budget_when_the_outer_call_has_none(m, asm):
    spin = asm(LOOP)
    results = []

    def service(call):
        try:
            m.call(spin, budget=1000)
        except BudgetExhausted:
            results.append("stopped")
        return 5

    stub = m.add_stub("bounded", service)
    # the outer call keeps running after the nested budgeted one, long enough to cross the
    # nested budget again: it must not be stopped by it
    outer = asm(f"call {stub:#x}\nmov ecx, 20000\nl: dec ecx\njnz l\nret")
    assert m.call(outer) == 5
    assert results == ["stopped"]
    assert m.call(asm("mov eax, 2\nret")) == 2


def test_budget_must_be_positive(m, asm):
    with pytest.raises(MachineError, match="budget must be a positive number"):
        m.call(asm("ret"), budget=0)


def test_a_budget_two_levels_down_does_not_stop_the_levels_above(m, asm):
    spin = asm(LOOP)

    def bounded(call):
        with pytest.raises(BudgetExhausted):
            m.call(spin, budget=500)
        return 1

    bounded_stub = m.add_stub("bounded", bounded)
    # depth 1: calls the bounded service, then runs well past 500 instructions
    middle = asm(f"call {bounded_stub:#x}\nmov ecx, 20000\nl: dec ecx\njnz l\nmov eax, 21\nret")
    middle_stub = m.add_stub("middle", lambda c: m.call(middle))
    outer = asm(f"call {middle_stub:#x}\nmov ecx, 20000\nl: dec ecx\njnz l\nret")
    assert m.call(outer) == 21
    assert m.call(asm("mov eax, 2\nret")) == 2


def test_an_outer_budget_still_stops_an_endless_loop_after_a_nested_call(m, asm):
    ret = asm("mov eax, 1\nret")
    stub = m.add_stub("once", lambda c: m.call(ret))
    outer = asm(f"call {stub:#x}\nspin: jmp spin")
    with pytest.raises(BudgetExhausted):
        m.call(outer, budget=20_000)


# --- a paused clock: time Python holds for a person is not the guest's ----------------------

def test_time_spent_with_the_clock_paused_is_not_charged_to_the_call(m, asm):
    def prompt(call):
        with m.paused_clock():
            time.sleep(0.4)           # a person at a debugger prompt, longer than the limit
        return 5
    stub = m.add_stub("prompt", prompt)
    f = asm(f"call {stub:#x}\nret")
    assert m.call(f, timeout=0.2) == 5


def test_a_call_paused_for_a_while_is_still_stopped_by_its_time_limit(m, asm):
    def prompt(call):
        with m.paused_clock():
            time.sleep(0.3)
    stub = m.add_stub("prompt", prompt)
    f = asm(f"call {stub:#x}\nspin: jmp spin", name="paused_then_spinning")
    t0 = time.monotonic()
    with pytest.raises(GuestTimeout) as e:
        m.call(f, timeout=0.2)
    assert time.monotonic() - t0 >= 0.5           # the pause, then the limit of guest time
    assert "paused_then_spinning" in e.value.oops.text


def test_handler_time_outside_a_pause_still_counts(m, asm):
    stub = m.add_stub("slow", lambda call: time.sleep(0.3))
    f = asm(f"call {stub:#x}\nspin: jmp spin")
    t0 = time.monotonic()
    with pytest.raises(GuestTimeout):
        m.call(f, timeout=0.2)
    assert time.monotonic() - t0 < 0.45           # stopped right after the handler returned


def test_a_guest_call_made_while_paused_runs_on_the_clock(m, asm):
    spin = asm(LOOP, name="called_from_the_prompt")
    outcome = {}

    def prompt(call):
        with m.paused_clock():
            assert m.clock_paused
            with pytest.raises(GuestTimeout):
                m.call(spin, timeout=0.1)
            outcome["paused_after"] = m.clock_paused
            time.sleep(0.3)
        return 1
    stub = m.add_stub("prompt", prompt)
    assert m.call(asm(f"call {stub:#x}\nret"), timeout=5) == 1
    assert outcome["paused_after"] is True
    assert not m.clock_paused


def test_paused_clocks_nest(m):
    with m.paused_clock():
        with m.paused_clock():
            assert m.clock_paused
        assert m.clock_paused
    assert not m.clock_paused
