"""Kernel text around the service stubs: a guest that jumps anywhere into it that is not a
stub's entry gets an oops (invalid opcode, bad jump into kernel text, fetch from
non-executable memory), never a Python exception, and the machine stays usable."""
from __future__ import annotations

import pytest

from kemu.machine import GuestFault, Machine


def jump_to(m: Machine, asm, target: int) -> int:
    reg = "rax" if m.arch == "x86_64" else "eax"
    return asm(f"mov {reg}, {target:#x}\ncall {reg}\nret")


def add_services(m: Machine) -> list[int]:
    calls = []
    return [m.add_stub(f"svc{i}", lambda call, i=i: calls.append(i) or i) for i in range(3)]


def test_a_jump_into_an_unused_trap_slot_is_an_invalid_opcode(m, asm):
    stubs = add_services(m)
    trap = m.stub_at(stubs[-1]).trap
    with pytest.raises(GuestFault) as e:
        m.call(jump_to(m, asm, trap + 1))
    assert e.value.oops.kind == "invalid opcode"
    assert m.call(jump_to(m, asm, stubs[1])) == 1      # still usable


def test_a_jump_to_a_trap_slot_without_its_stub_is_a_bad_jump(m, asm):
    stubs = add_services(m)
    with pytest.raises(GuestFault) as e:
        m.call(jump_to(m, asm, m.stub_at(stubs[0]).trap))
    assert e.value.oops.kind == "bad jump into kernel text"
    assert "'svc0'" in e.value.oops.message
    assert m.call(jump_to(m, asm, stubs[0])) == 0


def test_a_jump_into_the_middle_of_a_stub_is_a_bad_jump(m, asm):
    stubs = add_services(m)
    stub = m.stub_at(stubs[2])
    # past the instruction that records the frame: straight to `call trap`
    offset = stub.abi.stub_code(0, 0x100, 0, 0).index(b"\xe8")
    with pytest.raises(GuestFault) as e:
        m.call(jump_to(m, asm, stub.entry + offset))
    assert e.value.oops.kind == "bad jump into kernel text"
    assert m.call(jump_to(m, asm, stubs[2])) == 2


def test_a_jump_past_the_last_stub_is_an_oops(m, asm):
    stubs = add_services(m)
    last = m.stub_at(stubs[-1])
    ktext = m.layout["ktext"]
    for target in (last.entry + last.size, last.entry + 64, ktext.start + 0x80000, ktext.end - 16):
        with pytest.raises(GuestFault):
            m.call(jump_to(m, asm, target))
    assert m.call(jump_to(m, asm, stubs[1])) == 1


def test_no_jump_into_the_stub_area_raises_anything_but_a_guest_error(m, asm):
    """Every byte offset of the return trap's neighbourhood, the first trap slots and the
    stubs: the call returns (a stub's entry) or fails with a GuestFault."""
    stubs = add_services(m)
    ktext = m.layout["ktext"]
    last = m.stub_at(stubs[-1])
    targets = list(range(ktext.start + 0xf8, ktext.start + 0x108))
    targets += list(range(m.stub_at(stubs[0]).trap - 2, last.trap + 4))
    targets += list(range(stubs[0] - 8, last.entry + last.size + 24))
    caller = jump_to(m, asm, 0)
    reg = "rax" if m.arch == "x86_64" else "eax"
    for target in targets:
        m.mem.load_code(caller, asm.encode(f"mov {reg}, {target:#x}\ncall {reg}\nret", caller))
        try:
            m.call(caller, budget=1000)
        except GuestFault:
            pass
    assert m.call(jump_to(m, asm, stubs[2])) == 2
