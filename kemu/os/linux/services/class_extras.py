"""Device classes beyond create/destroy (drivers/base/class.c, 6.1): interfaces, class
attribute files, compatibility directories and lookups.

A class's devices are those device_create made (kemu/os/linux/chardevs.py) and those added
to the driver model with dev->class pointing at it (driver_model.py), in the order added.

* class_interface_register(intf): -ENODEV without a class; the interface joins the class's
  list and add_dev(dev, intf) is called for each device of the class; a device added later
  is offered to it (chardevs.py/driver_core.py call `device_added`), one removed is taken
  away with remove_dev. class_interface_unregister calls remove_dev for each device.
* class_create_file_ns / class_remove_file_ns: a file in /sys/class/NAME (-EINVAL for a
  NULL class, -EEXIST for a name taken); `class_files` keeps them per class.
* class_compat_register(name): /sys/class/NAME as a bare kobject directory (NULL if the
  name is taken); class_compat_unregister puts it.
* class_find_device(cls, start, data, match): the first device after `start` match()
  accepts, referenced; NULL if none.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import sysfs as sysfs_services
from .bus_walks import find_device
from .ksets import kdata_zeroed
from .driver_core import model

table = ServiceTable("class_extras")


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _state(k):
    """Interfaces per class (in registration order) and class files per class."""
    linux = k.linux
    if not hasattr(linux, "class_interfaces"):
        linux.class_interfaces = {}             # class -> [struct class_interface]
        linux.class_files = {}                  # class -> {name: struct class_attribute}
    return linux


def class_devices(k, cls: int) -> list[int]:
    """The struct device addresses of a class, oldest first."""
    found = [d.addr for d in k.linux.chrdevs.devices if d.cls == cls]
    slot = _off(k, "struct device", "class")
    found += [d for d in model(k).devices if k.machine.mem.read_ptr(d + slot) == cls and d not in found]
    return found


def _call_intf(k, intf: int, fld: str, dev: int) -> None:
    fn = k.machine.mem.read_ptr(intf + _off(k, "struct class_interface", fld))
    if fn:
        k.linux.call_kernel_pointer(fn, dev, intf, what=f"class_interface {fld}")


def device_added(k, dev: int, cls: int) -> None:
    """device_add's class part: each interface of the class gets add_dev(dev, intf)."""
    for intf in list(_state(k).class_interfaces.get(cls, [])):
        _call_intf(k, intf, "add_dev", dev)


def device_removed(k, dev: int, cls: int) -> None:
    """device_del's class part: each interface of the class gets remove_dev(dev, intf)."""
    for intf in list(_state(k).class_interfaces.get(cls, [])):
        _call_intf(k, intf, "remove_dev", dev)


@table.service("int class_interface_register(struct class_interface *class_intf)", needs_call=True)
def class_interface_register(k, intf: int, call=None) -> int:
    """Add the interface to its class; add_dev for each device the class has."""
    cls = k.machine.mem.read_ptr(intf + _off(k, "struct class_interface", "class")) if intf else 0
    if not cls:
        return -k.errno.ENODEV
    interfaces = _state(k).class_interfaces.setdefault(cls, [])
    interfaces.append(intf)
    module = k.loader.module_at(call.return_address) if call is not None else None
    if module is not None:
        module.on_unload(f"class interface {intf:#x}", lambda: intf in interfaces and interfaces.remove(intf))
    for dev in class_devices(k, cls):
        _call_intf(k, intf, "add_dev", dev)
    return 0


@table.service("void class_interface_unregister(struct class_interface *class_intf)")
def class_interface_unregister(k, intf: int) -> None:
    """Take the interface off its class; remove_dev for each device."""
    cls = k.machine.mem.read_ptr(intf + _off(k, "struct class_interface", "class")) if intf else 0
    interfaces = _state(k).class_interfaces.get(cls, [])
    if intf not in interfaces:
        return
    interfaces.remove(intf)
    for m in k.loader.modules:
        m.forget_undo(f"class interface {intf:#x}")
    for dev in class_devices(k, cls):
        _call_intf(k, intf, "remove_dev", dev)


