"""An in-memory `/dev`: device nodes the emulated system's commands create and open.

Real kernels find a driver through the node's type and major number; kemu does the same, so a
post-install script's `mknod /dev/fibo0 c 29 0` decides which driver `open("/dev/fibo0")` reaches.
Nodes live only here — never on the host file system. Times come from the virtual clock, errors
from the personality's errno table, and owner/group *names* from the personality (root/wheel on
the BSDs, root/root on Linux), so this module holds no OS's conventions.

`ls_long` prints nodes the way 4.4BSD-derived `ls -l` does (NetBSD 1.6 bin/ls/print.c):
`crw-rw-rw-  1 root  wheel   29,   0 Nov 21 23:55 /dev/fibo0` — link-count, owner and group
columns as wide as the widest entry of the listing, majors and minors in `%3d, %3d` fields.
"""
from __future__ import annotations

import fnmatch
import posixpath
import time as _time
from typing import Callable, Iterable

from kemu.record import Record

from .clock import VirtualClock
from .errno import Errno

ROOT = "/dev"
KINDS = {"c": "character", "b": "block"}


class DevNode(Record, fields=("path", "kind", "major", "minor", "mode", "uid", "gid", "nlink",
                             "mtime", "ctime", "atime")):
    """One special file: `kind` 'c' or 'b', major/minor, permission bits and ownership."""

    def __init__(self, path: str, kind: str, major: int, minor: int, mode: int, uid: int = 0,
                 gid: int = 0, nlink: int = 1, mtime: int = 0, ctime: int = 0, atime: int = 0) -> None:
        self.path = path
        self.kind = kind
        self.major = major
        self.minor = minor
        self.mode = mode          # permission bits only (0o7777); the type is `kind`
        self.uid = uid
        self.gid = gid
        self.nlink = nlink
        self.mtime = mtime
        self.ctime = ctime
        self.atime = atime

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    @property
    def is_char(self) -> bool:
        return self.kind == "c"


class DevFS:
    """The tree of device nodes under `/dev`, addressed by absolute path ("/dev/fibo0")."""

    def __init__(self, errno: Errno, clock: VirtualClock):
        self.errno = errno
        self.clock = clock
        self._nodes: dict[str, DevNode] = {}

    # path handling --------------------------------------------------------------------------
    def _path(self, path: str, op: str) -> str:
        if not isinstance(path, str) or not path:
            raise self.errno.error("ENOENT", f"{op}: empty path")
        norm = posixpath.normpath(path if path.startswith("/") else posixpath.join(ROOT, path))
        if not norm.startswith(ROOT + "/") or norm == ROOT:
            raise self.errno.error("ENOENT", f"{op}: {path}")
        return norm

    # operations ----------------------------------------------------------------------------
    def mknod(self, path: str, kind: str, major: int, minor: int, mode: int = 0o600,
              uid: int = 0, gid: int = 0) -> DevNode:
        """Create a node; EEXIST if the path is taken, EINVAL for a bad type or number."""
        p = self._path(path, "mknod")
        if kind not in KINDS:
            raise self.errno.error("EINVAL", f"mknod: {path}: type must be 'c' or 'b', not {kind!r}")
        for what, value in (("major", major), ("minor", minor)):
            if not isinstance(value, int) or value < 0 or value > 0xFFFFFFFF:
                raise self.errno.error("EINVAL", f"mknod: {path}: bad {what} number {value!r}")
        if p in self._nodes:
            raise self.errno.error("EEXIST", f"mknod: {path}")
        now = self.clock.time
        node = DevNode(p, kind, major, minor, mode & 0o7777, uid, gid, 1, now, now, now)
        self._nodes[p] = node
        return node

    def unlink(self, path: str) -> DevNode:
        """Remove a node (`rm`); ENOENT if there is none. Returns the removed node."""
        p = self._path(path, "unlink")
        try:
            return self._nodes.pop(p)
        except KeyError:
            raise self.errno.error("ENOENT", f"unlink: {path}") from None

    def chmod(self, path: str, mode: int) -> DevNode:
        """Set permission bits; ENOENT if there is no such node."""
        node = self.stat(path)
        node.mode = mode & 0o7777
        node.ctime = self.clock.time
        return node

    def chown(self, path: str, uid: int | None = None, gid: int | None = None) -> DevNode:
        node = self.stat(path)
        if uid is not None:
            node.uid = uid
        if gid is not None:
            node.gid = gid
        node.ctime = self.clock.time
        return node

    def lookup(self, path: str) -> DevNode | None:
        """The node at `path`, or None."""
        try:
            p = self._path(path, "lookup")
        except OSError:
            return None
        return self._nodes.get(p)

    def stat(self, path: str) -> DevNode:
        """The node at `path`; ENOENT if there is none."""
        node = self.lookup(path)
        if node is None:
            raise self.errno.error("ENOENT", path)
        return node

    def glob(self, pattern: str) -> list[str]:
        """Paths matching a shell pattern (`/dev/fibo*`), sorted as ls sorts them."""
        pat = pattern if pattern.startswith("/") else posixpath.join(ROOT, pattern)
        return sorted(p for p in self._nodes if fnmatch.fnmatchcase(p, pat))

    def nodes(self) -> list[DevNode]:
        return [self._nodes[p] for p in sorted(self._nodes)]

    def find(self, kind: str, major: int, minor: int | None = None) -> list[DevNode]:
        """Nodes of one driver (e.g. to list or remove what an unloaded module left behind)."""
        return [n for n in self.nodes()
                if n.kind == kind and n.major == major and (minor is None or n.minor == minor)]

    def __contains__(self, path: str) -> bool:
        return self.lookup(path) is not None

    def __len__(self) -> int:
        return len(self._nodes)


