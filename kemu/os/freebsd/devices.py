"""Character devices as FreeBSD 14's kern_conf.c and devfs make them, and the path to them.

`make_dev(9)` and friends allocate a `struct cdev` in kernel memory (si_drv0 = unit,
si_drv1/si_drv2, si_devsw, si_name, owner, group and mode), prepare the driver's `cdevsw`
once (D_INIT; a wrong d_version disables the driver with FreeBSD's warning) and make the
devfs node appear; `destroy_dev(9)` takes both away and, when the cdevsw's last device goes,
clears D_INIT. A node made by a kld is undone if the kld goes without destroying it.

`CdevDriver` is the `CharDriver` kemu.kernel's descriptor table calls: open, read, write,
ioctl and close reach the cdevsw entries with FreeBSD's arguments — a real `struct uio`
(UIO_USERSPACE, uio_td = the current thread) for read/write, FREAD/FWRITE flags, ioctl data
through a kernel buffer sized by the command — and d_close only on the last close, as devfs
does for drivers without D_TRACKCLOSE.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass

from kemu.intbits import to_signed
from kemu.kernel import GuestUio, KernelPanic, SyscallError

from . import cdevpriv
from .devnum import InodeNumbers, major, minor

S_IFCHR = 0o020000
FREAD, FWRITE = 0x0001, 0x0002
IOCPARM_MASK, IOCPARM_SHIFT, IOCPARM_MAX = 0x1FFF, 16, 8192
IOC_VOID, IOC_OUT, IOC_IN = 0x20000000, 0x40000000, 0x80000000
SPECNAMELEN = 255


@dataclass(eq=False)
class Cdev:
    """One `struct cdev` the kernel made."""
    addr: int
    name: str                 # without /dev/
    devsw: int
    unit: int
    module: object | None     # the LoadedModule that made it (None: the kernel)
    inode: int = 0            # cdp_inode: devfs's number for it, which stat shows as st_rdev
    opens: int = 0
    parent: "Cdev | None" = None   # make_dev_alias: the device this name stands for

    @property
    def path(self) -> str:
        return "/dev/" + self.name


class Devices:
    """The cdevs of one FreeBSD system and the kern_conf.c rules around them."""

    def __init__(self, system):
        self.system = system
        self.k = system.kernel
        self.mem = system.machine.mem
        self.lay = system.layouts
        self.by_addr: dict[int, Cdev] = {}
        self.by_path: dict[str, Cdev] = {}
        self.dead_devsw: set[int] = set()      # cdevsws disabled for a wrong d_version
        self.inodes = InodeNumbers()
        self.D_VERSION = self.lay.const("D_VERSION")
        self.D_INIT = self.lay.const("D_INIT")
        self.MAKEDEV_CHECKNAME = self.lay.const("MAKEDEV_CHECKNAME")

    # --- names -------------------------------------------------------------------------------
    def _check_name(self, raw: bytes) -> tuple[int, str]:
        """(errno or 0, the cleaned name), by prep_devname()'s rules."""
        e = self.k.errno
        if len(raw) > SPECNAMELEN:
            return e.ENAMETOOLONG, raw.decode("latin-1")
        name = raw.decode("latin-1").lstrip("/")
        while "//" in name:
            name = name.replace("//", "/")
        if (not name or name.endswith("/") or any(c in name for c in ' "')
                or any(part in (".", "..") for part in name.split("/"))):
            return e.EINVAL, name
        if "/dev/" + name in self.by_path or self.k.devfs.lookup("/dev/" + name) is not None:
            return e.EEXIST, name
        return 0, name

    # --- prep_cdevsw ---------------------------------------------------------------------------
    def _prep_cdevsw(self, devsw: int) -> None:
        flags_at = devsw + self.lay.offset("cdevsw", "d_flags")
        flags = self.mem.read_int(flags_at, 4)
        if flags & self.D_INIT:
            return
        version = self.mem.read_int(devsw + self.lay.offset("cdevsw", "d_version"), 4)
        if version != self.D_VERSION:
            name_ptr = self.mem.read_ptr(devsw + self.lay.offset("cdevsw", "d_name"))
            name = self.k.read_str(name_ptr, 64).decode("latin-1") if name_ptr else "???"
            self.k.msgbuf.write(f'WARNING: Device driver "{name}" has wrong version and is disabled.  '
                                f"Recompile KLD module.\n")
            self.dead_devsw.add(devsw)
        self.mem.write_int(flags_at, 4, flags | self.D_INIT)

    # --- make / destroy ------------------------------------------------------------------------
    def make(self, devsw: int, unit: int, uid: int, gid: int, mode: int, raw_name: bytes, *,
             flags: int, caller: int | None, drv1: int = 0, drv2: int = 0) -> tuple[int, int]:
        """make_dev_sv(): (errno, struct cdev * or 0). Without MAKEDEV_CHECKNAME a bad name panics."""
        error, name = self._check_name(raw_name)
        if error:
            if not flags & self.MAKEDEV_CHECKNAME:
                raise KernelPanic(f"make_dev_sv: bad si_name (error={error}, "
                                  f"si_name={raw_name.decode('latin-1')})")
            return error, 0
        self._prep_cdevsw(devsw)
        lay, mem, word = self.lay, self.mem, self.k.word_size
        addr = self.k.heap.alloc(lay.size("cdev"), "DEVFS1", zero=True)
        mem.write_int(addr + lay.offset("cdev", "si_drv0"), 4, unit)
        mem.write_int(addr + lay.offset("cdev", "si_drv1"), word, drv1)
        mem.write_int(addr + lay.offset("cdev", "si_drv2"), word, drv2)
        mem.write_int(addr + lay.offset("cdev", "si_devsw"), word, devsw)
        mem.write_int(addr + lay.offset("cdev", "si_uid"), 4, uid)
        mem.write_int(addr + lay.offset("cdev", "si_gid"), 4, gid)
        mem.write_int(addr + lay.offset("cdev", "si_mode"), 2, mode & 0o7777)
        mem.write(addr + lay.offset("cdev", "si_name"), name.encode("latin-1") + b"\0")
        inode = self.inodes.alloc()
        self.k.devfs.mknod("/dev/" + name, "c", major(inode), minor(inode), mode & 0o7777, uid, gid)
        module = self.system.loader.module_at(caller) if caller is not None else None
        cdev = Cdev(addr, name, devsw, unit, module, inode)
        self.by_addr[addr] = cdev
        self.by_path[cdev.path] = cdev
        if module is not None:
            module.on_unload(cdev.path, lambda: self._remove(cdev))
        return 0, addr

    def make_from_args(self, args: int, cdevp: int, raw_name: bytes, *, caller: int | None) -> int:
        """make_dev_s(): the fields of a struct make_dev_args; the error is returned."""
        lay, mem, word = self.lay, self.mem, self.k.word_size
        self.k.check_range(args, word, "read")
        size = mem.read_int(args, word)
        if size > lay.size("make_dev_args"):
            return self.k.errno.EINVAL
        raw = mem.read(args, size) + bytes(lay.size("make_dev_args") - size)

        def field(name: str, width: int) -> int:
            at = lay.offset("make_dev_args", name)
            return int.from_bytes(raw[at:at + width], "little")

        error, addr = self.make(field("mda_devsw", word), field("mda_unit", 4), field("mda_uid", 4),
                                field("mda_gid", 4), field("mda_mode", 4), raw_name,
                                flags=field("mda_flags", 4) | self.MAKEDEV_CHECKNAME, caller=caller,
                                drv1=field("mda_si_drv1", word), drv2=field("mda_si_drv2", word))
        if not error:
            self.k.check_range(cdevp, word, "write")
            mem.write_int(cdevp, word, addr)
        return error

    def destroy(self, addr: int, *, caller: int | None) -> None:
        """destroy_dev(): the node goes; si_drv1/si_drv2 are cleared."""
        cdev = self.by_addr.get(addr)
        if cdev is None:
            raise KernelPanic(f"destroy_dev: {addr:#x} is not a device")
        if cdev.module is not None:
            cdev.module.forget_undo(cdev.path)
        self._remove(cdev)

    def _remove(self, cdev: Cdev) -> None:
        for alias in [c for c in self.by_addr.values() if c.parent is cdev]:
            self._remove(alias)                  # destroy_devl: the children go first
        self.by_addr.pop(cdev.addr, None)
        self.by_path.pop(cdev.path, None)
        if self.k.devfs.lookup(cdev.path) is not None:
            self.k.devfs.unlink(cdev.path)
        self.inodes.free(cdev.inode)
        lay, word = self.lay, self.k.word_size
        self.mem.write_int(cdev.addr + lay.offset("cdev", "si_drv1"), word, 0)
        self.mem.write_int(cdev.addr + lay.offset("cdev", "si_drv2"), word, 0)
        if not any(c.devsw == cdev.devsw for c in self.by_addr.values()):
            self._unprep(cdev.devsw)
        self.k.heap.free(cdev.addr)

    def _unprep(self, devsw: int) -> None:
        self.dead_devsw.discard(devsw)
        if self.system.loader.module_at(devsw) is None and not self.k.kernel_range(devsw, 4):
            return
        at = devsw + self.lay.offset("cdevsw", "d_flags")
        try:
            self.mem.write_int(at, 4, self.mem.read_int(at, 4) & ~self.D_INIT)
        except Exception:          # the cdevsw's module memory is already gone
            pass

    def names(self) -> list[str]:
        return sorted(self.by_path)


