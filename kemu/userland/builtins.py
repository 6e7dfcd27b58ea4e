"""The commands every kemu console has: od, cat, echo, head, true, false, dmesg, help, exit, and
the /dev tools (ls, mknod, rm, chmod).

`standard_commands(shell)` makes them for one shell, each a `Command`
(`command(argv, stdin, out, err) -> status`, argv[0] the name). They reach the system only
through what every personality offers (`open/read/write/close`, `dmesg()`, `errno`, the
kernel's /dev and clock). `exec` is not here: it changes the shell's own descriptors, so the
shell runs it itself.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Callable, TextIO

from kemu.kernel import SyscallError

from .fileutils import FILE_TOOLS
from .getopt import getopt
from .streams import ByteSource, DeviceSource

if TYPE_CHECKING:
    from .shell import Shell
    from .spec import Command

#: cat and head stop reading a file (not a pipe) after this much: a device may never end
CAT_LIMIT = 1 << 20
READ_CHUNK = 4096

STANDARD_HELP = """\
  od [-bcdosxv] [-A d|o|x|n] [-j skip] [-N count] [-t type] [file ...]
  cat [file ...]                     head [-n count] [-c bytes] [file ...]
  echo [-n] text ...                 ls [-l] [file ...]
  mknod name [b | c] major minor     rm [-f] file ...       chmod mode file ...
  exec N< /dev/file  (keep a device open as fd N)      exec N<&-  (close it)
  dmesg      true      false      help      exit [status]
Lines are sh's: cmd1 | cmd2 (a pipe), cmd1 && cmd2, cmd1 || cmd2, cmd1; cmd2, ! cmd,
> file, >> file, < file, <&N, 2>&1, 'quotes', # comments, /dev/name* patterns.
"""


class ShellExit(Exception):
    """`exit [status]`: ends a script or an interactive session."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def strerror(exc: Exception) -> str:
    """The system's text for a failed system call; other errors as they read."""
    if isinstance(exc, SyscallError):
        return exc.message
    return str(exc)


def standard_commands(shell: "Shell") -> dict[str, "Command"]:
    """name -> command, for one shell."""
    system, spec = shell.system, shell.spec

    def bind(fn: Callable[..., int]) -> "Command":
        return functools.partial(fn, shell)

    commands: dict[str, Command] = {
        "od": bind(od), "cat": bind(cat), "head": bind(head), "echo": bind(echo),
        "dmesg": bind(dmesg), "help": bind(help_), "exit": bind(exit_),
        "true": bind(true), "false": bind(false),
    }
    for name, tool in FILE_TOOLS.items():
        commands[name] = functools.partial(_file_tool, tool, system, spec)
    return commands