# ls -l ------------------------------------------------------------------------------------
SIX_MONTHS = 182 * 86400


def strmode(kind: str, mode: int) -> str:
    """`crw-rw-rw- `: type letter, nine permission letters (with s/S/t/T), then a space."""
    letters = [kind if kind in ("c", "b", "d", "l", "p", "s") else "-"]
    for shift, special, special_char in ((6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")):
        bits = (mode >> shift) & 7
        letters.append("r" if bits & 4 else "-")
        letters.append("w" if bits & 2 else "-")
        exe = bits & 1
        if mode & special:
            letters.append(special_char if exe else special_char.upper())
        else:
            letters.append("x" if exe else "-")
    return "".join(letters) + " "


def ls_time(ftime: int, now: int) -> str:
    """`Nov 21 23:55 ` for recent files, `Nov 21  2002 ` for those older than six months (UTC)."""
    longstring = _time.asctime(_time.gmtime(ftime))  # "Thu Nov 21 23:55:00 2002"
    if ftime + SIX_MONTHS > now:
        return longstring[4:11] + longstring[11:16] + " "
    return longstring[4:11] + " " + longstring[20:24] + " "


def owner_columns(entries: Iterable[tuple[str, DevNode]], user_name: Callable[[int], str],
                  group_name: Callable[[int], str]) -> tuple[list[tuple[str, DevNode, str, str]], int, int, int]:
    """What every `ls -l` measures first: [(name as shown, node, owner, group)] and the widths
    of the link count, owner and group columns (each the widest of the listing)."""
    rows = [(shown, node, user_name(node.uid), group_name(node.gid)) for shown, node in entries]
    if not rows:
        return [], 0, 0, 0
    return (rows, max(len(str(node.nlink)) for _, node, _, _ in rows), max(len(u) for _, _, u, _ in rows),
            max(len(g) for _, _, _, g in rows))


def ls_long(entries: Iterable[tuple[str, DevNode]], user_name: Callable[[int], str],
            group_name: Callable[[int], str], now: int) -> list[str]:
    """One `ls -l` line per (name as shown, node), in the given order.

    `user_name`/`group_name` map ids to names (the personality's passwd/group); `now` is the
    virtual clock's time, which decides between the time and the year column.
    """
    rows, s_nlink, s_user, s_group = owner_columns(entries, user_name, group_name)
    lines = []
    for shown, node, user, group in rows:
        lines.append(
            f"{strmode(node.kind, node.mode)} {node.nlink:>{s_nlink}} {user:<{s_user}}  {group:<{s_group}}  "
            f"{node.major:3d}, {node.minor:3d} {ls_time(node.mtime, now)}{shown}")
    return lines