def _attr_name(k, attr: int) -> str:
    ptr = k.machine.mem.read_ptr(attr + _off(k, "struct class_attribute", "attr")
                                 + _off(k, "struct attribute", "name"))
    return k.read_str(ptr, 256).decode("latin-1") if ptr else ""


def _class_name(k, cls: int) -> str:
    ptr = k.machine.mem.read_ptr(cls + _off(k, "struct class", "name"))
    return k.read_str(ptr, 256).decode("latin-1") if ptr else ""


@table.service("int class_create_file_ns(struct class *cls, const struct class_attribute *attr, const void *ns)")
def class_create_file_ns(k, cls: int, attr: int, ns: int) -> int:
    """A file in /sys/class/NAME; -EINVAL for a NULL class, -EEXIST for a name taken."""
    if not cls or not attr:
        return -k.errno.EINVAL
    files = _state(k).class_files.setdefault(cls, {})
    name = _attr_name(k, attr)
    if name in files:
        sysfs_services._duplicate(k, f"/sys/class/{_class_name(k, cls)}/{name}")
        return -k.errno.EEXIST
    files[name] = attr
    return 0


@table.service("void class_remove_file_ns(struct class *cls, const struct class_attribute *attr, const void *ns)")
def class_remove_file_ns(k, cls: int, attr: int, ns: int) -> None:
    """Remove the class's file (NULL class ignored)."""
    if cls and attr:
        _state(k).class_files.get(cls, {}).pop(_attr_name(k, attr), None)


def class_root(k) -> int:
    """The kobject of /sys/class (class_kset), made at first use."""
    linux = k.linux
    if not getattr(linux, "class_kobj", 0):
        kobj = kdata_zeroed(k, linux.layout.size("struct kobject"))
        name = kdata_zeroed(k, 6)
        k.machine.mem.write(name, b"class")
        k.machine.mem.write_ptr(kobj + _off(k, "struct kobject", "name"), name)
        k.machine.mem.write_u32(kobj + _off(k, "struct kobject", "kref"), 1)
        k.machine.mem.write_ptr(kobj + _off(k, "struct kobject", "ktype"), linux.sysfs.dynamic_ktype)
        linux.sysfs.add_dir("/sys/class", kobj)
        linux.class_kobj = kobj
    return linux.class_kobj


@table.service("struct class_compat *class_compat_register(const char *name)", needs_call=True)
def class_compat_register(k, name: int, call=None) -> int:
    """struct class_compat { struct kobject *kobj; }: /sys/class/NAME; NULL on failure."""
    word = k.machine.word_size
    compat = k.heap.alloc(word, "class_compat", zero=True, caller=call.return_address if call else None)
    if not compat:
        return 0
    kobj = sysfs_services.kobject_create_and_add(k, name, class_root(k))
    if not kobj:
        k.heap.free(compat)
        return 0
    k.machine.mem.write_ptr(compat, kobj)
    return compat


@table.service("void class_compat_unregister(struct class_compat *cls)")
def class_compat_unregister(k, compat: int) -> None:
    """kobject_put of the directory, then the class_compat is freed."""
    if not compat:
        return
    sysfs_services.kobject_put(k, k.machine.mem.read_ptr(compat))
    k.heap.free(compat)


@table.service("struct device *class_find_device(struct class *class, struct device *start, const void *data, "
               "int (*match)(struct device *, const void *))")
def class_find_device(k, cls: int, start: int, data: int, match: int) -> int:
    """The first device of the class after `start` that match(dev, data) accepts, with a
    reference taken; NULL if none (or for a NULL class)."""
    if not cls:
        return 0
    return find_device(k, class_devices(k, cls), start, data, match, "class_find_device match")
