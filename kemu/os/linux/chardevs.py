"""The kernel's char device tables (fs/char_dev.c's chrdevs[] and cdev_map), classes and
udev-made nodes, and the CharDriver through which kemu's /dev reaches a driver's
file_operations with a real struct inode and struct file in guest memory (chrdev_open)."""
from __future__ import annotations

from dataclasses import dataclass, field

from kemu.kernel import GuestCrash, SyscallError, guarded_call

from .devnode import class_devnode
from .services.blkdev import proc_devices_block

MINORBITS = 20
MISC_MAJOR = 10
MISC_DYNAMIC_MINOR = 255
DYNAMIC_MINORS = 128
O_ACCMODE = 3
FMODE_READ, FMODE_WRITE = 0x1, 0x2
S_IFCHR = 0o020000


@dataclass
class Region:
    major: int
    baseminor: int
    count: int
    name: str


@dataclass
class Cdev:
    addr: int | None            # the module's struct cdev (None: register_chrdev's own)
    major: int
    baseminor: int
    count: int
    fops: int


@dataclass
class Device:
    addr: int
    cls: int
    devt: int
    name: str
    node: str = ""          # its path under /dev (the class's devnode() may differ from name)


@dataclass
class ChrDevs:
    system: object
    regions: list[Region] = field(default_factory=list)
    cdevs: list[Cdev] = field(default_factory=list)
    classes: dict[int, str] = field(default_factory=dict)
    devices: list[Device] = field(default_factory=list)
    misc: dict[int, int] = field(default_factory=dict)          # struct miscdevice -> minor

    # --- numbers ----------------------------------------------------------------------------
    def _overlaps(self, major: int, first: int, count: int) -> bool:
        return any(r.major == major and first < r.baseminor + r.count and r.baseminor < first + count
                   for r in self.regions)

    def register_region(self, major: int, baseminor: int, count: int, name: str, module) -> int:
        """__register_chrdev_region: the major (a dynamic one for 0) or -errno."""
        s = self.system
        if major >= 512:
            s.pr(f'CHRDEV "{name}" major requested ({major}) is greater than the maximum (511)', 3)
            return -s.errno.EINVAL
        if major == 0:
            used = {r.major for r in self.regions} | {MISC_MAJOR}
            free = [m for m in list(range(254, 233, -1)) + list(range(511, 383, -1)) if m not in used]
            if not free:
                s.pr(f'CHRDEV "{name}" dynamic allocation region is full', 3)
                return -s.errno.EBUSY
            major = free[0]
        if self._overlaps(major, baseminor, count):
            return -s.errno.EBUSY
        region = Region(major, baseminor, count, name)
        self.regions.append(region)
        if module is not None:
            module.on_unload(f"chrdev region {major}:{baseminor}+{count} ({name})",
                             lambda: self._drop_region(region))
        return major

    def _drop_region(self, region: Region) -> None:
        if region in self.regions:
            self.regions.remove(region)

    def unregister_region(self, major: int, baseminor: int, count: int) -> None:
        for r in list(self.regions):
            if r.major == major and r.baseminor == baseminor and r.count == count:
                self.regions.remove(r)
                self._forget(f"chrdev region {major}:{baseminor}+{count} ({r.name})")

    def _forget(self, what: str) -> None:
        for m in self.system.kernel.loader.modules:
            m.forget_undo(what)

    def proc_devices(self) -> str:
        """/proc/devices' character part."""
        majors = sorted({(r.major, r.name) for r in self.regions} | {(MISC_MAJOR, "misc")} | BUILTIN)
        return "Character devices:\n" + "".join(f"{m:3d} {n}\n" for m, n in majors) + \
            "\nBlock devices:\n" + proc_devices_block(self.system)

    # --- cdevs --------------------------------------------------------------------------------
    def add_cdev(self, addr, major: int, baseminor: int, count: int, fops: int, module) -> int:
        cdev = Cdev(addr, major, baseminor, count, fops)
        self.cdevs.append(cdev)
        if module is not None:
            module.on_unload(f"cdev {major}:{baseminor}+{count}", lambda: self._drop_cdev(cdev))
        return 0

    def _drop_cdev(self, cdev: Cdev) -> None:
        if cdev in self.cdevs:
            self.cdevs.remove(cdev)

    def del_cdev(self, addr: int) -> None:
        for c in list(self.cdevs):
            if c.addr == addr:
                self.cdevs.remove(c)
                self._forget(f"cdev {c.major}:{c.baseminor}+{c.count}")

    def del_cdev_range(self, major: int, baseminor: int, count: int) -> None:
        for c in list(self.cdevs):
            if c.major == major and c.baseminor == baseminor and c.count == count:
                self.cdevs.remove(c)
                self._forget(f"cdev {major}:{baseminor}+{count}")

    def cdev_for(self, major: int, minor: int) -> Cdev | None:
        for c in reversed(self.cdevs):
            if c.major == major and c.baseminor <= minor < c.baseminor + c.count:
                return c
        return None

    # --- classes and devices ------------------------------------------------------------------
    def create_class(self, name: str, module) -> int:
        k = self.system.kernel
        lay = self.system.layout
        addr = k.heap.alloc(lay.size("struct class"), "class", zero=True)
        name_addr = k.heap.alloc(len(name) + 1, "class", zero=True)
        k.machine.mem.write(name_addr, name.encode("latin-1"))
        k.machine.mem.write_ptr(addr + lay.offset("struct class", "name"), name_addr)
        self.classes[addr] = name
        if module is not None:
            module.on_unload(f"class {name}", lambda: self.destroy_class(addr))
        return addr

    def destroy_class(self, cls: int) -> None:
        name = self.classes.pop(cls, None)
        if name is None:
            return
        for d in [d for d in self.devices if d.cls == cls]:
            self.destroy_device(cls, d.devt)
        for registry in ("class_files", "class_interfaces"):      # services/class_extras.py's
            getattr(self.system, registry, {}).pop(cls, None)
        k = self.system.kernel
        k.heap.free(k.machine.mem.read_ptr(cls + self.system.layout.offset("struct class", "name")))
        k.heap.free(cls)
        self._forget(f"class {name}")

    def create_device(self, cls: int, devt: int, drvdata: int, name: str, module) -> int:
        k, lay = self.system.kernel, self.system.layout
        addr = k.heap.alloc(lay.size("struct device"), "device", zero=True)
        k.machine.mem.write_u32(addr + lay.offset("struct device", "devt"), devt)
        k.machine.mem.write_ptr(addr + lay.offset("struct device", "driver_data"), drvdata)
        k.machine.mem.write_ptr(addr + lay.offset("struct device", "class"), cls)
        from .services.runtime_pm import pm_runtime_init
        pm_runtime_init(k, addr)                # device_create's device_initialize
        label = k.heap.alloc(len(name) + 1, "device name", zero=True)     # dev_name(): kobj.name
        k.machine.mem.write(label, name.encode("latin-1"))
        k.machine.mem.write_ptr(addr + lay.offset("struct device", "kobj") + lay.offset("struct kobject", "name"), label)
        node, mode = class_devnode(self.system, cls, addr, name) if devt else (name, None)
        dev = Device(addr, cls, devt, name, node)
        if devt:
            try:
                k.devfs.mknod(f"/dev/{node}", "c", devt >> MINORBITS, devt & ((1 << MINORBITS) - 1),
                              mode or 0o600)
            except SyscallError:        # no device half made: the node in the way stays its owner's
                k.heap.free(label)
                k.heap.free(addr)
                raise
        self.devices.append(dev)
        if module is not None:
            module.on_unload(f"device {name}", lambda: self._remove_device(dev))
        from .services.class_extras import device_added
        device_added(k, addr, cls)              # the class's interfaces see the new device
        return addr

    def _remove_device(self, dev: Device) -> None:
        if dev not in self.devices:
            return
        k = self.system.kernel
        from .services.class_extras import device_removed
        device_removed(k, dev.addr, dev.cls)
        self.devices.remove(dev)
        self.system.driver_model.forget_device(dev.addr)
        if dev.devt and k.devfs.lookup(f"/dev/{dev.node or dev.name}") is not None:
            k.devfs.unlink(f"/dev/{dev.node or dev.name}")
        lay = self.system.layout
        label = k.machine.mem.read_ptr(dev.addr + lay.offset("struct device", "kobj") + lay.offset("struct kobject", "name"))
        if label in k.heap:
            k.heap.free(label)
        k.heap.free(dev.addr)

    def destroy_device(self, cls: int, devt: int) -> None:
        for d in list(self.devices):
            if d.cls == cls and d.devt == devt:
                self._remove_device(d)
                self._forget(f"device {d.name}")
                return

    # --- misc devices -------------------------------------------------------------------------
    def misc_register(self, misc: int, module) -> int:
        s = self.system
        lay, mem = s.layout, s.machine.mem
        minor = mem.read_u32(misc + lay.offset("struct miscdevice", "minor"))
        used = set(self.misc.values())
        if minor == MISC_DYNAMIC_MINOR:
            free = [m for m in range(DYNAMIC_MINORS - 1, -1, -1) if m not in used]
            if not free:
                return -s.errno.EBUSY
            minor = free[0]
            mem.write_u32(misc + lay.offset("struct miscdevice", "minor"), minor)
        elif minor in used:
            return -s.errno.EBUSY
        name, mode = self._misc_node(misc)
        fops = mem.read_ptr(misc + lay.offset("struct miscdevice", "fops"))
        self.misc[misc] = minor
        cdev = Cdev(None, MISC_MAJOR, minor, 1, fops)
        self.cdevs.append(cdev)
        s.kernel.devfs.mknod(f"/dev/{name}", "c", MISC_MAJOR, minor, mode or 0o600)

        def undo():
            self._drop_misc(misc, cdev, name)
        if module is not None:
            module.on_unload(f"misc device {name}", undo)
        return 0

    def _misc_node(self, misc: int) -> tuple[str, int]:
        """The node's path under /dev and mode: misc->nodename (else misc->name) and misc->mode,
        as misc_devnode() gives them to devtmpfs."""
        s = self.system
        lay, mem = s.layout, s.machine.mem
        nodename = mem.read_ptr(misc + lay.offset("struct miscdevice", "nodename"))
        name = mem.read_ptr(misc + lay.offset("struct miscdevice", "name"))
        text = s.kernel.read_str(nodename or name, 64).decode("latin-1")
        return text, mem.read_u16(misc + lay.offset("struct miscdevice", "mode")) & 0o7777

    def _drop_misc(self, misc: int, cdev: Cdev, name: str) -> None:
        self.misc.pop(misc, None)
        self._drop_cdev(cdev)
        if self.system.kernel.devfs.lookup(f"/dev/{name}") is not None:
            self.system.kernel.devfs.unlink(f"/dev/{name}")

    def misc_deregister(self, misc: int) -> None:
        minor = self.misc.get(misc)
        if minor is None:
            return
        s = self.system
        name, _mode = self._misc_node(misc)
        cdev = self.cdev_for(MISC_MAJOR, minor)
        self._drop_misc(misc, cdev, name)
        self._forget(f"misc device {name}")


