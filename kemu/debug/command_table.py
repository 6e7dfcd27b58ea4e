"""The command table: which handler runs a command line, and gdb's rules around running it.

Commands are grouped by what they work on (breakpoints, stepping, the stack, data, memory,
source, the session); each group hands the table its handlers by command name, and `info`
subcommands the same way. The table checks at construction that every name in
`commands.COMMANDS` has a handler, so a command cannot be listed by `help` and then fail.
Around the call it applies gdb's rules: resuming commands need a stopped guest, stepping
commands repeat on an empty line, and a line that is the guest shell's by the rule in
`guest_lines` (`od -N 8 /dev/fibo0`, `echo 5 > /dev/echodev0`) runs in the guest's shell.
With `shell_only` (`kemu trace --run`) every line is a guest shell line.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterable

from kemu.debug.commands import COMMANDS, INFO_SUBCOMMANDS, CommandError, parse_line, resolve_info
from kemu.debug.guest_lines import goes_to_guest, has_shell_syntax

if TYPE_CHECKING:
    from kemu.debug.session import Session

Handler = Callable[[str, str], "bool | None"]     # (args, /FMT) → True when it resumed the guest
InfoHandler = Callable[[str], None]                # (args after the subcommand)

RESUMING = frozenset({"continue", "stepi", "nexti", "step", "next", "finish", "until", "advance", "kill"})
REPEATABLE = frozenset({"step", "next", "stepi", "nexti", "continue", "finish", "until", "advance"})


class SessionEnd(Exception):
    """`quit` (or the end of the command input): leave the debugger."""


class CommandGroup:
    """Commands that work on one thing, sharing the session they run in."""

    def __init__(self, s: "Session") -> None:
        self.s = s

    def commands(self) -> dict[str, Handler]:
        return {}

    def info_commands(self) -> dict[str, InfoHandler]:
        return {}


class CommandTable:
    """Command name → handler, and the dispatch of one command line."""

    def __init__(self, groups: Iterable[CommandGroup], run_shell: Callable[[str], bool],
                 shell_words: Iterable[str], has_shell: Callable[[], bool]) -> None:
        self.handlers: dict[str, Handler] = {"info": self.info}
        self.info_handlers: dict[str, InfoHandler] = {}
        for group in groups:
            for table, new in ((self.handlers, group.commands()), (self.info_handlers, group.info_commands())):
                clash = table.keys() & new.keys()
                if clash:
                    raise RuntimeError(f"commands handled twice: {sorted(clash)}")
                table.update(new)
        missing = [c.name for c in COMMANDS if c.name not in self.handlers]
        missing += [f"info {n}" for n, _ in INFO_SUBCOMMANDS if n not in self.info_handlers]
        if missing:
            raise RuntimeError(f"commands without a handler: {missing}")
        self.run_shell = run_shell
        self.shell_words = set(shell_words)
        self.has_shell = has_shell
        self.last_repeatable = ""     # the stepping command an empty line repeats
        self.shell_only = False       # every line is the guest shell's (`kemu trace --run`)

    def execute(self, text: str, stopped: bool) -> bool:
        """Run one command line; True when it resumed the guest (the stop loop returns)."""
        word = text.split(None, 1)[0]
        if word.startswith("!"):
            return self.run_shell(text[1:].strip())
        if self.shell_only or (goes_to_guest(text, self.shell_words) and self.has_shell()):
            return self.run_shell(text)
        try:
            parsed = parse_line(text)
        except CommandError:
            base = re.split(r"[\s/]", word, 1)[0]
            if (base in self.shell_words or has_shell_syntax(text)) and self.has_shell():
                return self.run_shell(text)
            raise
        if parsed is None:
            return False
        name = parsed.command.name
        self.last_repeatable = text if name in REPEATABLE else ""
        if name in RESUMING and not stopped:
            raise CommandError("The program is not being run.")
        result = self.handlers[name](parsed.args, parsed.fmt)
        return bool(result) and name in RESUMING

    def info(self, args: str, fmt: str) -> None:
        """`info SUBCOMMAND ...`, subcommands abbreviated as gdb allows (`i r`, `i b`)."""
        if not args:
            raise CommandError('List of info subcommands: breakpoints, registers, all-registers, symbol, '
                               'line, frame, args, locals, display, source, services, watchpoints.')
        word, _, rest = args.partition(" ")
        self.info_handlers[resolve_info(word)](rest.strip())
