"""Commands about the session itself: help, echo, quit, context, shell, info services.

`shell` (and `!`, and a bare guest command like `od /dev/fibo0`) hands a line to the guest
system's own shell, which is how a user makes the module run: the read that `od` does ends
up in `fibo_read`, where a breakpoint stops it inside this same session. Typed at a stop, the
command runs with the breakpoints still active (`Debugger.run_from_stop`): a hit in it is a
stop nested in the first, which resumes where it was once the command is done. Which lines are
the guest's is `guest_lines`' rule, printed by `help`.
"""
from __future__ import annotations

import codecs
import textwrap

from kemu.debug.command_table import CommandGroup, Handler, InfoHandler, SessionEnd
from kemu.debug.commands import COMMANDS, CommandError, resolve_command
from kemu.debug.guest_lines import routing_rule
from kemu.debug.panel_data import recent_services


class SessionCommands(CommandGroup):

    def commands(self) -> dict[str, Handler]:
        return {"help": self.help, "echo": self.echo, "shell": self.shell, "quit": self.quit,
                "context": self.context}

    def info_commands(self) -> dict[str, InfoHandler]:
        return {"services": self.info_services}

    def help(self, args: str, fmt: str) -> None:
        s = self.s
        if args:
            spec = resolve_command(args.split()[0])
            s.say(spec.summary)
            if spec.aliases:
                s.say(f"Aliases: {', '.join(spec.aliases)}")
            return
        s.say("kemu debugger commands (gdb's names and abbreviations):")
        for spec in COMMANDS:
            names = spec.name + (f" ({', '.join(spec.aliases)})" if spec.aliases else "")
            s.say(textwrap.fill(f"  {names:<24} {spec.summary}", 80, subsequent_indent=" " * 27))
        if s.shell_words:
            s.say(textwrap.fill("Guest shell commands (run the module): " + ", ".join(sorted(s.shell_words)),
                                80, subsequent_indent="  "))
            s.say(routing_rule(s.shell_words))

    def echo(self, args: str, fmt: str) -> None:
        text = codecs.decode(args.encode("latin-1", "backslashreplace"), "unicode_escape")
        self.s.out.write(text)
        self.s.out.flush()

    def shell(self, args: str, fmt: str) -> None:
        self.run_shell(args)

    def run_shell(self, line: str) -> bool:
        """Run a line in the guest system's shell; False: the guest is not resumed by it."""
        if not line:
            raise CommandError("Argument required (shell command).")
        if self.s.shell_runner is None:
            raise CommandError("This system has no shell.")
        s = self.s
        # from a stop, breakpoints stay active in what the command runs (a nested stop)
        selected, kills = s.selected_frame, s.dbg.kills
        try:
            status = s.dbg.run_from_stop(lambda: s.shell_runner(line))
        finally:
            s.selected_frame = selected
        if s.quitting:
            raise SessionEnd()        # `quit` at a stop inside this command ends the session
        if status and s.dbg.kills == kills:     # a call the debugger killed is not the guest's failure
            s.guest_failures.append((line, status))
        return False

    def quit(self, args: str, fmt: str) -> None:
        raise SessionEnd()

    def context(self, args: str, fmt: str) -> None:
        self.s.need_registers()
        self.s.say(self.s.panel())

    def info_services(self, rest: str) -> None:
        n = int(rest) if rest.strip().isdigit() else 20
        calls = recent_services(self.s.kernel, n)
        if not calls:
            self.s.say("No kernel services called yet.")
        for c in calls:
            self.s.say(c)
