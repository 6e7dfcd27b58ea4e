"""The NetBSD 1.6 console: kemu's shared console (kemu.userland) with NetBSD's own commands.

Everything a console does — sh's syntax, pipelines, redirections, `od`, `cat`, `ls -l` … — is
kemu.userland's. This file says what is NetBSD 1.6's: the module tools (modload, modstat,
modunload, run by the system's `run_command` with the shell's working directory, from which
module objects and post-install scripts are read), the tutorial's `./fibotest`, the names
`ls -l` shows for owners and groups, and the `help` text.
"""
from __future__ import annotations

from typing import TextIO

from kemu.userland import Shell as _Shell, ShellExit, UserlandSpec, expand_words
from kemu.userland.streams import ByteSource

__all__ = ["Shell", "ShellExit", "expand_words", "NETBSD_LKM_USERLAND", "MODULE_COMMANDS"]

#: the commands the system runs itself (`NetBSDLKM.run_command`)
MODULE_COMMANDS = ("modload", "modunload", "modstat")

HELP = """\
  modload [-dnsvS] [-A system] [-e entry] [-p postinstall] [-o outfile] [--lenient] module.o
  modunload [-i id] [-n name]        modstat [-i id] [-n name]
  ./fibotest   the tutorial's test program: prints what /dev/fibo0 reads, one number a
               line, without end (./fibotest | head -n 50)
"""
HELP_FOOTER = """\
Host files (module objects, post-install scripts) are read from the current directory;
everything else lives in kemu's /dev.
"""


def _netbsd_commands(shell: _Shell) -> dict:
    system = shell.system

    def module_tool(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        return system.run_command(argv, out, err, cwd=shell.cwd)

    def test_program(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        from .fibotest import fibotest     # imported when the program is first run
        return fibotest(system, argv, out, err)

    commands = {name: module_tool for name in MODULE_COMMANDS}
    commands["./fibotest"] = test_program
    return commands


NETBSD_LKM_USERLAND = UserlandSpec(
    system_name="NetBSD 1.6",
    commands=_netbsd_commands,
    help=HELP,
    help_footer=HELP_FOOTER,
    users={0: "root"},
    groups={0: "wheel", 5: "operator"},
)


class Shell(_Shell):
    """A NetBSD 1.6 console on a booted `NetBSDLKM`: `run_line`, `run_script`, `interact`."""

    def __init__(self, system, out: TextIO | None = None, err: TextIO | None = None,
                 cwd: str | None = None, prompt: str | None = None, echo: bool = False):
        super().__init__(system, NETBSD_LKM_USERLAND, out=out, err=err, cwd=cwd, prompt=prompt, echo=echo)
