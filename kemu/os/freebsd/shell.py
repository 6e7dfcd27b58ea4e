"""The FreeBSD 14.3 console: kemu's shared console (kemu.userland) with FreeBSD's kld tools.

sh's syntax, pipelines, `od`, `cat`, `echo … >`, `ls -l`, `dmesg` are kemu.userland's; this
file adds kldload, kldunload, kldstat and sysctl (commands.py), run with the shell's working
directory (where relative file names and the default module path `.` are read from), the
owner and group names `ls -l` shows, and the `help` text.
"""
from __future__ import annotations

from typing import TextIO

from kemu.userland import Shell as _Shell, UserlandSpec
from kemu.userland.streams import ByteSource

from .commands import COMMANDS
from .reboot_commands import REBOOT_COMMANDS
from .sleep_command import SLEEP_COMMANDS
from .ls_long import freebsd_ls_long

HELP = """\
  kldload [-nqv] file|module ...      kldunload [-fv] [-i] id|name ...
  kldstat [-qv] [-i id] [-n filename] [-m modname]
  sysctl [-n] name[=value] ... | -a
  reboot [-nNp] | halt | poweroff | shutdown -r|-h|-p now
  sleep number[unit] ...   (virtual time: callouts fire)
"""
HELP_FOOTER = """\
kld files are looked for in kern.module_path: the host directories given with --module-path
(default: the current directory); everything else lives in kemu's /dev.
"""


def _freebsd_commands(shell: _Shell) -> dict:
    system = shell.system

    def tool(argv: list[str], stdin: ByteSource | None, out: TextIO, err: TextIO) -> int:
        name, *args = argv
        if name == "kldload":
            return COMMANDS[name](system, args, out, err, shell.cwd)
        if name in REBOOT_COMMANDS:
            return REBOOT_COMMANDS[name](system, args, out, err)
        if name in SLEEP_COMMANDS:
            return SLEEP_COMMANDS[name](system, args, out, err)
        return COMMANDS[name](system, args, out, err)

    return {name: tool for name in (*COMMANDS, *REBOOT_COMMANDS, *SLEEP_COMMANDS)}


FREEBSD_USERLAND = UserlandSpec(
    system_name="FreeBSD 14.3",
    commands=_freebsd_commands,
    help=HELP,
    help_footer=HELP_FOOTER,
    users={0: "root"},
    groups={0: "wheel", 5: "operator"},
    ls_long=freebsd_ls_long,
)


class Shell(_Shell):
    """A FreeBSD 14.3 console on a booted `FreeBSD`: `run_line`, `run_script`, `interact`."""

    def __init__(self, system, out: TextIO | None = None, err: TextIO | None = None,
                 cwd: str | None = None, prompt: str | None = None, echo: bool = False):
        super().__init__(system, FREEBSD_USERLAND, out=out, err=err, cwd=cwd, prompt=prompt, echo=echo)
