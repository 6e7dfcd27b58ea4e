"""The NetBSD console kemu gives a user: `# modload …`, `# od -N 16 /dev/fibo0`, `# dmesg`.

`Shell(system)` runs one command line at a time (`run_line`), a whole script (`run_script`,
which stops at the first failing command and returns its status, like `sh -e`), or an
interactive session (`interact`, prompt `# `). Output streams are injectable, so the debugger
can embed a shell and tests can capture it; kernel console messages (a module's printf) appear
in the shell's output as they happen, as on a real console.

This file is the command table and dispatch: which name runs what, with which streams and
redirections. The line syntax (quoting, `;`, redirections, /dev patterns) is in
shell_syntax.py; the console's own commands (od, cat, echo, exec …) in shell_builtins.py; the
module tools and file utilities belong to the system (`NetBSDLKM.run_command`). Host files are
only ever read: the module objects and post-install scripts that modload names, resolved
against the shell's working directory.
"""
from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
from typing import Callable, Iterable, TextIO

from kemu.kernel import SyscallError
from kemu.machine.sigint import SigintRouter

from .shell_builtins import BUILTINS, CAT_LIMIT, HELP, ShellExit, exec_
from .shell_syntax import Redirections, expand_words, parse_redirections, split_commands

__all__ = ["Shell", "ShellExit", "Redirections", "expand_words", "HELP", "CAT_LIMIT",
           "SYSTEM_COMMANDS"]

#: Commands the system runs (`NetBSDLKM.run_command`), with the shell's working directory.
SYSTEM_COMMANDS = ("modload", "modunload", "modstat", "ls", "mknod", "rm", "chmod")


