"""FreeBSD 14's `ls -l` (bin/ls ls.c display() and print.c printdev()).

A device's column is its whole device number, `st_rdev`, printed `%#jx`: `0x` and lower-case
hex (just `0` for zero), right-aligned to the widest such number or file size of the listing.
On devfs `st_rdev` is the cdev's devfs inode number (devfs_getattr: `va_rdev =
cdp->cdp_inode`), not a major/minor pair; kemu's devfs keeps it split by FreeBSD's
major()/minor() (devnum.py), and this joins it again.
"""
from __future__ import annotations

from typing import Callable, Iterable

from kemu.kernel.devfs import DevNode
from kemu.userland.bsd_ls import bsd_ls_lines

from .devnum import makedev

SIZE_OF_A_DEVICE = 0            # st_size of a device node


def _hex(value: int) -> str:
    """printf's `%#jx`: the `0x` prefix only for a non-zero value."""
    return f"{value:#x}" if value else "0"


def _device_column(nodes: list[DevNode]) -> Callable[[DevNode], str]:
    width = max([len(str(SIZE_OF_A_DEVICE))] + [len(_hex(makedev(n.major, n.minor))) for n in nodes])
    return lambda node: f"{_hex(makedev(node.major, node.minor)):>{width}}"


def freebsd_ls_long(entries: Iterable[tuple[str, DevNode]], user_name: Callable[[int], str],
                    group_name: Callable[[int], str], now: int) -> list[str]:
    """`ls -l` lines as FreeBSD 14 prints them, for the shared console's ls format hook."""
    return bsd_ls_lines(entries, user_name, group_name, now, _device_column)
