"""Backtraces show the faulting call's own frames only: a stack slot the call never wrote
may still hold a return address from an earlier, finished call (a service's stub, a helper
that ran before), and that must not appear as a frame; nor may anything above the slot where
the call entered the guest."""
from __future__ import annotations

import pytest

from kemu.machine import GuestFault


def regs(m):
    return ("ebp", "esp", "eax") if m.arch == "i386" else ("rbp", "rsp", "rax")


def leave_leftovers(m, asm) -> None:
    """A finished call that went deep: a helper calling a service, with frame pointers."""
    bp, sp, ax = regs(m)
    stub = m.add_stub("printf", lambda call: 0)
    helper = asm(f"push {bp}\nmov {bp}, {sp}\nsub {sp}, 0x40\ncall {stub:#x}\nleave\nret",
                 name="helper")
    loader = asm(f"push {bp}\nmov {bp}, {sp}\nsub {sp}, 0x20\ncall {helper:#x}\nleave\nret",
                 name="load")
    assert m.call(loader) == 0


def test_a_frameless_fault_over_leftovers_shows_no_stale_frames(m, asm):
    bp, sp, ax = regs(m)
    leave_leftovers(m, asm)
    # no frame pointer; a big uninitialised frame over the slots the earlier call used
    read = asm(f"sub {sp}, 0x100\nxor {ax}, {ax}\nmov {ax}, [{ax}]\nadd {sp}, 0x100\nret",
               name="dev_read")
    with pytest.raises(GuestFault) as e:
        m.call(read, 1, 2, 3)
    assert [sym.split("+")[0] for _, sym, _ in e.value.oops.backtrace] == ["dev_read"]
    assert "printf" not in e.value.oops.text.split("guest calls")[0]
    assert "helper" not in e.value.oops.text and "load+" not in e.value.oops.text


def test_a_frameless_chain_of_real_calls_is_still_found_by_the_scan(m, asm):
    bp, sp, ax = regs(m)
    leave_leftovers(m, asm)
    leaf = asm(f"xor {ax}, {ax}\nmov {ax}, [{ax}]\nret", name="leaf")
    mid = asm(f"sub {sp}, 0x80\ncall {leaf:#x}\nadd {sp}, 0x80\nret", name="middle")
    top = asm(f"sub {sp}, 0x80\ncall {mid:#x}\nadd {sp}, 0x80\nret", name="top")
    with pytest.raises(GuestFault) as e:
        m.call(top)
    names = [sym.split("+")[0] for _, sym, _ in e.value.oops.backtrace]
    assert names == ["leaf", "middle", "top"]


def test_the_scan_stops_where_the_call_entered_the_guest(m, asm):
    """A nested call's stack holds nothing above its entry; an outermost call's stack may
    hold the arguments of earlier calls above it: neither is scanned."""
    bp, sp, ax = regs(m)
    leave_leftovers(m, asm)
    target = asm(f"xor {ax}, {ax}\nmov {ax}, [{ax}]\nret", name="target")
    with pytest.raises(GuestFault) as e:
        m.call(target)
    assert [sym.split("+")[0] for _, sym, _ in e.value.oops.backtrace] == ["target"]
