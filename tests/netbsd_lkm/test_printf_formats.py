"""The kernel printf: printfmt.o prints every format the BSD kernel printf knows; the console
output must equal guest/netbsd-lkm/tests/printfmt.expected byte for byte."""
from __future__ import annotations

from kemu.paths import GUEST

EXPECTED = (GUEST / "netbsd-lkm" / "tests" / "printfmt.expected").read_text()


def test_printfmt_output_matches_expected(system, modules):
    console = []
    system.console = console.append
    system.modload(modules.printfmt)
    assert "".join(console) == EXPECTED
    assert system.dmesg() == EXPECTED


def test_uprintf_goes_to_the_terminal_not_dmesg(bare_system):
    """uprintf called through its stub with the arch's own calling convention."""
    system = bare_system
    terminal = []
    system.terminal = terminal.append
    fmt = system.kernel_data(16, value=b"to you %d\n\0")
    system.machine.call(system.kernel.symbols.lookup("uprintf"), fmt, 7)
    assert terminal == ["to you 7\n"] and system.dmesg() == ""


def test_log_writes_the_message_buffer(bare_system):
    fmt = bare_system.kernel_data(16, value=b"logged %s\n\0")
    word = bare_system.kernel_data(8, value=b"it\0")
    bare_system.machine.call(bare_system.kernel.symbols.lookup("log"), 6, fmt, word)
    assert bare_system.dmesg() == "logged it\n"


def test_snprintf_truncates_and_returns_the_full_length(bare_system):
    system = bare_system
    buf = system.kernel_data(8)
    fmt = system.kernel_data(16, value=b"%d-%d\0")
    n = system.machine.call(system.kernel.symbols.lookup("snprintf"), buf, 5, fmt, 1234, 5678)
    assert n == 9
    assert system.machine.mem.read(buf, 5) == b"1234\0"
