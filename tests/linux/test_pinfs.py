"""A module's own filesystem mounted inside the kernel (kemu/os/linux/vfs.py,
services/vfs_core.py), as guest/linux/pinfs does it: simple_pin_fs mounts it through its
init_fs_context and get_tree_single, the second pin reuses the mount, entries are real
dentries and inodes, and the last simple_release_fs unmounts it with nothing left over."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.vfs import vfs

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    system = kemu.boot("linux", request.param)
    system.insmod(str(ko(system.arch, "pinfs")))
    return system


def lines(system) -> list[str]:
    return [line.split("] ", 1)[1] for line in system.dmesg().splitlines() if "] " in line]


def test_the_first_pin_mounts_through_fill_super_and_the_second_reuses_the_mount(linux):
    out = lines(linux)
    assert out.count("pinfs: fill_super, root ino 1") == 1
    assert "pinfs: pinned 2 times, magic 6b656d75, root / is a directory: 1" in out


def test_an_entry_added_with_d_add_is_a_positive_child_of_the_root(linux):
    assert "pinfs: hello under /, ino 2, regular: 1, links 1, parent holds it: 1" in lines(linux)


def test_releasing_one_of_two_pins_keeps_the_mount(linux):
    assert "pinfs: 1 pin left, still mounted: 1" in lines(linux)


def test_inodes_are_stamped_with_the_realtime_clock(linux):
    v = vfs(linux)
    (sb, inodes), = v.supers.items()
    now = linux.hrtimers.now_ns(0) // 1_000_000_000
    for inode in inodes:
        ctime = inode + v.off("inode", "i_ctime") + v.off("timespec64", "tv_sec")
        assert abs(linux.machine.mem.read_u64(ctime) - now) <= 1


def test_the_last_release_unmounts_and_frees_every_dentry_inode_and_superblock(linux):
    linux.rmmod("pinfs")
    assert "pinfs: unpinned, mount gone" in lines(linux)
    assert not any("Busy inodes" in line or "still in use" in line for line in lines(linux))
    assert linux.kernel.heap.leaks() == []
    v = vfs(linux)
    assert not v.supers and not v.dentries and not v.mounts


def test_the_filesystem_can_be_mounted_again_after_it_was_unmounted(linux):
    linux.rmmod("pinfs")
    linux.insmod(str(ko(linux.arch, "pinfs")))
    fills = [line for line in lines(linux) if "fill_super" in line]
    assert fills == ["pinfs: fill_super, root ino 1", "pinfs: fill_super, root ino 3"]   # get_next_ino goes on
