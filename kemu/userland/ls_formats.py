"""`ls -l` line formats other than the BSD one kemu.kernel.devfs.ls_long prints.

`gnu_ls_long` is GNU coreutils' (Linux): one space between columns, link counts right-aligned
and names left-aligned to the widest of the listing, device numbers as `major, minor` with
each part right-aligned to its widest, and the time as `strftime("%b %e %H:%M")` for files
from the last six months, `%b %e  %Y` otherwise (coreutils ls.c, C locale). A personality
names it in its `UserlandSpec(ls_long=gnu_ls_long)`.
"""
from __future__ import annotations

import time as _time
from typing import Callable, Iterable

from kemu.kernel.devfs import SIX_MONTHS, DevNode, owner_columns, strmode


def gnu_ls_time(ftime: int, now: int) -> str:
    """`Dec  5 08:00` for a file of the last six months (not in the future), else `Dec  5  2002`."""
    t = _time.gmtime(ftime)
    month, day = _time.strftime("%b", t), f"{t.tm_mday:2d}"
    if now - SIX_MONTHS < ftime <= now:
        return f"{month} {day} {t.tm_hour:02d}:{t.tm_min:02d}"
    return f"{month} {day}  {t.tm_year}"


def gnu_ls_long(entries: Iterable[tuple[str, DevNode]], user_name: Callable[[int], str],
                group_name: Callable[[int], str], now: int) -> list[str]:
    """One GNU `ls -l` line per (name as shown, node), in the given order."""
    rows, w_nlink, w_user, w_group = owner_columns(entries, user_name, group_name)
    if not rows:
        return []
    w_major = max(len(str(node.major)) for _, node, _, _ in rows)
    w_minor = max(len(str(node.minor)) for _, node, _, _ in rows)
    lines = []
    for shown, node, user, group in rows:
        device = f"{node.major:>{w_major}}, {node.minor:>{w_minor}}"
        lines.append(f"{strmode(node.kind, node.mode).rstrip()} {node.nlink:>{w_nlink}} {user:<{w_user}} "
                     f"{group:<{w_group}} {device} {gnu_ls_time(node.mtime, now)} {shown}")
    return lines
