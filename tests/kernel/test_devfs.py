"""The in-memory /dev tree and BSD ls -l formatting."""
import pytest

from kemu.kernel import DevFS, Errno, SyscallError, VirtualClock, ls_long
from kemu.kernel.devfs import strmode


@pytest.fixture
def devfs():
    return DevFS(Errno.netbsd(), VirtualClock())


def names(uid):
    return {0: "root", 2: "operator"}.get(uid, str(uid))


def groups(gid):
    return {0: "wheel", 5: "operator"}.get(gid, str(gid))


def listing(devfs, pattern="/dev/*"):
    return ls_long([(p, devfs.stat(p)) for p in devfs.glob(pattern)], names, groups, devfs.clock.time)


def test_tutorial_listing_matches_the_bsd_format(devfs):
    for i in range(8):
        devfs.mknod(f"/dev/fibo{i}", "c", 29, i, 0o666)
    lines = listing(devfs, "/dev/fibo*")
    assert lines[0] == "crw-rw-rw-  1 root  wheel   29,   0 Nov 21 23:55 /dev/fibo0"
    assert lines[7] == "crw-rw-rw-  1 root  wheel   29,   7 Nov 21 23:55 /dev/fibo7"


def test_owner_and_group_columns_are_as_wide_as_the_widest_entry(devfs):
    devfs.mknod("/dev/a", "c", 1, 0, 0o600)
    devfs.mknod("/dev/b", "b", 4, 12, 0o640, uid=2, gid=5)
    assert listing(devfs) == [
        "crw-------  1 root      wheel       1,   0 Nov 21 23:55 /dev/a",
        "brw-r-----  1 operator  operator    4,  12 Nov 21 23:55 /dev/b",
    ]


def test_link_count_column_width_follows_the_largest_count(devfs):
    devfs.mknod("/dev/a", "c", 1, 0).nlink = 12
    devfs.mknod("/dev/b", "c", 1, 1)
    lines = listing(devfs)
    assert lines[0].startswith("crw-------  12 root") and lines[1].startswith("crw-------   1 root")


def test_old_nodes_show_the_year_instead_of_the_time(devfs):
    devfs.mknod("/dev/old", "c", 1, 0)
    devfs.clock.advance_seconds(200 * 86400)
    assert listing(devfs)[0].endswith("Nov 21  2002 /dev/old")


def test_mtime_comes_from_the_virtual_clock(devfs):
    devfs.clock.advance_seconds(65)
    node = devfs.mknod("/dev/x", "c", 1, 0)
    assert node.mtime == devfs.clock.time
    assert listing(devfs)[0].endswith("Nov 21 23:56 /dev/x")


@pytest.mark.parametrize("mode, text", [
    (0o666, "crw-rw-rw- "), (0o4755, "crwsr-xr-x "), (0o2644, "crw-r-Sr-- "), (0o1777, "crwxrwxrwt "),
    (0o1666, "crw-rw-rwT "), (0, "c--------- "),
])
def test_strmode_letters(mode, text):
    assert strmode("c", mode) == text


def test_second_mknod_of_a_path_is_EEXIST(devfs):
    devfs.mknod("/dev/fibo0", "c", 29, 0)
    with pytest.raises(SyscallError) as info:
        devfs.mknod("/dev/fibo0", "c", 29, 0)
    assert info.value.errno == 17 and info.value.name == "EEXIST"


def test_unlink_of_a_missing_node_is_ENOENT(devfs):
    with pytest.raises(SyscallError) as info:
        devfs.unlink("/dev/nothing")
    assert info.value.name == "ENOENT"


def test_unlink_removes_the_node(devfs):
    devfs.mknod("/dev/fibo0", "c", 29, 0)
    devfs.unlink("/dev/fibo0")
    assert devfs.lookup("/dev/fibo0") is None and "/dev/fibo0" not in devfs


def test_chmod_changes_permission_bits_and_ctime(devfs):
    devfs.mknod("/dev/fibo0", "c", 29, 0, 0o600)
    devfs.clock.advance_seconds(10)
    node = devfs.chmod("/dev/fibo0", 0o666)
    assert node.mode == 0o666 and node.ctime == devfs.clock.time and node.mtime < node.ctime


def test_chmod_of_a_missing_node_is_ENOENT(devfs):
    with pytest.raises(SyscallError, match="No such file or directory"):
        devfs.chmod("/dev/ghost", 0o666)


def test_relative_names_are_under_dev(devfs):
    devfs.mknod("fibo0", "c", 29, 0)
    assert devfs.lookup("/dev/fibo0").name == "fibo0"


def test_paths_outside_dev_are_ENOENT(devfs):
    with pytest.raises(SyscallError) as info:
        devfs.mknod("/tmp/fibo0", "c", 29, 0)
    assert info.value.name == "ENOENT"
    assert devfs.lookup("/dev/../etc/passwd") is None


def test_bad_type_or_numbers_are_EINVAL(devfs):
    with pytest.raises(SyscallError, match="type must be 'c' or 'b'"):
        devfs.mknod("/dev/x", "p", 1, 0)
    with pytest.raises(SyscallError, match="bad minor number -1"):
        devfs.mknod("/dev/x", "c", 1, -1)


def test_find_lists_the_nodes_of_one_driver(devfs):
    devfs.mknod("/dev/fibo1", "c", 29, 1)
    devfs.mknod("/dev/fibo0", "c", 29, 0)
    devfs.mknod("/dev/other", "c", 30, 0)
    assert [n.path for n in devfs.find("c", 29)] == ["/dev/fibo0", "/dev/fibo1"]


def test_errors_use_the_personality_errno_table():
    linux = DevFS(Errno.linux(), VirtualClock())
    linux.mknod("/dev/x", "c", 1, 0)
    with pytest.raises(SyscallError) as info:
        linux.mknod("/dev/x", "c", 1, 0)
    assert info.value.errno == 17
