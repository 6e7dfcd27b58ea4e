"""Interrupting a guest call on request (Ctrl-C, gdb's interrupt byte) and poking it."""
from __future__ import annotations

import threading
import time

import pytest

from kemu.machine import GuestInterrupted

LOOP = "spin: jmp spin"


def later(seconds: float, fn) -> threading.Timer:
    t = threading.Timer(seconds, fn)
    t.start()
    return t


def test_interrupt_from_another_thread_stops_an_endless_loop(m, asm):
    f = asm(LOOP, name="forever")
    later(0.1, m.interrupt)
    t0 = time.monotonic()
    with pytest.raises(GuestInterrupted) as e:
        m.call(f, timeout=30)
    assert time.monotonic() - t0 < 5
    assert e.value.oops.kind == "interrupted"
    assert e.value.oops.pc == f
    assert "interrupted at forever" in e.value.summary
    assert not m.interrupt_pending
    assert m.call(asm("mov eax, 3\nret")) == 3                 # usable afterwards


def test_the_interrupt_handler_gets_the_stop_and_the_call_resumes_where_it_says(m, asm):
    f = asm(LOOP)
    done = asm("mov eax, 9\nret")
    seen = []

    def handler(pc: int) -> bool:
        seen.append((pc, m.depth))
        m.regs.write("pc", done)        # like a debugger's `jump`
        return True
    m.interrupt_handler = handler
    later(0.1, m.interrupt)
    assert m.call(f, timeout=30) == 9
    assert seen == [(f, 1)]


def test_a_handler_that_declines_ends_the_call(m, asm):
    m.interrupt_handler = lambda pc: False
    later(0.1, m.interrupt)
    with pytest.raises(GuestInterrupted):
        m.call(asm(LOOP), timeout=30)


def test_an_interrupt_asked_between_calls_stops_the_next_call_before_its_first_instruction(m, asm):
    f = asm("mov eax, 3\nret")
    m.interrupt()
    assert m.interrupt_pending
    seen = []
    m.interrupt_handler = lambda pc: seen.append(pc) or True
    assert m.call(f) == 3
    assert seen == [f]
    assert not m.interrupt_pending


def test_clear_interrupt_withdraws_a_request_no_call_took(m, asm):
    m.interrupt()
    m.clear_interrupt()
    assert m.call(asm("mov eax, 4\nret")) == 4


def test_an_interrupt_asked_by_a_service_handler_stops_the_guest_when_the_handler_returns(m, asm):
    stub = m.add_stub("ask", lambda call: m.interrupt())
    f = asm(f"call {stub:#x}\nspin: jmp spin", name="after_the_service")
    with pytest.raises(GuestInterrupted) as e:
        m.call(f, timeout=30)
    assert "after_the_service" in e.value.oops.text


def test_an_interrupt_inside_a_nested_call_unwinds_every_level(m, asm):
    spin = asm(LOOP, name="nested_spin")
    stub = m.add_stub("run", lambda call: m.call(spin))
    outer = asm(f"call {stub:#x}\nret")
    later(0.1, m.interrupt)
    with pytest.raises(GuestInterrupted) as e:
        m.call(outer, timeout=30)
    assert "nested_spin" in e.value.oops.text
    assert m.depth == 0
    assert m.call(asm("mov eax, 5\nret")) == 5


def test_pokes_do_not_change_what_the_guest_computes(m, asm):
    count = 200_000_000
    body = (f"mov ecx, {count}\nxor eax, eax\nl: add eax, 3\ndec ecx\njnz l\nret")
    f = asm(body)
    stop = threading.Event()

    def poker():
        while not stop.is_set():
            m.poke()
            time.sleep(0.005)
    t = threading.Thread(target=poker)
    t.start()
    try:
        assert m.call(f, timeout=60) == (3 * count) & 0xFFFFFFFF
    finally:
        stop.set()
        t.join()
