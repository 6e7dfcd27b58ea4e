"""`ls -l /dev` as NetBSD 10 prints it: `major, minor`, each right-aligned to the widest major
and minor of the listing (bin/ls ls.c display(), print.c printlong())."""
from __future__ import annotations

from kemu.kernel.devfs import DevNode
from kemu.os.netbsd.ls_long import netbsd_ls_long

from .conftest import run

NOW = 1_037_922_900          # the virtual clock at boot: Nov 21 23:55 2002


def _user(uid: int) -> str:
    return {0: "root"}.get(uid, str(uid))


def _group(gid: int) -> str:
    return {0: "wheel", 5: "operator"}.get(gid, str(gid))


def test_major_and_minor_are_as_wide_as_the_widest_of_each(system):
    run(system, "modload fibo\nmknod /dev/fibo0 c 358 0\nmknod /dev/fibo12 c 358 12")
    status, out, _ = run(system, "ls -l /dev")
    assert status == 0 and out.splitlines() == [
        "total 0",
        "crw-r--r--  1 root  wheel  358,  0 Nov 21 23:55 fibo0",
        "crw-r--r--  1 root  wheel  358, 12 Nov 21 23:55 fibo12"]


def test_a_lone_node_has_no_padding_around_its_numbers(system):
    run(system, "mknod /dev/null c 2 2")
    assert run(system, "ls -l /dev/null")[1] == "crw-r--r--  1 root  wheel  2, 2 Nov 21 23:55 /dev/null\n"


def test_owner_and_group_columns_take_the_widest_name():
    nodes = [("a", DevNode("/dev/a", "c", 3, 1, 0o640, 0, 5, 1, NOW)),
             ("b", DevNode("/dev/b", "b", 17, 0, 0o640, 0, 0, 1, NOW))]
    assert netbsd_ls_long(nodes, _user, _group, NOW) == [
        "crw-r-----  1 root  operator   3, 1 Nov 21 23:55 a",
        "brw-r-----  1 root  wheel     17, 0 Nov 21 23:55 b"]
