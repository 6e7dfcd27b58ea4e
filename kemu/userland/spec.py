"""What a personality tells the shared console about its system: `UserlandSpec`.

The console (kemu.userland.Shell) is the same on every system kemu emulates: the line syntax,
pipelines, redirections, `od`, `cat`, `echo`, `head`, `ls -l`, `mknod` … What differs is
gathered here, so a new personality plugs in by filling one record:

* `commands(shell) -> {name: command}`: the system's own tools (modload, kldload, insmod …),
  each `command(argv, stdin, out, err) -> exit status` with argv[0] the name typed. They are
  made once per shell (so they may keep the shell, e.g. its working directory), and may also
  replace a standard command of the same name (a system whose `ls` prints differently);
* `help`: the system's lines of the `help` text (the standard commands' lines follow, then
  `help_footer`);
* `prompt`, the owner and group names of `ls -l` (`users`, `groups`) and its line format
  (`ls_long`), the `getopt` flavour of its C library, and the shell's own messages (`texts`).

Error texts come from the system's errno table (`system.errno.strerror`), never from here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Protocol, TextIO

from kemu.kernel.devfs import DevNode, ls_long as bsd_ls_long
from kemu.record import Record

from .streams import ByteSource

if TYPE_CHECKING:
    from .shell import Shell


class Command(Protocol):
    """One console command: `argv` with its name first, standard input (None: none), output and
    error streams; returns the exit status (0-255)."""

    def __call__(self, argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int: ...


#: `ls -l` lines for [(name as shown, node)], given id -> name functions and the clock's time
LsLong = Callable[[Iterable[tuple[str, DevNode]], Callable[[int], str], Callable[[int], str], int], list[str]]


class ShellTexts(Record, fields=("not_found", "cannot_create", "cannot_open", "bad_descriptor",
                                 "syntax_error", "script_failed", "script_syntax_error"), frozen=True):
    """The shell's own messages, as the system's /bin/sh words them (defaults: NetBSD's ash).
    Fields are format strings; `{error}` is the errno table's text."""

    def __init__(self, not_found: str = "{name}: not found",
                 cannot_create: str = "sh: cannot create {path}: {error}",
                 cannot_open: str = "sh: cannot open {path}: {error}",
                 bad_descriptor: str = "sh: {number}: Bad file descriptor",
                 syntax_error: str = "sh: syntax error: {detail}",
                 script_failed: str = "{source}: line {line}: `{command}' failed with exit status {status}",
                 script_syntax_error: str = "{source}: line {line}: syntax error: {detail}") -> None:
        vars(self).update(
            not_found=not_found,
            cannot_create=cannot_create,
            cannot_open=cannot_open,
            bad_descriptor=bad_descriptor,
            syntax_error=syntax_error,
            #: a script stopped at a failing command, as `sh -e` does (file and line first)
            script_failed=script_failed,
            script_syntax_error=script_syntax_error,
        )


def _no_commands(shell: "Shell") -> dict[str, Command]:
    return {}


class UserlandSpec(Record, fields=("system_name", "commands", "help", "help_footer", "prompt", "users",
                                   "groups", "ls_long", "getopt_style", "texts"), frozen=True):
    """A system's console: its name, its own commands and what its standard commands print."""

    def __init__(self, system_name: str,
                 commands: Callable[["Shell"], Mapping[str, Command]] = _no_commands,
                 help: str = "", help_footer: str = "", prompt: str = "# ",
                 users: Mapping[int, str] | None = None, groups: Mapping[int, str] | None = None,
                 ls_long: LsLong = bsd_ls_long, getopt_style: str = "bsd",
                 texts: ShellTexts = ShellTexts()) -> None:
        # system_name is shown by `help` ("NetBSD 1.6"); help_footer follows the command list
        vars(self).update(system_name=system_name, commands=commands, help=help,
                          help_footer=help_footer, prompt=prompt,
                          users={0: "root"} if users is None else users,
                          groups={0: "wheel"} if groups is None else groups,
                          ls_long=ls_long, getopt_style=getopt_style, texts=texts)

    def user_name(self, uid: int) -> str:
        return self.users.get(uid, str(uid))

    def group_name(self, gid: int) -> str:
        return self.groups.get(gid, str(gid))
