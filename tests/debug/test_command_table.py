"""The command table: every command `help` lists has exactly one handler; dispatch rules."""
import pytest

from kemu.debug.breakpoints import BreakpointTable
from kemu.debug.cmd_breakpoints import BreakpointCommands
from kemu.debug.cmd_data import DataCommands
from kemu.debug.cmd_memory import MemoryCommands
from kemu.debug.cmd_session import SessionCommands
from kemu.debug.cmd_source import SourceCommands
from kemu.debug.cmd_stack import StackCommands
from kemu.debug.cmd_stepping import SteppingCommands
from kemu.debug.command_table import CommandTable
from kemu.debug.commands import CommandError

GROUPS = (BreakpointCommands, SteppingCommands, StackCommands, DataCommands, MemoryCommands,
          SourceCommands, SessionCommands)


def table(groups=GROUPS, shell_words=(), ran=None):
    ran = [] if ran is None else ran
    return CommandTable([g(None) for g in groups], run_shell=lambda line: ran.append(line) or False,
                        shell_words=shell_words, has_shell=lambda: True)


def test_every_command_and_info_subcommand_has_a_handler():
    t = table()
    assert "break" in t.handlers and "registers" in t.info_handlers


def test_a_command_without_a_handler_is_refused_when_the_table_is_built():
    with pytest.raises(RuntimeError, match=r"without a handler: \['break', 'tbreak'"):
        table([g for g in GROUPS if g is not BreakpointCommands])


def test_a_command_handled_twice_is_refused_when_the_table_is_built():
    with pytest.raises(RuntimeError, match="handled twice"):
        table(GROUPS + (StackCommands,))


def test_resuming_without_a_stopped_guest_is_gdbs_error():
    with pytest.raises(CommandError, match="The program is not being run."):
        table().execute("next", stopped=False)


def test_a_guest_shell_word_runs_in_the_shell_and_does_not_resume():
    ran: list[str] = []
    assert table(shell_words={"od"}, ran=ran).execute("od -t u4 /dev/fibo0", stopped=True) is False
    assert ran == ["od -t u4 /dev/fibo0"]


def test_an_unknown_word_that_is_no_shell_command_is_gdbs_error():
    with pytest.raises(CommandError, match='Undefined command: "frob"'):
        table(shell_words={"od"}).execute("frob", stopped=True)


def test_breakpoints_and_watchpoints_share_one_number_sequence():
    bt = BreakpointTable()
    assert bt.add_breakpoint(0x1000, "f", False).number == 1
    assert bt.add_watchpoint(0x2000, 4, "*0x2000", b"\0" * 4).number == 2
    assert bt.add_breakpoint(0x1010, "g", True).number == 3


GUEST = {"od", "echo", "help", "exit", "modstat", "cat"}


@pytest.mark.parametrize("line", ["echo 5 > /dev/echodev0", "echo a >> /dev/x", "cat < /dev/x",
                                  "modstat | cat", "modstat && od /dev/x", "od /dev/x || true",
                                  "modstat; modstat", "echo 1 2>&1"])
def test_a_line_with_shell_syntax_whose_first_word_is_the_guests_runs_in_the_guest(line):
    ran: list[str] = []
    assert table(shell_words=GUEST, ran=ran).execute(line, stopped=True) is False
    assert ran == [line]


def test_an_unknown_first_word_with_shell_syntax_goes_to_the_guest_shell():
    ran: list[str] = []
    table(shell_words=GUEST, ran=ran).execute("./fibotest | head", stopped=True)
    assert ran == ["./fibotest | head"]


def test_shell_only_sends_every_line_to_the_guest():
    ran: list[str] = []
    t = table(shell_words=GUEST, ran=ran)
    t.shell_only = True
    t.execute("help", stopped=False)
    t.execute("echo hi", stopped=False)
    assert ran == ["help", "echo hi"]
