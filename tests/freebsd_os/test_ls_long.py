"""`ls -l /dev` as FreeBSD 14 prints it: the device column is st_rdev in `%#jx` hex (devfs's
inode number for the cdev), right-aligned to the widest; FreeBSD's bin/ls print.c/ls.c."""
from __future__ import annotations

from kemu.kernel.devfs import DevNode
from kemu.os.freebsd.devnum import major, makedev, minor
from kemu.os.freebsd.ls_long import freebsd_ls_long

from .test_commands import console  # noqa: F401  (the fixture)

NOW = 1_037_922_900          # the virtual clock at boot: Nov 21 23:55 2002


def _user(uid: int) -> str:
    return {0: "root"}.get(uid, str(uid))


def _group(gid: int) -> str:
    return {0: "wheel"}.get(gid, str(gid))


def _node(name: str, rdev: int, mtime: int = NOW) -> tuple[str, DevNode]:
    return name, DevNode("/dev/" + name, "c", major(rdev), minor(rdev), 0o600, 0, 0, 1, mtime)


def test_a_loaded_drivers_nodes_show_their_devfs_inode_in_hex(console):
    console.run("kldload fibo")
    status, out, _ = console.run("ls -l /dev")
    lines = out.splitlines()
    assert status == 0 and lines[0] == "total 0"
    assert lines[1] == "cr--r--r--  1 root  wheel  0x3 Nov 21 23:55 fibo0"     # DEVFS_ROOTINO + 1
    assert lines[8] == "cr--r--r--  1 root  wheel  0xa Nov 21 23:55 fibo7"


def test_devfs_reuses_the_lowest_free_inode_number(console):
    console.run("kldload fibo")
    console.run("kldload echo")                      # after fibo0..7 (3..10): 11
    assert console.run("ls -l /dev/echo")[1].split()[4] == "0xb"
    console.run("kldunload fibo")
    console.run("kldload cdev")
    assert console.run("ls -l /dev/cdev")[1].split()[4] == "0x3"


def test_the_column_is_as_wide_as_the_widest_number():
    lines = freebsd_ls_long([_node("a", 0x3), _node("b", 0x1F4)], _user, _group, NOW)
    assert lines == ["crw-------  1 root  wheel    0x3 Nov 21 23:55 a",
                     "crw-------  1 root  wheel  0x1f4 Nov 21 23:55 b"]


def test_a_zero_device_number_has_no_0x_prefix():
    assert freebsd_ls_long([_node("z", 0)], _user, _group, NOW)[0].split()[4] == "0"


def test_freebsd_dev_t_splits_and_joins_as_types_h_does():
    dev = 0x12_3456_789A
    assert makedev(major(dev), minor(dev)) == dev
    assert (major(0x1F4), minor(0x1F4)) == (1, 0xF4)


def test_a_node_older_than_six_months_shows_the_year():
    old = NOW - 200 * 86400
    assert freebsd_ls_long([_node("o", 3, old)], _user, _group, NOW)[0].endswith("May  5  2002 o")
