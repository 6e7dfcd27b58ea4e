"""What the `ls -l` of today's BSDs share (FreeBSD 14 and NetBSD 10 bin/ls): the columns before
the size/device column and the time column. The device column differs and is each
personality's (kemu/os/freebsd/ls_long.py, kemu/os/netbsd/ls_long.py).

Both print `strmode(st_mode)` (ten letters and a space), the link count right-aligned to the
widest, owner and group left-aligned to the widest with two spaces after each; then the
size or device column and a space; then the time: `%b %e %H:%M` for a file stamped within six
months (182 days) either side of now, `%b %e  %Y` otherwise (UTC: kemu's clock has no zone).
"""
from __future__ import annotations

import time as _time
from typing import Callable, Iterable

from kemu.kernel.devfs import SIX_MONTHS, DevNode, owner_columns, strmode


def bsd_ls_time(ftime: int, now: int) -> str:
    """`Dec  5 08:00 ` within six months of now (past or future), else `Dec  5  2002 `."""
    t = _time.gmtime(ftime)
    month, day = _time.strftime("%b", t), f"{t.tm_mday:2d}"
    if ftime + SIX_MONTHS > now and ftime - SIX_MONTHS < now:
        return f"{month} {day} {t.tm_hour:02d}:{t.tm_min:02d} "
    return f"{month} {day}  {t.tm_year} "


def bsd_ls_lines(entries: Iterable[tuple[str, DevNode]], user_name: Callable[[int], str],
                 group_name: Callable[[int], str], now: int,
                 device_column: Callable[[list[DevNode]], Callable[[DevNode], str]]) -> list[str]:
    """One line per (name as shown, node); `device_column(nodes)` sees the whole listing (for
    its widths) and returns the function that prints one node's column, without the space."""
    rows, w_nlink, w_user, w_group = owner_columns(entries, user_name, group_name)
    if not rows:
        return []
    device = device_column([node for _, node, _, _ in rows])
    return [f"{strmode(node.kind, node.mode)} {node.nlink:>{w_nlink}} {user:<{w_user}}  {group:<{w_group}}  "
            f"{device(node)} {bsd_ls_time(node.mtime, now)}{shown}"
            for shown, node, user, group in rows]