class CdevDriver:
    """devfs + the cdevsw: what kemu.kernel's FileTable calls for a FreeBSD device node."""

    def __init__(self, system):
        self.system = system
        self.devices: Devices = system.devices
        self.mem = system.machine.mem

    def _cdev(self, f) -> Cdev:
        cdev = self.devices.by_path.get(f.node.path)
        if cdev is None:
            raise self.system.errno.error("ENXIO", f.path)
        return cdev.parent or cdev

    def _entry(self, cdev: Cdev, op: str) -> int:
        if cdev.devsw in self.devices.dead_devsw:
            return -1
        return self.mem.read_ptr(cdev.devsw + self.system.layouts.offset("cdevsw", op))

    def _call(self, fn: int, *args: int, what: str) -> None:
        value = to_signed(self.system.call_guest(fn, *args, what=what), 32)
        if value:
            raise self.system.errno.error(value, what)

    def open(self, f) -> None:
        cdev = self._cdev(f)
        fflag = (f.flags & ~3) | ((f.flags & 3) + 1)
        f.private["fflag"] = fflag
        f.private["cdev"] = cdev
        self.system.cdev_file = f                    # the file devfs_*_cdevpriv act on
        fn = self._entry(cdev, "d_open")
        if fn == -1:
            raise self.system.errno.error("ENXIO", f"open {f.path}")
        if fn:
            try:
                self._call(fn, cdev.addr, fflag, S_IFCHR, self.system.curthread, what=f"open {f.path}")
            except Exception:
                cdevpriv.destroy(self.system, f)     # devfs_open clears it when d_open fails
                raise
        cdev.opens += 1

    def close(self, f) -> None:
        cdev = f.private["cdev"]
        self.system.cdev_file = f
        cdev.opens -= 1
        try:
            if cdev.opens > 0 or cdev.addr not in self.devices.by_addr:
                return
            fn = self._entry(cdev, "d_close")
            if fn and fn != -1:
                self._call(fn, cdev.addr, f.private["fflag"], S_IFCHR, self.system.curthread,
                           what=f"close {f.path}")
        finally:
            cdevpriv.destroy(self.system, f)         # devfs_fpdrop: after d_close

    def read(self, f, uaddr: int, n: int) -> int:
        return self.transfer(f, [(uaddr, n)], self.system.uio_layout.UIO_READ)

    def write(self, f, uaddr: int, n: int) -> int:
        return self.transfer(f, [(uaddr, n)], self.system.uio_layout.UIO_WRITE)

    def transfer(self, f, iovecs: list[tuple[int, int]], rw: int) -> int:
        """A uio over the user's buffers to d_read/d_write; the bytes moved (the file offset
        advances by them, as vn_read/devfs_read leave it)."""
        system = self.system
        cdev = self._cdev(f)
        system.cdev_file = f
        reading = rw == system.uio_layout.UIO_READ
        what = f"{'read' if reading else 'write'} {f.path}"
        fn = self._entry(cdev, "d_read" if reading else "d_write")
        if fn == -1:
            raise system.errno.error("ENXIO", what)
        if fn == 0:
            raise system.errno.error("ENODEV", what)
        with GuestUio(system.kernel, system.uio_layout, iovecs, rw, system.uio_layout.UIO_USERSPACE,
                      f.offset, extra={"uio_td": system.curthread}) as uio:
            value = to_signed(system.call_guest(fn, cdev.addr, uio.addr, 0, what=what), 32)
            moved = uio.moved
            if value and not moved:
                raise system.errno.error(value, what)
            return moved

    def ioctl(self, f, cmd: int, arg: int) -> int:
        """sys_ioctl(): the argument through a kernel buffer of IOCPARM_LEN(cmd) bytes."""
        system, k = self.system, self.system.kernel
        cdev = self._cdev(f)
        system.cdev_file = f
        cmd &= 0xFFFFFFFF
        size = (cmd >> IOCPARM_SHIFT) & IOCPARM_MASK
        what = f"ioctl {f.path} {cmd:#x}"
        if size > IOCPARM_MAX:
            raise system.errno.error("ENOTTY", what)
        fn = self._entry(cdev, "d_ioctl")
        if fn == -1:
            raise system.errno.error("ENXIO", what)
        if fn == 0:
            raise system.errno.error("ENODEV", what)
        word = k.word_size
        data = k.heap.alloc(max(size, word), "ioctlops", zero=True)
        try:
            if cmd & IOC_IN and size:
                self.mem.write(data, k.user.copyin(arg, size))
            elif cmd & IOC_VOID:
                self.mem.write_int(data, word, arg & ((1 << (8 * word)) - 1))
            self._call(fn, cdev.addr, cmd, data, f.private["fflag"], system.curthread, what=what)
            if cmd & IOC_OUT and size:
                k.user.copyout(self.mem.read(data, size), arg)
            return 0
        finally:
            k.heap.free(data)


__all__ = ["Cdev", "Devices", "CdevDriver", "SyscallError"]
