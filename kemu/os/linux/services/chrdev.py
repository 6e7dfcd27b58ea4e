"""Character devices (fs/char_dev.c), device classes and nodes (drivers/base/core.c, as udev
would make them), misc devices (drivers/char/misc.c), and the small helpers drivers use.

The device numbers and cdevs live in the system's `chrdevs` (chardevs.py); each registration
is recorded with `module.on_unload`, so a module that forgets to give something back does not
leave the kernel pointing into freed code."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("chrdev")

MINORBITS = 20
MINORMASK = (1 << MINORBITS) - 1


def MKDEV(major: int, minor: int) -> int:
    return (major << MINORBITS) | minor


def _module(k, call):
    return k.loader.module_at(call.return_address)


@table.service("int alloc_chrdev_region(dev_t *dev, unsigned baseminor, unsigned count, const char *name)",
               needs_call=True)
def alloc_chrdev_region(k, dev: int, baseminor: int, count: int, name: int, call=None) -> int:
    """Reserve `count` minors under a free dynamic major; *dev = MKDEV(major, baseminor)."""
    k.check_length(dev, 4, "write")
    major = k.linux.chrdevs.register_region(0, baseminor, count, k.read_str(name, 64).decode("latin-1"),
                                            _module(k, call))
    if major < 0:
        return major
    k.machine.mem.write_u32(dev, MKDEV(major, baseminor))
    return 0


@table.service("int register_chrdev_region(dev_t from, unsigned count, const char *name)", needs_call=True)
def register_chrdev_region(k, frm: int, count: int, name: int, call=None) -> int:
    """Reserve the given numbers; -EBUSY when they overlap a registration."""
    r = k.linux.chrdevs.register_region(frm >> MINORBITS, frm & MINORMASK, count,
                                        k.read_str(name, 64).decode("latin-1"), _module(k, call))
    return min(r, 0)


@table.service("void unregister_chrdev_region(dev_t from, unsigned count)")
def unregister_chrdev_region(k, frm: int, count: int) -> None:
    """Give back numbers reserved by alloc_/register_chrdev_region."""
    k.linux.chrdevs.unregister_region(frm >> MINORBITS, frm & MINORMASK, count)


@table.service("int __register_chrdev(unsigned int major, unsigned int baseminor, unsigned int count, "
               "const char *name, const struct file_operations *fops)", needs_call=True)
def __register_chrdev(k, major: int, baseminor: int, count: int, name: int, fops: int, call=None) -> int:
    """register_chrdev: numbers plus a kernel-owned cdev; the major if it was 0, else 0."""
    c = k.linux.chrdevs
    got = c.register_region(major, baseminor, count, k.read_str(name, 64).decode("latin-1"), _module(k, call))
    if got < 0:
        return got
    c.add_cdev(None, got, baseminor, count, fops, _module(k, call))
    return got if major == 0 else 0


@table.service("void __unregister_chrdev(unsigned int major, unsigned int baseminor, unsigned int count, "
               "const char *name)")
def __unregister_chrdev(k, major: int, baseminor: int, count: int, name: int) -> None:
    """Undo __register_chrdev."""
    c = k.linux.chrdevs
    c.del_cdev_range(major, baseminor, count)
    c.unregister_region(major, baseminor, count)


@table.service("void cdev_init(struct cdev *cdev, const struct file_operations *fops)")
def cdev_init(k, cdev: int, fops: int) -> None:
    """Zero a cdev and set its operations."""
    lay = k.linux.layout
    k.machine.mem.write(cdev, bytes(lay.size("struct cdev")))
    k.machine.mem.write_ptr(cdev + lay.offset("struct cdev", "ops"), fops)


@table.service("int cdev_add(struct cdev *p, dev_t dev, unsigned count)", needs_call=True)
def cdev_add(k, p: int, dev: int, count: int, call=None) -> int:
    """Make the cdev live for `count` minors from `dev`: opens of those numbers reach it."""
    lay, mem = k.linux.layout, k.machine.mem
    mem.write_u32(p + lay.offset("struct cdev", "dev"), dev)
    mem.write_u32(p + lay.offset("struct cdev", "count"), count)
    fops = mem.read_ptr(p + lay.offset("struct cdev", "ops"))
    return k.linux.chrdevs.add_cdev(p, dev >> MINORBITS, dev & MINORMASK, count, fops, _module(k, call))


@table.service("void cdev_del(struct cdev *p)")
def cdev_del(k, p: int) -> None:
    """Remove a cdev: later opens of its numbers fail with ENXIO; one from cdev_alloc is freed."""
    from .cdev_alloc import release_dynamic
    k.linux.chrdevs.del_cdev(p)
    release_dynamic(k, p)


@table.service("struct class *__class_create(struct module *owner, const char *name, struct lock_class_key *key)",
               needs_call=True)
def __class_create(k, owner: int, name: int, key: int, call=None) -> int:
    """A device class (class_create): a kernel struct class the module must class_destroy."""
    return k.linux.chrdevs.create_class(k.read_str(name, 64).decode("latin-1"), _module(k, call))


@table.service("void class_destroy(struct class *cls)")
def class_destroy(k, cls: int) -> None:
    """Destroy a class made by class_create (NULL or an error pointer ignored)."""
    k.linux.chrdevs.destroy_class(cls)


@table.service("struct device *device_create(struct class *cls, struct device *parent, dev_t devt, "
               "void *drvdata, const char *fmt, ...)", needs_call=True)
def device_create(k, cls: int, parent: int, devt: int, drvdata: int, fmt: int, args, call=None) -> int:
    """A device of `cls` named by the format; udev's node /dev/NAME appears (crw------- root).
    An empty name is refused as kobject_add_internal refuses it: a WARN, ERR_PTR(-EINVAL)."""
    name = k.linux.format(fmt, args).decode("latin-1")
    if not name:
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr("kobject: attempted to be registered with empty name!", 4)
        k.linux.add_taint("W")
        return -k.errno.EINVAL & ((1 << (8 * k.word_size)) - 1)
    return k.linux.chrdevs.create_device(cls, devt, drvdata, name, _module(k, call))


@table.service("void device_destroy(struct class *cls, dev_t devt)")
def device_destroy(k, cls: int, devt: int) -> None:
    """Remove the device with that number from `cls`; its /dev node goes."""
    k.linux.chrdevs.destroy_device(cls, devt)


@table.service("int misc_register(struct miscdevice *misc)", needs_call=True)
def misc_register(k, misc: int, call=None) -> int:
    """A misc device: major 10, a dynamic minor for MISC_DYNAMIC_MINOR; /dev/NAME appears."""
    return k.linux.chrdevs.misc_register(misc, _module(k, call))


@table.service("void misc_deregister(struct miscdevice *misc)")
def misc_deregister(k, misc: int) -> None:
    """Undo misc_register."""
    k.linux.chrdevs.misc_deregister(misc)


@table.service("void mutex_lock(struct mutex *lock)")
def mutex_lock(k, lock: int) -> None:
    """One CPU and no preemption between guest calls: the lock is always free; kemu records
    the owner word so a driver that inspects it sees it held."""
    k.machine.mem.write_ptr(lock, k.linux.current_task)


@table.service("void mutex_unlock(struct mutex *lock)")
def mutex_unlock(k, lock: int) -> None:
    """Release: the owner word is cleared."""
    k.machine.mem.write_ptr(lock, 0)


@table.service("void __mutex_init(struct mutex *lock, const char *name, struct lock_class_key *key)")
def __mutex_init(k, lock: int, name: int, key: int) -> None:
    """An unlocked mutex."""
    k.machine.mem.write(lock, bytes(k.linux.layout.size("struct mutex")))


@table.service("void __stack_chk_fail(void)")
def __stack_chk_fail(k) -> None:
    """The stack protector found its canary overwritten: the kernel panics."""
    from kemu.kernel import KernelPanic
    raise KernelPanic("stack-protector: Kernel stack is corrupted")


@table.service("loff_t noop_llseek(struct file *file, loff_t offset, int whence)")
def noop_llseek(k, file: int, offset: int, whence: int) -> int:
    """llseek that leaves the position where it is."""
    return k.machine.mem.read_u64(file + k.linux.layout.offset("struct file", "f_pos"))


@table.service("loff_t default_llseek(struct file *file, loff_t offset, int whence)")
def default_llseek(k, file: int, offset: int, whence: int) -> int:
    """SEEK_SET/SEEK_CUR (SEEK_END needs a size: the inode's, 0 for a device); -EINVAL for a
    negative result or another whence."""
    at = file + k.linux.layout.offset("struct file", "f_pos")
    cur = k.machine.mem.read_u64(at)
    offset = offset - (1 << 64) if offset >> 63 else offset
    new = {0: offset, 1: cur + offset, 2: offset}.get(whence)
    if new is None or new < 0:
        return -k.errno.EINVAL
    k.machine.mem.write_u64(at, new)
    return new


@table.service("ssize_t simple_read_from_buffer(void *to, size_t count, loff_t *ppos, const void *from, "
               "size_t available)")
def simple_read_from_buffer(k, to: int, count: int, ppos: int, frm: int, available: int) -> int:
    """Copy from a kernel buffer at *ppos to user space, advancing *ppos; -EFAULT if nothing
    could be copied."""
    pos = k.machine.mem.read_u64(ppos)
    if pos >= available or not count:
        return 0
    n = min(count, available - pos)
    if not (k.user.contains(to, n) and k.machine.mem.is_mapped(to, n)):
        return -k.errno.EFAULT
    k.machine.mem.write(to, k.machine.mem.read(frm + pos, n))
    k.machine.mem.write_u64(ppos, pos + n)
    return n
