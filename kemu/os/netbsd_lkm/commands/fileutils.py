"""`mknod`, `rm`, `chmod` and `ls` on NetBSD 1.6: kemu.userland's /dev tools with NetBSD's
owner and group names. `run(system, argv without the name, out, err) -> status`, as the other
commands of this package, for `NetBSDLKM.run_command` and the post-install shims."""
from __future__ import annotations

import functools
from typing import TextIO

from kemu.userland.fileutils import FILE_TOOLS

from ..shell import NETBSD_LKM_USERLAND


def _netbsd(tool, system, argv: list[str], out: TextIO, err: TextIO) -> int:
    return tool(system, NETBSD_LKM_USERLAND, argv, out, err)


COMMANDS = {name: functools.partial(_netbsd, tool) for name, tool in FILE_TOOLS.items()}
