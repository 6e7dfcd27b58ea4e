"""devfs_set_cdevpriv(9), devfs_get_cdevpriv, devfs_clear_cdevpriv: per-open private data.

As FreeBSD 14's fs/devfs/devfs_vnops.c: while a driver's d_open/d_read/d_write/d_ioctl/
d_close runs for an open file, it may attach one pointer and a destructor to that file (a
second attach is EBUSY; with no file in progress ENOENT), read it back (ENOENT when none),
or drop it (the destructor runs). The destructor also runs when the file is closed — after
d_close — and when d_open fails. kemu's CdevDriver (devices.py) names the file each call is
for in `FreeBSD.cdev_file`.
"""
from __future__ import annotations

from kemu.kernel import GuestCrash, ServiceTable

table = ServiceTable("freebsd-cdevpriv")


def _file(k):
    return getattr(k.freebsd, "cdev_file", None)


def destroy(system, f) -> None:
    """Run and forget the file's destructor (devfs_destroy_cdevpriv)."""
    held = f.private.pop("cdevpriv", None)
    if held is None:
        return
    priv, dtor = held
    if dtor:
        try:
            system.call_guest(dtor, priv, what=f"cdevpriv destructor of {f.path}")
        except GuestCrash:
            pass                         # reported; the file is closed regardless


@table.service("int devfs_set_cdevpriv(void *priv, void *dtr)")
def devfs_set_cdevpriv(k, priv: int, dtr: int) -> int:
    """Attach priv (and its destructor) to the file being opened/used."""
    f = _file(k)
    if f is None:
        return k.errno.ENOENT
    if "cdevpriv" in f.private:
        return k.errno.EBUSY
    f.private["cdevpriv"] = (priv, dtr)
    return 0


@table.service("int devfs_get_cdevpriv(void **datap)")
def devfs_get_cdevpriv(k, datap: int) -> int:
    """*datap = the file's private data; ENOENT when there is none."""
    f = _file(k)
    held = f.private.get("cdevpriv") if f is not None else None
    if held is None:
        return k.errno.ENOENT
    k.machine.mem.write_int(datap, k.word_size, held[0])
    return 0


@table.service("void devfs_clear_cdevpriv(void)")
def devfs_clear_cdevpriv(k) -> None:
    """Drop the file's private data, running its destructor."""
    f = _file(k)
    if f is not None:
        destroy(k.freebsd, f)
