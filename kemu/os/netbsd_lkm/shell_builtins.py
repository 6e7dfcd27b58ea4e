"""The commands the console runs itself: od, cat, echo, dmesg, help, exit, exec, true, false.

Each is `command(shell, args, out, err, redir) -> exit status`: `shell` gives the system and
the descriptors it holds open (`exec 3< /dev/fibo0`), `redir` the command's redirections
(standard input from a device or a held descriptor). The module tools (modload, modstat …)
and the file utilities belong to the system (`NetBSDLKM.run_command`), not to the shell.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TextIO

from kemu.kernel import SyscallError

from . import od as od_command
from .getopt import getopt
from .shell_syntax import Redirections

if TYPE_CHECKING:
    from .shell import Shell

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

Builtin = Callable[["Shell", list[str], TextIO, TextIO, Redirections], int]


class ShellExit(Exception):
    """`exit [status]`: ends a script or an interactive session."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class FdSource:
    """A ByteSource over a descriptor the shell holds open (`<&3`); closing it keeps it open."""

    def __init__(self, system, fd: int):
        self.system, self.fd = system, fd

    def read(self, n: int) -> bytes:
        return self.system.read(self.fd, n)

    def close(self) -> None:
        pass


class FileSource(FdSource):
    """A ByteSource over a device the command opens itself (and closes when done)."""

    def __init__(self, system, path: str):
        super().__init__(system, system.open(path, "r"))

    def close(self) -> None:
        self.system.close(self.fd)


def _strerror(exc: Exception) -> str:
    if isinstance(exc, SyscallError):
        return exc.message
    return str(exc)


def stdin_source(shell: "Shell", redir: Redirections) -> tuple[FdSource | None, str]:
    """The command's standard input (`< /dev/x` or `<&N`) and its path; (None, "") without
    one. SyscallError(EBADF) for a descriptor the shell does not hold."""
    if redir.stdin_fd is not None:
        if redir.stdin_fd not in shell.fds:
            raise SyscallError(shell.system.errno.EBADF, "EBADF", "Bad file descriptor",
                               f"{redir.stdin_fd}")
        return FdSource(shell.system, shell.fds[redir.stdin_fd]), ""
    if redir.stdin_path is not None:
        return FileSource(shell.system, redir.stdin_path), redir.stdin_path
    return None, ""


def od(shell: "Shell", args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
    try:
        stdin, _ = stdin_source(shell, redir)
    except SyscallError as exc:
        err.write(f"sh: {exc.context}: {exc.message}\n")
        return 2

    def opener(path: str) -> FdSource:
        return FileSource(shell.system, path)

    if stdin is not None and not getopt("od", args, od_command.OPTSTRING).operands:
        # od with no file operand reads standard input: hand it the redirected source.
        args = args + ["-"]
        opener = lambda path, _src=stdin: _src if path == "-" else FileSource(shell.system, path)  # noqa: E731
    long_size = shell.system.machine.word_size
    return od_command.run(args, opener, out, err, long_size=long_size, strerror=_strerror)


def cat(shell: "Shell", args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
    sources = []
    try:
        stdin, _ = stdin_source(shell, redir)
    except SyscallError as exc:
        err.write(f"sh: {exc.context}: {exc.message}\n")
        return 2
    if not args:
        if stdin is None:
            err.write("cat: kemu's shell has no standard input: name a file\n")
            return 1
        sources.append(("stdin", lambda: stdin))
    for path in args:
        sources.append((path, lambda p=path: FileSource(shell.system, p)))
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


def echo(shell: "Shell", args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
    newline = True
    if args and args[0] == "-n":
        newline, args = False, args[1:]
    out.write(" ".join(args) + ("\n" if newline else ""))
    return 0


def dmesg(shell: "Shell", args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
    if args:
        err.write("usage: dmesg\n")
        return 1
    out.write(shell.system.dmesg())
    return 0


def help_(shell: "Shell", args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
    out.write(HELP)
    return 0


def exit_(shell: "Shell", args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
    status = shell.status
    if args:
        if not args[0].lstrip("-").isdigit():
            err.write(f"exit: Illegal number: {args[0]}\n")
            return 2
        status = int(args[0]) & 0xFF
    raise ShellExit(status)


def exec_(shell: "Shell", args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
    """`exec N< file` keeps a device open as the shell's descriptor N; `exec N<&-` closes it."""
    if args:
        err.write("exec: kemu's shell cannot replace itself; only `exec N< file' and `exec N<&-'\n")
        return 2
    system, fds = shell.system, shell.fds
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
            verb = "open" if op == "<" else "create"
            err.write(f"sh: cannot {verb} {path}: {exc.message}\n")
            return 2
        old = fds.pop(number, None)
        if old is not None:
            system.close(old)
        fds[number] = fd
    return 0


def true(shell: "Shell", args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
    return 0


def false(shell: "Shell", args: list[str], out: TextIO, err: TextIO, redir: Redirections) -> int:
    return 1


#: name -> builtin, the console's own commands
BUILTINS: dict[str, Builtin] = {
    "od": od, "cat": cat, "echo": echo, "dmesg": dmesg, "help": help_, "exit": exit_,
    "exec": exec_, "true": true, "false": false,
}
