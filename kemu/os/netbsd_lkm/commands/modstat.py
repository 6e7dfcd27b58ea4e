"""modstat(8) of NetBSD 1.6 (sbin/modstat/modstat.c 1.16): the table of loaded modules.

    Type    Id  Off Loadaddr Size Info     Rev Module Name
    DEV      0   29 dca4f000 0004 dca4f260   1 fibo

The Loadaddr and Info columns are 2*sizeof(void *) wide: 8 digits on i386, 16 on x86-64.
Without options modstat asks the kernel for ids 0, 1, 2 … until it answers EINVAL (out of range),
skipping ENOENT (empty slot). With -i or -n it asks once and exits 3 if that fails — silently,
as the real one does, for EINVAL and ENOENT.
"""
from __future__ import annotations

from typing import TextIO

from ..constants import TYPE_NAMES
from ..getopt import getopt
from .module_choice import module_choice


def header(word_size: int) -> str:
    width = 2 * word_size
    return f"Type    Id  Off {'Loadaddr':<{width}} Size {'Info':<{width}} Rev Module Name"


def row(stat, word_size: int) -> str:
    """One line for a `ModuleStat` (see kemu.os.netbsd_lkm.lkm)."""
    width = 2 * word_size
    mask = (1 << (8 * word_size)) - 1
    type_name = TYPE_NAMES[stat.type] if 0 <= stat.type < len(TYPE_NAMES) else "(UNKNOWN)"
    return (f"{type_name:<7} {stat.id:3d} {stat.offset_signed(word_size):3d} {stat.area & mask:0{width}x} "
            f"{stat.size & mask:04x} {stat.private & mask:0{width}x} {stat.ver:3d} {stat.name}")


def run(system, argv: list[str], out: TextIO, err: TextIO) -> int:
    parsed = getopt("modstat", argv, "i:n:")
    if parsed.error or parsed.operands:
        if parsed.error:
            err.write(parsed.error + "\n")
        err.write("usage:\nmodstat [-i <module id>] [-n <module name>]\n")
        return 1
    modnum, modname = module_choice(parsed)
    word = system.machine.word_size
    errno = system.errno
    out.write(header(word) + "\n")

    def dostat(ident: int, name: str | None) -> int:
        try:
            stat = system.lkm.stat(ident, name)
        except OSError as exc:
            if exc.errno == errno.EINVAL:
                return 2
            if exc.errno == errno.ENOENT:
                return 1
            err.write(f"modstat: LMSTAT: {errno.strerror(exc.errno)}\n")
            return 4
        out.write(row(stat, word) + "\n")
        return 0

    if modnum != -1 or modname is not None:
        return 3 if dostat(modnum, modname) else 0
    ident = 0
    while dostat(ident, None) < 2:
        ident += 1
    return 0
