"""The console kemu gives a user on every system: `# modload …`, `# ./fibotest | head -n 50`.

`Shell(system, spec)` runs one command line at a time (`run_line`), a whole script
(`run_script`: it stops at the first failing command as `sh -e` does, says on stderr which
line of which file failed, and returns that status), or an interactive session (`interact`).
Output streams are injectable, so the debugger can embed a shell and tests can capture it.
Kernel console messages (a module's printf) go to the shell's own output — the terminal — as
they happen, even while a command's output is redirected or piped, as on a real console.

Execution follows sh: an and-or list runs its pipelines left to right (`&&` on success, `||`
on failure), a pipeline's status is its last command's (`!` inverts it), and under `sh -e`
only a failure that ends an and-or list stops a script. Pipelines stream (pipeline.py).
Commands come from `standard_commands` and the personality's `spec.commands` (which may
replace a standard one); `exec` is the shell's own. Host files are never touched here.
"""
from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
from typing import Iterable, Iterator, TextIO

from kemu.kernel import SyscallError
from kemu.machine.sigint import SigintRouter

from .builtins import ShellExit, standard_commands
from .pipeline import run_pipeline
from .spec import Command, UserlandSpec
from .streams import ByteSource, DeviceOutput, DeviceSource, HeldSource, WriteError
from .syntax import AndOr, Pipeline, Redirections, ShellSyntaxError, expand_words, parse_line, \
    parse_redirections

__all__ = ["Shell", "ShellExit"]


class _Stop(Exception):
    """Under `sh -e`: the and-or list `text` failed with `status`."""

    def __init__(self, status: int, text: str):
        super().__init__(status, text)
        self.status, self.text = status, text


