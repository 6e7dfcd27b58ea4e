"""NetBSD 10's `ls -l` (bin/ls ls.c display() and print.c printlong()).

A device's column is `major, minor`, each right-aligned: display() measures the widest major
and minor of the listing, and the column is at least as wide as the widest file size (devices
have size 0, so "0"); when the sizes are wider, the major part takes the slack.
"""
from __future__ import annotations

from typing import Callable, Iterable

from kemu.kernel.devfs import DevNode
from kemu.userland.bsd_ls import bsd_ls_lines

SIZE_OF_A_DEVICE = 0            # st_size of a device node


def _device_column(nodes: list[DevNode]) -> Callable[[DevNode], str]:
    s_size = len(str(SIZE_OF_A_DEVICE))
    s_major = len(str(max(n.major for n in nodes)))
    s_minor = len(str(max(n.minor for n in nodes)))
    if s_major + s_minor + 2 <= s_size and s_size - s_minor - 2 > s_major:
        s_major = s_size - s_minor - 2
    return lambda node: f"{node.major:>{s_major}}, {node.minor:>{s_minor}}"


def netbsd_ls_long(entries: Iterable[tuple[str, DevNode]], user_name: Callable[[int], str],
                   group_name: Callable[[int], str], now: int) -> list[str]:
    """`ls -l` lines as NetBSD 10 prints them, for the shared console's ls format hook."""
    return bsd_ls_lines(entries, user_name, group_name, now, _device_column)
