"""The NetBSD console kemu gives a user: `# modload …`, `# od -N 16 /dev/fibo0`, `# dmesg`.

`Shell(system)` runs one command line at a time (`run_line`), a whole script (`run_script`,
which stops at the first failing command and returns its status, like `sh -e`), or an
interactive session (`interact`, prompt `# `). Output streams are injectable, so the debugger
can embed a shell and tests can capture it; kernel console messages (a module's printf) appear
in the shell's output as they happen, as on a real console.

It is a small sh, not a full one: words are split with POSIX quoting, `#` starts a comment,
`;` separates commands, patterns (`/dev/fibo*`) are expanded against kemu's /dev, and the
redirections `> file`, `>> file`, `< file`, `<&N` and `exec N< file` / `exec N<&-` work on
device files. Host files are only ever read: the module objects and post-install scripts that
modload names, resolved against the shell's working directory.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterable, TextIO

from kemu.kernel import SyscallError

from . import od as od_command
from .getopt import getopt

CAT_LIMIT = 1 << 20
HELP = """\
kemu's NetBSD 1.6 console. Commands:
  modload [-dnsvS] [-A system] [-e entry] [-p postinstall] [-o outfile] [--lenient] module.o
  modunload [-i id] [-n name]        modstat [-i id] [-n name]
  ls [-l] [file ...]                 mknod name [b | c] major minor
  rm [-f] file ...                   chmod mode file ...
  od [-bcdosxv] [-A d|o|x|n] [-j skip] [-N count] [-t type] file ...
  cat file ...                       echo [-n] text ... > /dev/file
  exec N< /dev/file  (keep a device open as fd N)      exec N<&-  (close it)
  dmesg                              help                exit [status]
