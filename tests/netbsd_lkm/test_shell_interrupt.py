"""Ctrl-C in the interactive `kemu shell`: it stops the module code a command runs, the command
fails cleanly and the prompt comes back; at the prompt it drops the line being typed."""
from __future__ import annotations

import time

import pytest

from .conftest import LKM_FIXTURES, POSTINSTALL
from .terminal import Terminal

PROMPT = r"# $"


def fixture_path(name: str) -> str:
    path = LKM_FIXTURES / "i386" / "gcc" / f"{name}.o"
    if not path.is_file():
        pytest.skip(f"fixture {path} is not built")
    return str(path)


@pytest.fixture
def terminal():
    term = Terminal("shell", "--arch", "i386", "--timeout", "30")
    try:
        term.read_until(PROMPT)
        yield term
    finally:
        term.kill()


def test_ctrl_c_stops_a_load_handler_that_never_returns_and_the_shell_goes_on(terminal):
    terminal.type(f"modload {fixture_path('spin')}; echo not reached\n")
    terminal.read_until(r"spin: entering an endless loop")
    time.sleep(0.2)
    t0 = time.monotonic()
    terminal.interrupt()
    shown = terminal.read_until(PROMPT, timeout=20)
    assert time.monotonic() - t0 < 10                       # not the 30 s time limit
    assert "kemu: spin: LKM_E_LOAD interrupted at spin_load+" in shown
    assert "modload: error initializing module: Interrupted system call" in shown
    assert "not reached" not in shown                       # Ctrl-C ends the whole line
    terminal.type("modstat\n")
    assert "spin" not in terminal.read_until(PROMPT).split("modstat", 1)[1]   # nothing half-loaded
    # the machine is usable: fibo loads and reads
    terminal.type(f"modload -p {POSTINSTALL} {fixture_path('fibo')}\n")
    assert "Module loaded as ID 0" in terminal.read_until(PROMPT)
    terminal.type("od -A n -t u4 -N 16 /dev/fibo0\n")
    assert "0 1 1 2" in " ".join(terminal.read_until(PROMPT).split())
    terminal.type("exit\n")
    assert terminal.close() == 0


def test_ctrl_c_at_the_prompt_drops_the_line_being_typed(terminal):
    terminal.type("echo half-typed")
    time.sleep(0.3)
    terminal.interrupt()
    terminal.read_until(PROMPT)
    terminal.type("echo fresh\n")
    shown = terminal.read_until(r"fresh\s*\n(.|\n)*# $")
    assert "half-typed" not in shown.split("echo fresh", 1)[1]
    terminal.type("exit\n")
    assert terminal.close() == 0


def test_ctrl_c_ends_an_endless_pipeline_and_the_rest_of_its_line(terminal):
    terminal.type(f"modload -p {POSTINSTALL} {fixture_path('fibo')}\n")
    terminal.read_until(PROMPT)
    terminal.type("./fibotest | cat; echo not reached\n")
    terminal.read_until(r"2971215073\n1\n1\n2\n")           # streaming: numbers arrive as read
    terminal.interrupt()
    shown = terminal.read_until(PROMPT, timeout=20)
    assert "not reached" not in shown
    assert "close /dev/fibo0 interrupted" not in shown       # the stop was for the reads only
    terminal.type("modunload -n fibo && echo unloaded\n")    # fibotest closed its descriptor
    assert "unloaded" in terminal.read_until(PROMPT)
    terminal.type("exit\n")
    assert terminal.close() == 0
