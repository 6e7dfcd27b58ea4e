"""The `__SCT__*` static-call trampolines point where a booted Debian 6.1 points them
(kemu/os/linux/static_calls.py), both arches."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES

TP = "xdp_exception"            # a tracepoint Debian's network drivers call (22 modules)


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def addr(linux, name: str) -> int:
    return linux.kernel.symbols.get(name).addr


@pytest.mark.parametrize("name", ["__SCT__cond_resched", "__SCT__might_resched"])
def test_resched_calls_reach_cond_resched_which_never_reschedules_the_only_task(linux, name):
    jump = linux.machine.disassemble(addr(linux, name))[0]
    assert (jump.mnemonic, jump.target) == ("jmp", addr(linux, "__cond_resched"))
    assert linux.machine.call(addr(linux, name)) == 0


@pytest.mark.parametrize("name", ["__SCT__preempt_schedule", "__SCT__preempt_schedule_notrace"])
def test_preempt_schedule_is_disabled_under_voluntary_preemption(linux, name):
    assert linux.machine.disassemble(addr(linux, name))[0].mnemonic == "ret"
    linux.machine.call(addr(linux, name))


def test_trampolines_carry_their_module_symvers_crc(linux):
    sym = linux.kernel.symbols.get("__SCT__tp_func_" + TP)
    assert sym.crc is not None and sym.license == "GPL"


def test_a_tracepoint_trampoline_jumps_to_its_iterator_as_its_key_says(linux):
    jump = linux.machine.disassemble(addr(linux, "__SCT__tp_func_" + TP))[0]
    assert (jump.mnemonic, jump.target) == ("jmp", addr(linux, "__traceiter_" + TP))
    assert linux.machine.mem.read_ptr(linux.data["__SCK__tp_func_" + TP]) == jump.target


def test_a_tracepoint_without_probes_calls_its_empty_iterator(linux):
    assert linux.machine.call(addr(linux, "__SCT__tp_func_" + TP), 7, 8, 9) == 0


def test_the_iterator_calls_every_attached_probe_with_its_data_and_all_arguments(linux):
    m, word = linux.machine, linux.machine.word_size
    seen = []
    probe = m.add_stub("test_probe", lambda call: seen.append([call.arg(i) for i in range(9)]) or 0)
    funcs = m.alloc("kdata", 3 * 3 * word, 16)
    entry = 3 * word if word == 8 else 12                 # struct tracepoint_func: func, data, prio
    for i, data in enumerate((0xD1, 0xD2)):
        m.mem.write_ptr(funcs + i * entry, probe)
        m.mem.write_ptr(funcs + i * entry + word, data)
    m.mem.write(funcs + 2 * entry, bytes(entry))          # the terminating entry
    tracepoint = linux.data["__tracepoint_" + TP]
    size = linux.kernel.symbols.get("__tracepoint_" + TP).size
    m.mem.write_ptr(tracepoint + size - word, funcs)      # .funcs, the last member
    assert m.call(addr(linux, "__SCT__tp_func_" + TP), 0, *range(1, 9)) == 0
    assert seen == [[0xD1, *range(1, 9)], [0xD2, *range(1, 9)]]
