"""The NetBSD 10 console: kemu's shared console (kemu.userland) with NetBSD 10's module tools
(modload, modunload, modstat), sysctl for kern.module.*, and sleep on the virtual clock.
Module paths given to modload are read relative to the shell's working directory; names are
found in the module directory (`--modules DIR`, standing for /stand/<machine>/10.0/modules)."""
from __future__ import annotations

from typing import TextIO

from kemu.userland import Shell as _Shell, UserlandSpec
from kemu.userland.streams import ByteSource

from .commands import COMMANDS
from .ls_long import netbsd_ls_long

HELP = """\
  modload [-fP] [-b var=bool] [-i var=int] [-s var=string] NAME|PATH
  modload -p [-b var=bool] [-d var] [-i var=int] [-m plist] [-s var=string]
  modunload NAME ...                 modstat [-A|-a|-e] [-k] [-n NAME | NAME]
  sysctl [-n] [kern.module.NAME[=VALUE]]     sleep SECONDS (virtual time)
"""
HELP_FOOTER = """\
Module names are looked up in the module directory (NAME/NAME.kmod, with NAME.plist beside it);
paths are read from the current directory.
"""


def _commands(shell: _Shell) -> dict:
    system = shell.system

    def tool(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        return system.run_command(argv, out, err, cwd=shell.cwd)

    return {name: tool for name in COMMANDS}


NETBSD_USERLAND = UserlandSpec(
    system_name="NetBSD 10.0",
    commands=_commands,
    help=HELP,
    help_footer=HELP_FOOTER,
    users={0: "root"},
    groups={0: "wheel", 5: "operator"},
    ls_long=netbsd_ls_long,
)


class Shell(_Shell):
    """A NetBSD 10 console on a booted `NetBSD`."""

    def __init__(self, system, out: TextIO | None = None, err: TextIO | None = None,
                 cwd: str | None = None, prompt: str | None = None, echo: bool = False):
        super().__init__(system, NETBSD_USERLAND, out=out, err=err, cwd=cwd, prompt=prompt, echo=echo)