Host files (module objects, post-install scripts) are read from the current directory;
everything else lives in kemu's /dev.
"""


def expand_words(system, words: Iterable[str]) -> list[str]:
    """sh pathname expansion against kemu's /dev: a pattern with matches becomes them, sorted;
    one without matches stays as written."""
    out: list[str] = []
    for word in words:
        if any(c in word for c in "*?[") and word.startswith("/dev/"):
            matches = system.kernel.devfs.glob(word)
            if matches:
                out.extend(matches)
                continue
        out.append(word)
    return out


_IO_NUMBER = "\0fd:"          # marks "3" in `3<`; cannot appear in a typed word
_OPERATORS = ("<<", ">>", "<&", ">&", "<>", ">|", ";", "<", ">", "&", "|")


def _tokenize(line: str) -> list[list[str]]:
    """POSIX-ish word splitting with quotes, backslashes, comments and operators."""
    commands: list[list[str]] = [[]]
    word: list[str] | None = None
    i, n = 0, len(line)

    def finish() -> None:
        nonlocal word
        if word is not None:
            commands[-1].append("".join(word))
            word = None

    while i < n:
        c = line[i]
        if c in " \t\r\n":
            finish()
            i += 1
        elif c == "#" and word is None:
            break
        elif c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise ValueError("unterminated ' quote")
            word = (word or []) + [line[i + 1:end]]
            i = end + 1
        elif c == '"':
            j, chunk = i + 1, []
            while j < n and line[j] != '"':
                if line[j] == "\\" and j + 1 < n and line[j + 1] in '"\\$`':
                    j += 1
                chunk.append(line[j])
                j += 1
            if j >= n:
                raise ValueError('unterminated " quote')
            word = (word or []) + ["".join(chunk)]
            i = j + 1
        elif c == "\\":
            if i + 1 < n:
                word = (word or []) + [line[i + 1]]
            i += 2
        elif c in ";<>&|":
            op = next(o for o in _OPERATORS if line.startswith(o, i))
            if word is not None and c in "<>" and "".join(word).isdigit() and line[i - 1].isdigit():
                commands[-1].append(_IO_NUMBER + "".join(word))
                word = None
            finish()
            if op == ";":
                commands.append([])
            else:
                commands[-1].append(op)
            i += len(op)
        else:
            word = (word or []) + [c]
            i += 1
    finish()
    return commands


class ShellExit(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


@dataclass
class Redirections:
    stdout: tuple[str, str] | None = None      # (path, "w" | "a")
    stdin_path: str | None = None
    stdin_fd: int | None = None
    fd_ops: list[tuple[int, str, str | None]] = field(default_factory=list)   # exec: (n, op, path)


class _FdSource:
    """A ByteSource over a descriptor the shell holds open (`<&3`); closing it keeps it open."""

    def __init__(self, system, fd: int):
        self.system, self.fd = system, fd

    def read(self, n: int) -> bytes:
        return self.system.read(self.fd, n)

    def close(self) -> None:
        pass


class _FileSource(_FdSource):
    def __init__(self, system, path: str):
        super().__init__(system, system.open(path, "r"))

    def close(self) -> None:
        self.system.close(self.fd)


def _strerror(exc: Exception) -> str:
    if isinstance(exc, SyscallError):
        return exc.message
    return str(exc)


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
        self.builtins: dict[str, Callable[[list[str], TextIO, TextIO, Redirections], int]] = {
            "od": self._od, "cat": self._cat, "echo": self._echo, "dmesg": self._dmesg,
            "help": self._help, "exit": self._exit, "exec": self._exec, "true": lambda *a: 0,
            "false": lambda *a: 1,
        }

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
            commands = self._split(line)
        except ValueError as exc:
            err.write(f"sh: syntax error: {exc}\n")
            self.status = 2
            return 2
        for words in commands:
            self.status = self._run_words(words, out, err)
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
        read with readline (editing and history)."""
        stdin = stdin or sys.stdin
        out, err = self._streams(out, err)
        tty = stdin is sys.stdin and out is sys.stdout and stdin.isatty()
        if tty:
            try:
                import readline  # noqa: F401  (input() then edits lines and keeps history)
            except ImportError:
                pass
        while True:
            try:
                if tty:
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

    # --- parsing -----------------------------------------------------------------------------
    @staticmethod
    def _split(line: str) -> list[list[str]]:
        """Commands of a line as word lists; operators become their own words, and a number
        written right against `<`/`>` (`3<`) becomes the word "N:3" (sh's IO_NUMBER)."""
        return [c for c in _tokenize(line) if c]

    def _parse_redirections(self, words: list[str]) -> tuple[list[str], Redirections]:
        """Separate `>`, `>>`, `<`, `<&N`, `N<`, `N<&-` … from the command's words."""
        redir = Redirections()
        args: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            number = None
            if w.startswith(_IO_NUMBER) and i + 1 < len(words):
                number, i = int(w[len(_IO_NUMBER):]), i + 1
                w = words[i]
            if w in (">", ">>", "<", "<>", "<&", ">&", "<&-", ">&-") or w.startswith(("<&", ">&")):
                op = w
                target = None
                if op in ("<&", ">&"):
                    target = words[i + 1] if i + 1 < len(words) else None
                    i += 1
                    if target is not None and target.startswith("-"):
                        op, target = op + "-", target[1:] or None
                elif op not in ("<&-", ">&-"):
                    target = words[i + 1] if i + 1 < len(words) else None
                    i += 1
                if target is None and not op.endswith("-"):
                    raise ValueError(f"missing file after `{op}'")
                if number is not None:
                    redir.fd_ops.append((number, op, target))
                elif op in (">", ">>"):
                    redir.stdout = (target, "a" if op == ">>" else "w")
                elif op == "<":
                    redir.stdin_path = target
                elif op == "<&":
                    if not target.isdigit():
                        raise ValueError(f"`<&{target}': not a descriptor number")
                    redir.stdin_fd = int(target)
                else:
                    raise ValueError(f"unsupported redirection `{op}'")
                i += 1
                continue
            args.append(w)
            i += 1
        return args, redir

    # --- running -----------------------------------------------------------------------------
    def _run_words(self, words: list[str], out: TextIO, err: TextIO) -> int:
        try:
            words, redir = self._parse_redirections(words)
        except ValueError as exc:
            err.write(f"sh: syntax error: {exc}\n")
            return 2
        words = expand_words(self.system, words)
        if not words:
            return self._exec([], out, err, redir) if redir.fd_ops else 0
        name = words[0]
        if name != "exec" and redir.fd_ops:
            for number, op, target in redir.fd_ops:
                if number == 2 and op == ">&" and target == "1":
                    err = out
                elif number == 2 and op in (">", ">>") and target == "/dev/null":
                    import io
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
        system = self.system
        previous = system.console
        previous_terminal = system.terminal
        system.console = out.write
        system.terminal = out.write
        try:
            builtin = self.builtins.get(name)
            if builtin is not None:
                return builtin(words[1:], out, err, redir)
            if name in ("modload", "modunload", "modstat", "ls", "mknod", "rm", "chmod"):
                return system.run_command(words, out, err, cwd=self.cwd)
            err.write(f"{name}: not found\n")
            return 127
        finally:
            system.console = previous
            system.terminal = previous_terminal

    def _with_stdout(self, name: str, words: list[str], err: TextIO, redir: Redirections) -> int:
        """`cmd > /dev/x`: the device is opened first (as sh does), then gets the output."""
        import io
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

    def _stdin(self, redir: Redirections):
        if redir.stdin_fd is not None:
            if redir.stdin_fd not in self.fds:
                raise SyscallError(self.system.errno.EBADF, "EBADF", "Bad file descriptor",
                                   f"{redir.stdin_fd}")
            return _FdSource(self.system, self.fds[redir.stdin_fd]), ""
        if redir.stdin_path is not None:
            return _FileSource(self.system, redir.stdin_path), redir.stdin_path
        return None, ""

    # --- builtins ----------------------------------------------------------------------------
    def _opener(self, path: str):
        return _FileSource(self.system, path)

    def _od(self, args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
        try:
            stdin, _ = self._stdin(redir)
        except SyscallError as exc:
            err.write(f"sh: {exc.context}: {exc.message}\n")
            return 2
        opener = self._opener
        if stdin is not None and not getopt("od", args, od_command.OPTSTRING).operands:
            # od with no file operand reads standard input: hand it the redirected source.
            args = args + ["-"]
            opener = lambda path, _src=stdin: _src if path == "-" else self._opener(path)  # noqa: E731
        long_size = self.system.machine.word_size
        return od_command.run(args, opener, out, err, long_size=long_size, strerror=_strerror)

    def _cat(self, args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
        sources = []
        try:
            stdin, _ = self._stdin(redir)
        except SyscallError as exc:
            err.write(f"sh: {exc.context}: {exc.message}\n")
            return 2
        if not args:
            if stdin is None:
                err.write("cat: kemu's shell has no standard input: name a file\n")
                return 1
            sources.append(("stdin", lambda: stdin))
        for path in args:
            sources.append((path, lambda p=path: self._opener(p)))
        status = 0
        for name, make in sources:
            try:
                src = make()
            except SyscallError as exc:
                err.write(f"cat: {name}: {exc.message}\n")
                status = 1
                continue
            total = 0
            try:
                while True:
                    chunk = src.read(4096)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > CAT_LIMIT:
                        err.write(f"cat: {name}: read {CAT_LIMIT} bytes without reaching end of file; "
                                  f"a device may never end: use od -N count\n")
                        status = 1
                        break
                    out.write(chunk.decode("latin-1"))
            except SyscallError as exc:
                err.write(f"cat: {name}: {exc.message}\n")
                status = 1
            finally:
                src.close()
        return status

    def _echo(self, args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
        newline = True
        if args and args[0] == "-n":
            newline, args = False, args[1:]
        out.write(" ".join(args) + ("\n" if newline else ""))
        return 0

    def _dmesg(self, args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
        if args:
            err.write("usage: dmesg\n")
            return 1
        out.write(self.system.dmesg())
        return 0

    def _help(self, args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
        out.write(HELP)
        return 0

    def _exit(self, args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
        status = self.status
        if args:
            if not args[0].lstrip("-").isdigit():
                err.write(f"exit: Illegal number: {args[0]}\n")
                return 2
            status = int(args[0]) & 0xFF
        raise ShellExit(status)

    def _exec(self, args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
        if args:
            err.write("exec: kemu's shell cannot replace itself; only `exec N< file' and `exec N<&-'\n")
            return 2
        modes = {"<": "r", ">": "w", ">>": "w", "<>": "rw"}
        for number, op, path in redir.fd_ops:
            if op in ("<&-", ">&-"):
                fd = self.fds.pop(number, None)
                if fd is not None:
                    try:
                        self.system.close(fd)
                    except SyscallError as exc:
                        err.write(f"sh: close {number}: {exc.message}\n")
                        return 1
                continue
            if op not in modes:
                err.write(f"sh: unsupported redirection `{number}{op}'\n")
                return 2
            try:
                fd = self.system.open(path, modes[op])
            except SyscallError as exc:
                verb = "open" if op == "<" else "create"
                err.write(f"sh: cannot {verb} {path}: {exc.message}\n")
                return 2
            old = self.fds.pop(number, None)
            if old is not None:
                self.system.close(old)
            self.fds[number] = fd
        return 0

    def close_all(self) -> None:
        """Close every descriptor the shell holds (end of a session)."""
        for number in sorted(self.fds):
            try:
                self.system.close(self.fds.pop(number))
            except SyscallError:
                pass