def _file_tool(tool, system, spec, argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
    return tool(system, spec, argv[1:], out, err)


def od(shell: "Shell", argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
    from . import od as od_tool   # imported when od first runs: most sessions never do
    args = argv[1:]
    system = shell.system

    def opener(path: str) -> ByteSource:
        if path == "-" and stdin is not None:
            return _Unclosed(stdin)
        return DeviceSource(system, path)

    if stdin is not None and not getopt("od", args, od_tool.OPTSTRING).operands:
        args = args + ["-"]          # no file operand: od reads its standard input
    return od_tool.run(args, opener, out, err, long_size=system.machine.word_size, strerror=strerror)


class _Unclosed:
    """Standard input handed to a tool that closes what it reads: the shell closes it."""

    def __init__(self, source: ByteSource):
        self.source = source

    def read(self, n: int) -> bytes:
        return self.source.read(n)

    def close(self) -> None:
        pass


def _sources(shell: "Shell", prog: str, paths: list[str], stdin: ByteSource | None,
             err: TextIO) -> list[tuple[str, Callable[[], ByteSource], bool]]:
    """(name, opener, bounded) per operand; "-" or no operand is standard input (unbounded:
    a pipe ends when its writer does)."""
    if not paths:
        paths = ["-"]
    sources = []
    for path in paths:
        if path == "-":
            if stdin is None:
                sources.append((path, None, False))
            else:
                sources.append(("stdin", lambda: _Unclosed(stdin), False))
        else:
            sources.append((path, lambda p=path: DeviceSource(shell.system, p), True))
    return sources


def cat(shell: "Shell", argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
    """cat [file ...]: copy files (or standard input) to the output, as they are read."""
    parsed = getopt("cat", argv[1:], "u", shell.spec.getopt_style)
    if parsed.error:
        err.write(parsed.error + "\nusage: cat [-u] [file ...]\n")
        return 1
    status = 0
    for name, make, bounded in _sources(shell, "cat", parsed.operands, stdin, err):
        if make is None:
            err.write("cat: no standard input here: name a file or use a pipe\n")
            status = 1
            continue
        try:
            src = make()
        except SyscallError as exc:
            err.write(f"cat: {name}: {exc.message}\n")
            status = 1
            continue
        total = 0
        try:
            while True:
                chunk = src.read(READ_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if bounded and total > CAT_LIMIT:
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


def _head_count(text: str, what: str, err: TextIO) -> int | None:
    if text.isdigit() and int(text) > 0:
        return int(text)
    err.write(f"head: illegal {what} count -- {text}\n")
    return None


def head(shell: "Shell", argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
    """head [-n count] [-c bytes] [file ...]: the first lines (10) or bytes of each input. It
    stops reading as soon as it has them, so `./fibotest | head -n 50` ends the pipeline."""
    args = argv[1:]
    if args and args[0][:1] == "-" and args[0][1:].isdigit():
        args = ["-n", args[0][1:]] + args[1:]        # the historical `head -50`
    parsed = getopt("head", args, "n:c:", shell.spec.getopt_style)
    if parsed.error:
        err.write(parsed.error + "\nusage: head [-n lines | -c bytes] [file ...]\n")
        return 1
    lines, nbytes = 10, None
    for letter, value in parsed.options:
        count = _head_count(value, "line" if letter == "n" else "byte", err)
        if count is None:
            return 1
        if letter == "n":
            lines = count
        else:
            nbytes = count
    sources = _sources(shell, "head", parsed.operands, stdin, err)
    status = 0
    for index, (name, make, bounded) in enumerate(sources):
        if make is None:
            err.write("head: no standard input here: name a file or use a pipe\n")
            status = 1
            continue
        try:
            src = make()
        except SyscallError as exc:
            err.write(f"head: {name}: {exc.message}\n")
            status = 1
            continue
        if len(sources) > 1:
            out.write(("\n" if index else "") + f"==> {name} <==\n")
        try:
            status |= _head_one(src, name, bounded, lines, nbytes, out, err)
        except SyscallError as exc:
            err.write(f"head: {name}: {exc.message}\n")
            status = 1
        finally:
            src.close()
    return status


def _head_one(src: ByteSource, name: str, bounded: bool, lines: int, nbytes: int | None,
              out: TextIO, err: TextIO) -> int:
    total = 0
    while True:
        want = READ_CHUNK if nbytes is None else min(READ_CHUNK, nbytes - total)
        chunk = src.read(want)
        if not chunk:
            return 0
        total += len(chunk)
        if nbytes is not None:
            out.write(chunk.decode("latin-1"))
            if total >= nbytes:
                return 0
            continue
        cut = 0
        while lines and cut < len(chunk):
            newline = chunk.find(b"\n", cut)
            if newline < 0:
                cut = len(chunk)
                break
            cut = newline + 1
            lines -= 1
        out.write(chunk[:cut].decode("latin-1"))
        if lines == 0:
            return 0
        if bounded and total > CAT_LIMIT:
            err.write(f"head: {name}: read {CAT_LIMIT} bytes without finding the lines; "
                      f"a device may never end: use od -N count\n")
            return 1


def echo(shell: "Shell", argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
    args = argv[1:]
    newline = True
    if args and args[0] == "-n":
        newline, args = False, args[1:]
    out.write(" ".join(args) + ("\n" if newline else ""))
    return 0


def dmesg(shell: "Shell", argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
    if argv[1:]:
        err.write("usage: dmesg\n")
        return 1
    out.write(shell.system.dmesg())
    return 0


def help_(shell: "Shell", argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
    out.write(f"kemu's {shell.spec.system_name} console. Commands:\n{shell.spec.help}{STANDARD_HELP}"
              f"{shell.spec.help_footer}")
    return 0


def exit_(shell: "Shell", argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
    status = shell.status
    args = argv[1:]
    if args:
        if not args[0].lstrip("-").isdigit():
            err.write(f"exit: Illegal number: {args[0]}\n")
            return 2
        status = int(args[0]) & 0xFF
    raise ShellExit(status)


def true(shell: "Shell", argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
    return 0


def false(shell: "Shell", argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
    return 1
