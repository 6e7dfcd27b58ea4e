"""make_dev_alias(9) (kern/kern_conf.c make_dev_alias_v): a second /dev name for a device.

The alias is a `struct cdev` of its own (SI_ALIAS | SI_NAMED, SI_CHILD of the parent, the
parent's devsw, unit and si_drv1/si_drv2) and a node in /dev; opening it reaches the parent
device, as FreeBSD's devfs resolves an alias to the device it names. Its name follows the
make_dev rules (prep_devname): a bad or taken name panics unless MAKEDEV_CHECKNAME, which
returns the error instead. It goes when it is destroyed or when its parent is.
Departure: FreeBSD shows an alias as a symlink to the parent (`ls -l`: `l... alias -> dev`);
kemu's devfs has no symlinks, so the alias is a character node of its own.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

from .devices import Cdev
from .devnum import major, minor

table = ServiceTable("freebsd-dev-alias")

SI_ALIAS, SI_NAMED, SI_CHILD = 0x0002, 0x0004, 0x0010


def make_alias(system, pdev: int, raw_name: bytes, flags: int) -> tuple[int, int]:
    """(errno, alias cdev or 0)."""
    devices, lay, mem, word = system.devices, system.layouts, system.machine.mem, system.machine.word_size
    parent = devices.by_addr.get(pdev)
    if parent is None:
        raise KernelPanic(f"make_dev_alias: {pdev:#x} is not a device")
    error, name = devices._check_name(raw_name)
    if error:
        if not flags & devices.MAKEDEV_CHECKNAME:
            raise KernelPanic(f"make_dev_alias_v: bad si_name (error={error}, "
                              f"si_name={raw_name.decode('latin-1')})")
        return error, 0
    addr = system.kernel.heap.alloc(lay.size("cdev"), "DEVFS1", zero=True)
    for f in ("si_drv1", "si_drv2", "si_devsw"):
        mem.write_int(addr + lay.offset("cdev", f), word, mem.read_ptr(pdev + lay.offset("cdev", f)))
    for f, size in (("si_drv0", 4), ("si_uid", 4), ("si_gid", 4), ("si_mode", 2)):
        mem.write_int(addr + lay.offset("cdev", f), size, mem.read_int(pdev + lay.offset("cdev", f), size))
    mem.write_int(addr + lay.offset("cdev", "si_flags"), 4, SI_ALIAS | SI_NAMED | SI_CHILD)
    mem.write_int(addr + lay.offset("cdev", "si_parent"), word, pdev)
    mem.write(addr + lay.offset("cdev", "si_name"), name.encode("latin-1") + b"\0")
    node = system.kernel.devfs.stat(parent.path)
    inode = devices.inodes.alloc()
    system.kernel.devfs.mknod("/dev/" + name, "c", major(inode), minor(inode), node.mode, node.uid, node.gid)
    alias = Cdev(addr, name, parent.devsw, parent.unit, None, inode, parent=parent)
    devices.by_addr[addr] = alias
    devices.by_path[alias.path] = alias
    return 0, addr


@table.service("struct cdev *make_dev_alias(struct cdev *pdev, const char *fmt, ...)")
def make_dev_alias(k, pdev: int, fmt: int, va) -> int:
    """An alias name for pdev; a bad name panics."""
    return make_alias(k.freebsd, pdev, k.format(fmt, va), 0)[1]


@table.service("int make_dev_alias_p(int flags, struct cdev **cdev, struct cdev *pdev, const char *fmt, ...)")
def make_dev_alias_p(k, flags: int, cdevp: int, pdev: int, fmt: int, va) -> int:
    """make_dev_alias with flags; the alias through *cdev; the error is returned with
    MAKEDEV_CHECKNAME."""
    error, addr = make_alias(k.freebsd, pdev, k.format(fmt, va), flags)
    if cdevp:
        k.machine.mem.write_int(cdevp, k.word_size, addr)
    return error
