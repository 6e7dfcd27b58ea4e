"""Bad commands and bad addresses get gdb's messages, and the session carries on."""
import re

import pytest

from debug_helpers import ARCHES, after, run_session

CASES = [
    ("frobnicate", 'Undefined command: "frobnicate".  Try "help".'),
    ("di", 'Ambiguous command "di": disable, disassemble, display.'),
    ("x/4xw 0", "Cannot access memory at address 0x0"),
    ("x/s 0x10", "Cannot access memory at address 0x10"),
    ("p *(int *)8", "Cannot access memory at address 0x8"),
    ("break no_such_function", 'Function "no_such_function" not defined.'),
    ("p no_such_symbol", 'No symbol "no_such_symbol" in current context.'),
    ("p fibo_refcnt", "'fibo_refcnt' has unknown type; cast it to its declared type"),
    ("x/4q $sp", 'Undefined output format "q".'),
    ("info nonsense", 'Undefined info command: "nonsense".  Try "help info".'),
    ("p 1 +", "A syntax error in expression, near `'."),
    ("delete 99", "No breakpoint number 99."),
    ("list", 'No symbol table is loaded.  Use the "file" command.'),
]


@pytest.mark.parametrize("arch", ARCHES)
def test_every_error_is_reported_and_the_session_goes_on(arch):
    commands = [c for c, _ in CASES] + ["p 6 * 7", "continue", "modstat"]
    text = run_session(arch, commands)
    for command, message in CASES:
        assert after(text, command).strip() == message, command
    assert after(text, "p 6 * 7").strip() == "$1 = 42"
    assert "Module loaded as ID 0" in after(text, "continue")
    assert "fibo" in after(text, "modstat")


def test_stepping_when_nothing_runs_says_so():
    text = run_session("i386", ["continue", "stepi", "finish", "info registers", "bt", "quit"])
    assert after(text, "stepi").strip() == "The program is not being run."
    assert after(text, "finish").strip() == "The program is not being run."
    assert after(text, "info registers").strip() == "The program has no registers now."
    assert after(text, "bt").strip() == "No stack."


def test_finish_in_the_outermost_frame_runs_to_the_kernel_without_dwarf_too():
    text = run_session("i386", ["finish", "continue"])
    out = after(text, "finish")
    assert re.match(r"Run till exit from #0  0x[0-9a-f]+ in fibo_lkmentry \(\)\n", out)
    assert "Returned to the kernel.\nValue returned is $1 = 0\nModule loaded as ID 0\n" in out
    assert after(text, "continue").strip() == "The program is not being run."


def test_kill_abandons_the_load_and_the_machine_stays_usable():
    from debug_helpers import fibo_path
    reload = "modload -e fibo_lkmentry " + fibo_path("i386")
    text = run_session("i386", ["kill", "modstat", reload, "modstat"])
    assert "[kemu: module call killed]" in text
    assert "modload: error initializing module: Bad address" in text
    assert "fibo" not in after(text, "modstat", 0)            # nothing half-loaded
    assert "Module loaded as ID 0" in after(text, reload)      # the same slot loads again
    assert "fibo" in after(text, "modstat", 1)
