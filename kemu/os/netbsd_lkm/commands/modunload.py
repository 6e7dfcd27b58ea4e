"""modunload(8) of NetBSD 1.6: unload a module by id (-i) or name (-n).

The kernel (LMUNLOAD) answers EINVAL for an id out of range — and for a name no loaded module
has, which is why `modunload -n nosuch` says "id out of range" — ENOENT for an empty slot, and
EBUSY when the module's unload handler refuses (a device still open).
"""
from __future__ import annotations

from typing import TextIO

from ..getopt import getopt
from .module_choice import module_choice


def run(system, argv: list[str], out: TextIO, err: TextIO) -> int:
    parsed = getopt("modunload", argv, "i:n:")
    modnum, modname = module_choice(parsed)
    if parsed.error or parsed.operands or (modnum == -1 and modname is None):
        if parsed.error:
            err.write(parsed.error + "\n")
        err.write("usage: modunload [-i <module id>] [-n <module name>]\n")
        return 1
    errno = system.errno
    try:
        system.lkm.unload(modnum, modname)
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            err.write("modunload: id out of range\n")
            return 3
        if exc.errno == errno.ENOENT:
            err.write("modunload: no such module\n")
            return 3
        err.write(f"modunload: LMUNLOAD: {errno.strerror(exc.errno)}\n")
        return 5
    return 0
