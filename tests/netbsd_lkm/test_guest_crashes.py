"""Modules whose load handler dereferences NULL, never returns or overruns its stack: each is
refused with an oops report, nothing of it stays loaded, and fibo still works afterwards."""
from __future__ import annotations

import struct

import pytest

from .conftest import POSTINSTALL, run

CASES = {
    # module: (modload's message, words the oops must contain)
    "nullderef": ("Bad address", ["NULL pointer dereference", "nullderef_load+"]),
    "spin": (None, ["time limit", "spin_load+"]),
    "stackhog": ("Bad address", ["stack overflow", "guard page", "stackhog_recurse+"]),
}


def _timeout_text(system) -> str:
    return system.errno.strerror(system.errno.ETIMEDOUT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_crashing_load_is_refused_with_exit_14(system, modules, name):
    message, _ = CASES[name]
    result = run(system, "modload", getattr(modules, name))
    assert result.status == 14
    assert result.err == f"modload: error initializing module: {message or _timeout_text(system)}\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_crash_prints_an_oops_with_registers_instruction_and_backtrace(system, modules, name):
    _, words = CASES[name]
    run(system, "modload", getattr(modules, name))
    oops = system.dmesg()
    assert f"{name}: " in oops                            # the module's own printf came first
    for word in words:
        assert word in oops
    assert "registers:" in oops and "backtrace:" in oops
    assert ("eip=" in oops) if modules.arch == "i386" else ("rip=" in oops)
    assert f"{name}_lkmentry(" in oops                    # the entry call kemu made


@pytest.mark.parametrize("name", sorted(CASES))
def test_nothing_stays_loaded_after_a_crash(system, modules, name):
    run(system, "modload", getattr(modules, name))
    assert system.modstat() == []
    assert system.lkm.slots == [None] * 20
    assert system.cdevsw.first_free() == 29


@pytest.mark.parametrize("name", sorted(CASES))
def test_fibo_loads_and_works_after_a_crash_in_the_same_machine(system, modules, name):
    run(system, "modload", getattr(modules, name))
    loaded = run(system, "modload", "-p", str(POSTINSTALL), modules.fibo)
    assert (loaded.status, loaded.out) == (0, "Module loaded as ID 0\n")
    fd = system.open("/dev/fibo0")
    assert struct.unpack("<5I", system.read(fd, 20)) == (1, 1, 2, 3, 5)
    system.close(fd)
    system.modunload(name="fibo")


def test_all_three_crashes_in_a_row_leave_the_machine_usable(system, modules):
    for name in sorted(CASES):
        assert run(system, "modload", getattr(modules, name)).status == 14
    assert system.modload(modules.fibo).offset == 29


def test_the_oops_names_the_faulting_instruction(system, modules):
    run(system, "modload", modules.nullderef)
    line = next(l for l in system.dmesg().splitlines() if l.strip().startswith("at 0x"))
    assert "<nullderef_load+" in line and "ptr [" in line