class Shell:
    """A console on a booted system. `run_line(line) -> status`; streams default to stdio."""

    def __init__(self, system, spec: UserlandSpec, out: TextIO | None = None, err: TextIO | None = None,
                 cwd: str | None = None, prompt: str | None = None, echo: bool = False):
        self.system = system
        self.spec = spec
        self.out = out
        self.err = err
        self.cwd = cwd or os.getcwd()
        self.prompt = spec.prompt if prompt is None else prompt
        self.echo = echo               # print "# command" before running it (scripts, the demo)
        self.fds: dict[int, int] = {}  # shell descriptor number -> system fd
        self.status = 0
        self.sigint: SigintRouter | None = None   # Ctrl-C routing while `interact` runs on a terminal
        self.commands: dict[str, Command] = {**standard_commands(self), **spec.commands(self)}

    def command_names(self) -> list[str]:
        """Every command this console runs (for completion, or a debugger's list of words that
        belong to the guest's shell), sorted."""
        return sorted(set(self.commands) | {"exec"})

    # --- streams ---------------------------------------------------------------------------
    def _streams(self, out: TextIO | None, err: TextIO | None) -> tuple[TextIO, TextIO]:
        return out or self.out or sys.stdout, err or self.err or sys.stderr

    @property
    def interrupted(self) -> bool:
        return self.sigint is not None and self.sigint.interrupted

    @contextlib.contextmanager
    def _console_to(self, out: TextIO) -> Iterator[None]:
        """Kernel console messages and the user's terminal (uprintf) go to `out` meanwhile."""
        system = self.system
        saved = {name: getattr(system, name) for name in ("console", "terminal") if hasattr(system, name)}
        for name in saved:
            setattr(system, name, out.write)
        try:
            yield
        finally:
            for name, value in saved.items():
                setattr(system, name, value)

    # --- entry points ------------------------------------------------------------------------
    def run_line(self, line: str, out: TextIO | None = None, err: TextIO | None = None) -> int:
        """Run one line (commands joined by `;`, `&&`, `||`, `|`); returns the last status.
        Raises ShellExit for `exit`."""
        out, err = self._streams(out, err)
        try:
            return self._line(line, out, err, errexit=False)
        except ShellSyntaxError as exc:
            err.write(self.spec.texts.syntax_error.format(detail=exc) + "\n")
            self.status = 2
            return 2

    def run_script(self, lines: str | Iterable[str], out: TextIO | None = None,
                   err: TextIO | None = None, stop_on_error: bool = True, *,
                   source: str = "script") -> int:
        """Run lines in order. With `stop_on_error` (sh -e), the first failing command ends the
        script: `source: line N: `command' failed with exit status S` goes to stderr and S is
        returned. `exit N` ends it with N."""
        out, err = self._streams(out, err)
        if isinstance(lines, str):
            lines = lines.splitlines()
        texts = self.spec.texts
        status = 0
        for number, line in _logical_lines(lines):
            try:
                status = self._line(line, out, err, errexit=stop_on_error)
            except ShellExit as done:
                return done.status
            except _Stop as failed:
                err.write(texts.script_failed.format(source=source, line=number, command=failed.text,
                                                     status=failed.status) + "\n")
                return failed.status
            except ShellSyntaxError as exc:
                err.write(texts.script_syntax_error.format(source=source, line=number, detail=exc) + "\n")
                self.status = status = 2
                if stop_on_error:
                    return 2
            if self.interrupted:
                return status
        return status

    def interact(self, stdin: TextIO | None = None, out: TextIO | None = None,
                 err: TextIO | None = None) -> int:
        """Read-eval loop with the prompt until EOF or `exit`. On a terminal, lines are read
        with readline (editing and history), and Ctrl-C is a shell's: at the prompt it drops
        the line; while a command runs the module code it is stopped (the call fails with
        EINTR, the system cleans up as after a fault) and the rest of the line is skipped."""
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
    def _line(self, line: str, out: TextIO, err: TextIO, errexit: bool) -> int:
        if self.echo and line.strip():
            out.write(f"{self.prompt}{line.strip()}\n")
        lists = parse_line(line)
        with self._console_to(out):
            for and_or in lists:
                status, counts = self._and_or(and_or, out, err)
                self.status = status
                if self.interrupted:
                    break           # Ctrl-C ends the whole line, as in sh
                if errexit and status != 0 and counts:
                    raise _Stop(status, and_or.text)
        return self.status

    def _and_or(self, and_or: AndOr, out: TextIO, err: TextIO) -> tuple[int, bool]:
        """The list's status, and whether a failure of it stops `sh -e` (its last pipeline ran
        and was not negated)."""
        status = self._pipeline(and_or.first, out, err)
        last = and_or.first
        for op, pipeline in and_or.rest:
            if self.interrupted:
                break
            if (op == "&&") == (status == 0):
                status = self._pipeline(pipeline, out, err)
                last = pipeline
        counts = last is (and_or.rest[-1][1] if and_or.rest else and_or.first) and not last.negated
        return status, counts

    def _pipeline(self, pipeline: Pipeline, out: TextIO, err: TextIO) -> int:
        if len(pipeline.commands) == 1:
            status = self._command(pipeline.commands[0].tokens, None, None, out, err)
        else:
            stages = [functools.partial(self._stage, command.tokens, out, err)
                      for command in pipeline.commands]
            machine = self.system.machine
            statuses = run_pipeline(stages, may_block=lambda: machine.depth == 0,
                                    cancelled=self._pipeline_cancelled)
            status = statuses[-1]
        if pipeline.negated:
            status = 0 if status else 1
        return status

    def _pipeline_cancelled(self) -> bool:
        """Ctrl-C ends a pipeline at its next pipe operation (as SIGINT kills every process of
        it). The stop the console also asked of the machine is then withdrawn: it was for the
        guest code the pipeline runs, and must not fall on the closes that end its commands."""
        if not self.interrupted:
            return False
        self.system.machine.clear_interrupt()
        return True

    def _stage(self, tokens: list[str], out: TextIO, err: TextIO,
               stdin: ByteSource | None, stdout: TextIO | None) -> int:
        """One command of a pipeline: as in a subshell, `exit` ends only it."""
        try:
            return self._command(tokens, stdin, stdout, out, err)
        except ShellExit as done:
            return done.status

    def _command(self, tokens: list[str], pipe_in: ByteSource | None, pipe_out: TextIO | None,
                 out: TextIO, err: TextIO) -> int:
        """One simple command with its redirections; `pipe_in`/`pipe_out` are its pipes."""
        texts = self.spec.texts
        try:
            words, redir = parse_redirections(tokens)
        except ShellSyntaxError as exc:
            err.write(texts.syntax_error.format(detail=exc) + "\n")
            return 2
        words = expand_words(self.system, words)
        if not words or words[0] == "exec":
            return self._exec(words[1:], err, redir)
        name = words[0]
        stdout = pipe_out or out
        to_null = False
        err_to_out = False
        for number, op, target in redir.fd_ops:
            if number == 2 and op == ">&" and target == "1":
                err_to_out = True
            elif number == 1 and op == ">&" and target == "2":
                stdout = err
            elif number == 2 and op in (">", ">>") and target == "/dev/null":
                to_null = True
            elif number == 1 and op in (">", ">>"):
                redir.stdout = (target, "a" if op == ">>" else "w")
            else:
                err.write(f"sh: unsupported redirection `{number}{op}{target or ''}'\n")
                return 2
        command = self.commands.get(name)
        stdin: ByteSource | None = pipe_in
        output: DeviceOutput | None = None
        opened: DeviceSource | None = None
        try:
            if redir.stdin_fd is not None:
                if redir.stdin_fd not in self.fds:
                    err.write(texts.bad_descriptor.format(number=redir.stdin_fd) + "\n")
                    return 2
                stdin = HeldSource(self.system, self.fds[redir.stdin_fd])
            elif redir.stdin_path is not None:
                try:
                    stdin = opened = DeviceSource(self.system, redir.stdin_path)
                except SyscallError as exc:
                    err.write(texts.cannot_open.format(path=redir.stdin_path, error=exc.message) + "\n")
                    return 2
            if redir.stdout is not None:
                path = redir.stdout[0]
                try:
                    fd = self.system.open(path, "w")
                except SyscallError as exc:
                    err.write(texts.cannot_create.format(path=path, error=exc.message) + "\n")
                    return 2
                stdout = output = DeviceOutput(self.system, fd)
            if err_to_out:
                err = stdout
            elif to_null:
                err = io.StringIO()
            if command is None:
                err.write(texts.not_found.format(name=name) + "\n")
                return 127
            return self._run(name, command, words, stdin, stdout, err, output)
        finally:
            if opened is not None:
                self._close(opened.close, err)
            if output is not None:
                self._close(lambda: self.system.close(output.fd), err)

    def _run(self, name: str, command: Command, words: list[str], stdin: ByteSource | None,
             stdout: TextIO, err: TextIO, output: DeviceOutput | None) -> int:
        try:
            status = command(words, stdin, stdout, err)
            if output is not None:
                output.flush()
            return status
        except WriteError as exc:
            err.write(f"{name}: write error: {exc}\n")
            return 1
        except SyscallError as exc:
            err.write(f"{name}: {exc.message}\n")
            return 1

    def _close(self, close, err: TextIO) -> None:
        try:
            close()
        except SyscallError as exc:
            err.write(f"sh: close: {exc.message}\n")

    def _exec(self, args: list[str], err: TextIO, redir: Redirections) -> int:
        """`exec N< file` keeps a device open as the shell's descriptor N; `exec N<&-` closes it."""
        if args:
            err.write("exec: kemu's shell cannot replace itself; only `exec N< file' and `exec N<&-'\n")
            return 2
        texts = self.spec.texts
        system, fds = self.system, self.fds
        modes = {"<": "r", ">": "w", ">>": "w", "<>": "rw"}
        for number, op, path in redir.fd_ops:
            if op in ("<&-", ">&-"):
                fd = fds.pop(number, None)
                if fd is not None:
                    try:
                        system.close(fd)
                    except SyscallError as exc:
                        err.write(f"sh: close {number}: {exc.message}\n")
                        return 1
                continue
            if op not in modes:
                err.write(f"sh: unsupported redirection `{number}{op}'\n")
                return 2
            try:
                fd = system.open(path, modes[op])
            except SyscallError as exc:
                template = texts.cannot_open if op == "<" else texts.cannot_create
                err.write(template.format(path=path, error=exc.message) + "\n")
                return 2
            old = fds.pop(number, None)
            if old is not None:
                system.close(old)
            fds[number] = fd
        return 0


def _logical_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(number of its first line, text) of each command line, joining a line that ends in a
    backslash (removed, as sh does) or in `|`, `&&`, `||` (a pipeline or list goes on) with
    the next one."""
    text = ""
    first = 0
    for number, line in enumerate(lines, 1):
        if not text:
            first = number
        stripped = line.rstrip()
        if stripped.endswith("\\") and not stripped.endswith("\\\\"):
            text += stripped[:-1]
            continue
        if stripped.endswith(("|", "&&")) and not stripped.lstrip().startswith("#"):
            text += stripped + " "
            continue
        yield first, text + line
        text = ""
    if text:
        yield first, text