#: what a real 6.1 system lists in /proc/devices before any module (the usual core drivers)
BUILTIN = {(1, "mem"), (4, "/dev/vc/0"), (4, "tty"), (4, "ttyS"), (5, "/dev/tty"), (5, "/dev/console"),
           (5, "/dev/ptmx"), (7, "vcs"), (13, "input"), (29, "fb"), (128, "ptm"), (136, "pts")}


class LinuxCharDriver:
    """kemu's /dev -> a driver's file_operations (chrdev_open, then the fops calls)."""

    def __init__(self, system):
        self.system = system

    def _call(self, f, addr: int, *args: int, what: str) -> int:
        k = self.system.kernel
        return guarded_call(k, addr, *args, what=what, timeout=self.system.call_timeout)

    def _fop(self, f, name: str) -> int:
        lay = self.system.layout
        return self.system.machine.mem.read_ptr(f.private["fops"] + lay.offset("struct file_operations", name))

    def _signed(self, value: int) -> int:
        bits = 8 * self.system.machine.word_size
        value &= (1 << bits) - 1
        return value - (1 << bits) if value >> (bits - 1) else value

    def _errno(self, ret: int, what: str):
        return self.system.errno.error(self.system.errno_name(-ret), what)

    def open(self, f) -> None:
        s = self.system
        cdev = s.chrdevs.cdev_for(f.node.major, f.node.minor)
        if cdev is None:
            raise s.errno.error("ENXIO", f.path)
        mem, lay, k = s.machine.mem, s.layout, s.kernel
        owner_addr = mem.read_ptr(cdev.fops + lay.offset("struct file_operations", "owner"))
        owner = s.module_by_struct(owner_addr)
        if owner_addr and (owner is None or owner.state.value != "live"):
            raise s.errno.error("ENXIO", f.path)
        inode = k.heap.alloc(lay.size("struct inode"), "inode", zero=True)
        file = k.heap.alloc(lay.size("struct file"), "file", zero=True)
        mem.write_u32(inode + lay.offset("struct inode", "i_rdev"), (f.node.major << MINORBITS) | f.node.minor)
        mem.write_u16(inode + lay.offset("struct inode", "i_mode"), S_IFCHR | f.node.mode)
        mem.write_ptr(inode + lay.offset("struct inode", "i_cdev"), cdev.addr or 0)
        mem.write_ptr(inode + lay.offset("struct inode", "i_fop"), cdev.fops)
        mem.write_ptr(file + lay.offset("struct file", "f_inode"), inode)
        mem.write_ptr(file + lay.offset("struct file", "f_op"), cdev.fops)
        mem.write_u32(file + lay.offset("struct file", "f_flags"), f.flags)
        acc = f.flags & O_ACCMODE
        fmode = (FMODE_READ if acc in (0, 2) else 0) | (FMODE_WRITE if acc in (1, 2) else 0)
        mem.write_u32(file + lay.offset("struct file", "f_mode"), fmode)
        f.private.update(inode=inode, file=file, fops=cdev.fops, owner=owner)
        if owner is not None:
            owner.os["refcnt"] = owner.os.get("refcnt", 0) + 1
        op = self._fop(f, "open")
        if op:
            try:
                ret = self._signed(self._call(f, op, inode, file, what=f"{f.path}: open"))
            except GuestCrash:
                self._drop(f)
                raise
            if ret:
                self._drop(f)
                raise self._errno(ret, f.path)

    def _drop(self, f) -> None:
        k = self.system.kernel
        owner = f.private.get("owner")
        if owner is not None:
            owner.os["refcnt"] -= 1
        for key in ("file", "inode"):
            addr = f.private.pop(key, None)
            if addr:
                k.heap.free(addr)

    def close(self, f) -> None:
        try:
            op = self._fop(f, "release")
            if op:
                self._call(f, op, f.private["inode"], f.private["file"], what=f"{f.path}: release")
        finally:
            self._drop(f)

    def _pos(self, f) -> int:
        return f.private["file"] + self.system.layout.offset("struct file", "f_pos")

    def read(self, f, uaddr: int, n: int) -> int:
        op = self._fop(f, "read")
        if not op:
            raise self.system.errno.error("EINVAL", f.path)
        ret = self._signed(self._call(f, op, f.private["file"], uaddr, n, self._pos(f), what=f"{f.path}: read"))
        if ret < 0:
            raise self._errno(ret, f.path)
        return ret

    def write(self, f, uaddr: int, n: int) -> int:
        op = self._fop(f, "write")
        if not op:
            raise self.system.errno.error("EINVAL", f.path)
        ret = self._signed(self._call(f, op, f.private["file"], uaddr, n, self._pos(f), what=f"{f.path}: write"))
        if ret < 0:
            raise self._errno(ret, f.path)
        return ret

    def ioctl(self, f, cmd: int, arg: int) -> int:
        op = self._fop(f, "unlocked_ioctl")
        if not op:
            raise self.system.errno.error("ENOTTY", f.path)
        ret = self._signed(self._call(f, op, f.private["file"], cmd, arg, what=f"{f.path}: ioctl"))
        if ret < 0:
            raise self._errno(ret, f.path)
        return ret

    def llseek(self, f, offset: int, whence: int) -> int:
        op = self._fop(f, "llseek")
        s = self.system
        if not op:
            raise s.errno.error("ESPIPE", f.path)
        if s.arch == "i386":    # loff_t travels in two registers under regparm(3)
            ret = self._call(f, op, f.private["file"], offset & 0xFFFFFFFF, (offset >> 32) & 0xFFFFFFFF, whence,
                             what=f"{f.path}: llseek")
            ret = (s.machine.regs.read("edx") << 32) | ret     # ... and comes back in edx:eax
            ret = ret - (1 << 64) if ret >> 63 else ret
            if ret < 0:
                raise self._errno(ret, f.path)
            return ret
        else:
            ret = self._call(f, op, f.private["file"], offset & ((1 << 64) - 1), whence, what=f"{f.path}: llseek")
        ret = self._signed(ret)
        if ret < 0:
            raise self._errno(ret, f.path)
        return ret
