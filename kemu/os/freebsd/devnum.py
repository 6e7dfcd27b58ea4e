"""FreeBSD 14's 64-bit dev_t (sys/sys/types.h major(), minor(), makedev()) and devfs's inode
numbers, which are what a device node's st_rdev holds.

devfs gives each cdev an inode number from a unit allocator that starts above the root's
(DEVFS_ROOTINO 2) and hands out the lowest free number (alloc_unr), so numbers are reused.
"""
from __future__ import annotations

DEVFS_ROOTINO = 2


def major(dev: int) -> int:
    return ((dev >> 32) & 0xFFFFFF00) | ((dev >> 8) & 0xFF)


def minor(dev: int) -> int:
    return ((dev >> 24) & 0xFF00) | (dev & 0xFFFF00FF)


def makedev(major_: int, minor_: int) -> int:
    return (((major_ & 0xFFFFFF00) << 32) | ((major_ & 0xFF) << 8)
            | ((minor_ & 0xFF00) << 24) | (minor_ & 0xFFFF00FF))


class InodeNumbers:
    """alloc_unr/free_unr over devfs_inos: the lowest free number above DEVFS_ROOTINO."""

    def __init__(self) -> None:
        self.used: set[int] = set()

    def alloc(self) -> int:
        n = DEVFS_ROOTINO + 1
        while n in self.used:
            n += 1
        self.used.add(n)
        return n

    def free(self, n: int) -> None:
        self.used.discard(n)
