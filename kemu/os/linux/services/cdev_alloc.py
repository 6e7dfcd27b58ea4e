"""cdev_alloc (fs/char_dev.c, 6.1): a character device structure the kernel allocates for
the driver, instead of one embedded in the driver's own data (cdev_init).

The new cdev is zeroed with its list empty and its kobject of the dynamic type, whose
release frees it: cdev_del's final kobject_put gives the memory back, where a cdev_init'd
one stays the driver's. kemu keeps the set of dynamic cdevs and cdev_del (chrdev.py) asks
`release_dynamic` to free one when it goes. The kobject's reference count is the measured
`struct kobject.kref`, set to one as kobject_init does."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("cdev_alloc")


def _dynamic(k) -> set[int]:
    return k.linux.__dict__.setdefault("dynamic_cdevs", set())


@table.service("struct cdev *cdev_alloc(void)", needs_call=True)
def cdev_alloc(k, call=None) -> int:
    """A zeroed cdev, list empty, kobject initialised (one reference), freed by cdev_del."""
    lay, mem = k.linux.layout, k.machine.mem
    cdev = k.heap.alloc(lay.size("struct cdev"), "kmalloc", zero=True, caller=call.return_address)
    head = cdev + lay.offset("struct cdev", "list")
    mem.write_ptr(head, head)
    mem.write_ptr(head + k.machine.word_size, head)
    kref = cdev + lay.offset("struct cdev", "kobj") + lay.offset("struct kobject", "kref")
    mem.write_u32(kref, 1)
    _dynamic(k).add(cdev)
    return cdev


def release_dynamic(k, cdev: int) -> None:
    """cdev_del's kobject_put on a cdev_alloc'd cdev: cdev_dynamic_release frees it."""
    dynamic = _dynamic(k)
    if cdev in dynamic:
        dynamic.discard(cdev)
        k.heap.free(cdev)