class Shell:
    """A console on a booted system. `run_line(line) -> status`; streams default to stdio."""

    def __init__(self, system, out: TextIO | None = None, err: TextIO | None = None,
                 cwd: str | None = None, prompt: str = "# ", echo: bool = False):
        self.system = system
        self.out = out
        self.err = err
        self.cwd = cwd or os.getcwd()
        self.prompt = prompt
        self.echo = echo               # print "# command" before running it (scripts, the demo)
        self.fds: dict[int, int] = {}  # shell descriptor number -> system fd
        self.status = 0
        self.sigint: SigintRouter | None = None   # Ctrl-C routing while `interact` runs on a terminal
        self.builtins: dict[str, Callable[[list[str], TextIO, TextIO, Redirections], int]] = {
            name: functools.partial(command, self) for name, command in BUILTINS.items()}

    # --- streams ---------------------------------------------------------------------------
    def _streams(self, out: TextIO | None, err: TextIO | None) -> tuple[TextIO, TextIO]:
        return out or self.out or sys.stdout, err or self.err or sys.stderr

    # --- entry points ------------------------------------------------------------------------
    def run_line(self, line: str, out: TextIO | None = None, err: TextIO | None = None) -> int:
        """Run one line (possibly several `;`-separated commands); returns the last status.
        Raises ShellExit for `exit`."""
        out, err = self._streams(out, err)
        if self.echo and line.strip():
            out.write(f"{self.prompt}{line.rstrip()}\n")
        try:
            commands = split_commands(line)
        except ValueError as exc:
            err.write(f"sh: syntax error: {exc}\n")
            self.status = 2
            return 2
        for words in commands:
            self.status = self._run_words(words, out, err)
            if self.sigint is not None and self.sigint.interrupted:
                break          # Ctrl-C ends the whole line, as in sh
        return self.status

    def run_script(self, lines: str | Iterable[str], out: TextIO | None = None,
                   err: TextIO | None = None, stop_on_error: bool = True) -> int:
        """Run lines in order; stop at the first failing command (its status is returned)."""
        if isinstance(lines, str):
            lines = lines.splitlines()
        status = 0
        for line in lines:
            try:
                status = self.run_line(line, out, err)
            except ShellExit as done:
                return done.status
            if status != 0 and stop_on_error:
                return status
        return status

    def interact(self, stdin: TextIO | None = None, out: TextIO | None = None,
                 err: TextIO | None = None) -> int:
        """Read-eval loop with the `# ` prompt until EOF or `exit`. On a terminal, lines are
        read with readline (editing and history), and Ctrl-C is a shell's: at the prompt it
        drops the line; while a command runs the module code it is stopped (the call fails
        with EINTR, the system cleans up as after a fault) and the rest of the line is skipped."""
        stdin = stdin or sys.stdin
        out, err = self._streams(out, err)
        tty = stdin is sys.stdin and out is sys.stdout and stdin.isatty()
        if tty:
            try:
                import readline  # noqa: F401  (input() then edits lines and keeps history)
            except ImportError:
                pass
        router = SigintRouter(self.system.machine, newline_fd=out.fileno()) if tty else None
        with router if router is not None else contextlib.nullcontext():
            self.sigint = router
            try:
                return self._read_eval(stdin, out, err, tty)
            finally:
                self.sigint = None

    def _read_eval(self, stdin: TextIO, out: TextIO, err: TextIO, tty: bool) -> int:
        router = self.sigint
        while True:
            try:
                if tty:
                    with router.at_prompt() if router is not None else contextlib.nullcontext():
                        line = input(self.prompt) + "\n"
                else:
                    out.write(self.prompt)
                    out.flush()
                    line = stdin.readline()
            except EOFError:
                line = ""
            except KeyboardInterrupt:
                out.write("\n")
                continue
            if not line:
                out.write("\n")
                return self.status
            try:
                self.run_line(line, out, err)
            except ShellExit as done:
                return done.status
            except KeyboardInterrupt:
                out.write("\n")
            finally:
                if router is not None:
                    router.finish_command()

    def close_all(self) -> None:
        """Close every descriptor the shell holds (end of a session)."""
        for number in sorted(self.fds):
            try:
                self.system.close(self.fds.pop(number))
            except SyscallError:
                pass

    # --- running -----------------------------------------------------------------------------
    def _run_words(self, words: list[str], out: TextIO, err: TextIO) -> int:
        try:
            words, redir = parse_redirections(words)
        except ValueError as exc:
            err.write(f"sh: syntax error: {exc}\n")
            return 2
        words = expand_words(self.system, words)
        if not words:
            return exec_(self, [], out, err, redir) if redir.fd_ops else 0
        name = words[0]
        if name != "exec" and redir.fd_ops:
            for number, op, target in redir.fd_ops:
                if number == 2 and op == ">&" and target == "1":
                    err = out
                elif number == 2 and op in (">", ">>") and target == "/dev/null":
                    err = io.StringIO()
                elif number == 1 and op in (">", ">>"):
                    redir.stdout = (target, "a" if op == ">>" else "w")
                else:
                    err.write(f"sh: unsupported redirection `{number}{op}{target or ''}'\n")
                    return 2
        if redir.stdout is not None:
            return self._with_stdout(name, words, err, redir)
        return self._dispatch(name, words, out, err, redir)

    def _dispatch(self, name: str, words: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
        """Run the command `name`, with the kernel's console and the terminal sent to `out`."""
        system = self.system
        previous = system.console
        previous_terminal = system.terminal
        system.console = out.write
        system.terminal = out.write
        try:
            builtin = self.builtins.get(name)
            if builtin is not None:
                return builtin(words[1:], out, err, redir)
            if name in SYSTEM_COMMANDS:
                return system.run_command(words, out, err, cwd=self.cwd)
            err.write(f"{name}: not found\n")
            return 127
        finally:
            system.console = previous
            system.terminal = previous_terminal

    def _with_stdout(self, name: str, words: list[str], err: TextIO, redir: Redirections) -> int:
        """`cmd > /dev/x`: the device is opened first (as sh does), then gets the output."""
        path, mode = redir.stdout
        try:
            fd = self.system.open(path, "w")
        except SyscallError as exc:
            err.write(f"sh: cannot create {path}: {exc.message}\n")
            return 2
        buffer = io.StringIO()
        try:
            status = self._dispatch(name, words, buffer, err, redir)
            data = buffer.getvalue().encode("latin-1", "replace")
            if data:
                try:
                    self.system.write(fd, data)
                except SyscallError as exc:
                    err.write(f"{name}: write error: {exc.message}\n")
                    status = status or 1
            return status
        finally:
            try:
                self.system.close(fd)
            except SyscallError as exc:
                err.write(f"sh: close {path}: {exc.message}\n")
