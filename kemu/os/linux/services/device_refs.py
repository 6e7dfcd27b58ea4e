"""struct device lifetime (drivers/base/core.c, lib/kobject.c): the name and the reference
count every driver-model object carries in its embedded kobject.

* dev_set_name: kobject_set_name_vargs, a kvasprintf'd name in the kernel heap ('/' becomes
  '!', as sysfs names cannot hold a slash), the previous name freed;
* device_initialize: kobject_init, the reference count set to one;
* get_device / put_device: kobject_get / kobject_put; the last put calls the device's
  release() and then frees the name, as kobject_cleanup does. A device without release()
  gets the kernel's WARN ("does not have a release() function, it is broken and must be
  fixed"); a put on a count already at zero is refcount_t's underflow WARN.

Offsets (struct device: kobj, init_name, release, type, class; struct kobject: name, kref)
come from the measured layout tables of each arch.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("device_refs")


def _off(k, struct: str, field: str) -> int:
    return k.linux.layout.offset(struct, field)


def _kobj(k, dev: int) -> int:
    return dev + _off(k, "struct device", "kobj")


def _kref(k, dev: int) -> int:
    return _kobj(k, dev) + _off(k, "struct kobject", "kref")


def _name_slot(k, dev: int) -> int:
    return _kobj(k, dev) + _off(k, "struct kobject", "name")


def _warn(k, text: str) -> None:
    k.linux.pr("------------[ cut here ]------------", 4)
    k.linux.pr(text, 4)
    k.linux.add_taint("W")


def device_name(k, dev: int) -> str:
    """dev_name(): the kobject's name, else init_name."""
    mem = k.machine.mem
    name = mem.read_ptr(_name_slot(k, dev)) or mem.read_ptr(dev + _off(k, "struct device", "init_name"))
    return k.read_str(name).decode("utf-8", "replace") if name else ""


@table.service("int dev_set_name(struct device *dev, const char *fmt, ...)")
def dev_set_name(k, dev: int, fmt: int, args, call=None) -> int:
    """Name the device: the formatted name, slashes turned into '!', replaces the old one."""
    mem = k.machine.mem
    text = k.linux.format(fmt, args).replace(b"/", b"!")
    new = k.heap.alloc(len(text) + 1, "kobject name", caller=call.return_address if call else None)
    mem.write(new, text + b"\0")
    old = mem.read_ptr(_name_slot(k, dev))
    mem.write_ptr(_name_slot(k, dev), new)
    if old and old in k.heap:
        k.heap.free(old)
    return 0


@table.service("void device_initialize(struct device *dev)")
def device_initialize(k, dev: int) -> None:
    """kobject_init on the embedded kobject: one reference, the owner's."""
    mem, word = k.machine.mem, k.machine.word_size
    entry = _kobj(k, dev) + _off(k, "struct kobject", "entry")
    mem.write_ptr(entry, entry)
    mem.write_ptr(entry + word, entry)
    mem.write_u32(_kref(k, dev), 1)
    from .runtime_pm import pm_runtime_init
    pm_runtime_init(k, dev)                     # device_pm_init: runtime PM disabled once, suspended


@table.service("struct device *get_device(struct device *dev)")
def get_device(k, dev: int) -> int:
    """Take a reference (NULL stays NULL)."""
    if dev:
        mem = k.machine.mem
        mem.write_u32(_kref(k, dev), mem.read_u32(_kref(k, dev)) + 1)
    return dev


@table.service("void put_device(struct device *dev)")
def put_device(k, dev: int) -> None:
    """Drop a reference; the last one releases the device and frees its name."""
    if not dev:
        return
    mem = k.machine.mem
    count = mem.read_u32(_kref(k, dev))
    if count == 0:
        _warn(k, "refcount_t: underflow; use-after-free.")
        return
    mem.write_u32(_kref(k, dev), count - 1)
    if count > 1:
        return
    name_ptr = mem.read_ptr(_name_slot(k, dev))
    release = mem.read_ptr(dev + _off(k, "struct device", "release"))
    if release:
        k.machine.call(release, dev)
    elif not (mem.read_ptr(dev + _off(k, "struct device", "type"))
              or mem.read_ptr(dev + _off(k, "struct device", "class"))):
        _warn(k, f"Device '{device_name(k, dev)}' does not have a release() function, "
                 "it is broken and must be fixed. See Documentation/core-api/kobject.rst.")
    if name_ptr and name_ptr in k.heap:
        k.heap.free(name_ptr)
