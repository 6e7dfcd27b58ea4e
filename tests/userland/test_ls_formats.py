"""`ls -l` as GNU coreutils prints device nodes (for personalities like Linux)."""
from __future__ import annotations

import calendar

from kemu.kernel.devfs import DevNode
from kemu.userland.ls_formats import gnu_ls_long

NOW = calendar.timegm((2026, 12, 5, 8, 0, 0))


def _node(path, major, minor, mode=0o666, gid=0, mtime=NOW):
    return DevNode(path, "c", major, minor, mode, 0, gid, 1, mtime)


def test_columns_align_as_coreutils_aligns_them():
    nodes = [_node("/dev/fuse", 10, 229), _node("/dev/null", 1, 3), _node("/dev/tty0", 4, 0, 0o620, 5)]
    lines = gnu_ls_long([(n.path, n) for n in nodes], {0: "root"}.get, {0: "root", 5: "tty"}.get, NOW)
    assert lines == ["crw-rw-rw- 1 root root 10, 229 Dec  5 08:00 /dev/fuse",
                     "crw-rw-rw- 1 root root  1,   3 Dec  5 08:00 /dev/null",
                     "crw--w---- 1 root tty   4,   0 Dec  5 08:00 /dev/tty0"]


def test_old_files_show_the_year():
    old = _node("/dev/fibo0", 240, 0, mtime=calendar.timegm((2002, 11, 21, 23, 55, 0)))
    assert gnu_ls_long([("fibo0", old)], str, str, NOW) == ["crw-rw-rw- 1 0 0 240, 0 Nov 21  2002 fibo0"]
