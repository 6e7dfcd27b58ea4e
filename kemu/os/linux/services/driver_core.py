"""The driver core's entry points (drivers/base/{bus,driver,core}.c, fs/sysfs/group.c): bus
types, drivers and devices registered with the registries of kemu/os/linux/driver_model.py,
and the sysfs attributes drivers hang on them.

* driver_register / driver_unregister / driver_find; bus_register / bus_unregister;
  bus_for_each_drv / bus_for_each_dev (the callback's first non-zero answer stops the walk
  and is returned);
* device_add / device_register / device_del / device_unregister: device_add names the
  device (init_name, else the bus's dev_name and the id; no name is -EINVAL), joins its bus
  and is offered to the bus's drivers; device_del unbinds it;
* driver_create_file / device_create_file and their removals, and attribute groups on the
  driver model's kobjects (services/sysfs.py's sysfs_create_group(s) and sysfs_remove_group(s)
  come here for a kobject outside the /sys tree): files recorded per kobject; a name already
  there is sysfs's "cannot create duplicate filename" WARN and -EEXIST; `cat` of a driver's attribute under
  /sys/bus/BUS/drivers/NAME/ calls its show().
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .device_refs import device_initialize, put_device

table = ServiceTable("driver_core")


def _module(k, call):
    return k.loader.module_at(call.return_address) if call is not None else None


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def model(k):
    return k.linux.driver_model


# --- drivers ----------------------------------------------------------------------------------

@table.service("int driver_register(struct device_driver *drv)", needs_call=True)
def driver_register(k, drv: int, call=None) -> int:
    """List the driver on its bus and bind it to the bus's matching devices."""
    return model(k).register_driver(drv, _module(k, call))


@table.service("void driver_unregister(struct device_driver *drv)")
def driver_unregister(k, drv: int) -> None:
    """Unbind the driver from its devices (remove) and take it off its bus."""
    model(k).unregister_driver(drv)


@table.service("struct device_driver *driver_find(const char *name, struct bus_type *bus)")
def driver_find(k, name: int, bus: int) -> int:
    """The driver of that name on the bus, or NULL."""
    drv = model(k).find_driver(k.read_str(name, 256).decode("utf-8", "replace"), bus)
    return drv.addr if drv else 0


# --- buses ------------------------------------------------------------------------------------

@table.service("int bus_register(struct bus_type *bus)", needs_call=True)
def bus_register(k, bus: int, call=None) -> int:
    """A module's bus type: /sys/bus/NAME; -EEXIST when the name is taken."""
    return model(k).register_bus(bus, _module(k, call))


@table.service("void bus_unregister(struct bus_type *bus)")
def bus_unregister(k, bus: int) -> None:
    """The bus type goes, with its driver and device lists."""
    model(k).unregister_bus(bus)


@table.service("int bus_for_each_drv(struct bus_type *bus, struct device_driver *start, void *data, "
               "int (*fn)(struct device_driver *, void *))")
def bus_for_each_drv(k, bus: int, start: int, data: int, fn: int) -> int:
    """fn(drv, data) for each driver after `start`, until one answers non-zero; -EINVAL for
    a NULL bus."""
    b = model(k).buses.get(bus)
    if not bus or b is None:
        return -k.errno.EINVAL
    return walk(k, [d.addr for d in b.drivers.values()], start, data, fn, "bus_for_each_drv callback")


def after(items: list[int], start: int) -> list[int]:
    """The items after `start` (all of them when start is not one: NULL starts at the head)."""
    return items[items.index(start) + 1:] if start in items else items


def walk(k, items: list[int], start: int, data: int, fn: int, what: str) -> int:
    """fn(item, data) for each item after `start` until one answers non-zero (returned)."""
    for item in after(items, start):
        ret = k.linux.call_kernel_pointer(fn, item, data, what=what)
        if ret:
            return ret
    return 0


@table.service("int bus_for_each_dev(struct bus_type *bus, struct device *start, void *data, "
               "int (*fn)(struct device *dev, void *data))")
def bus_for_each_dev(k, bus: int, start: int, data: int, fn: int) -> int:
    """fn(dev, data) for each device after `start`, until one answers non-zero."""
    b = model(k).buses.get(bus)
    if not bus or b is None:
        return -k.errno.EINVAL
    return walk(k, [d.addr for d in b.devices], start, data, fn, "bus_for_each_dev callback")


# --- devices ----------------------------------------------------------------------------------

def _set_name(k, dev: int, name: str, caller: int | None) -> None:
    """dev_set_name from Python: a heap copy in the kobject, the old name freed."""
    mem = k.machine.mem
    slot = dev + _off(k, "struct device", "kobj") + _off(k, "struct kobject", "name")
    text = name.replace("/", "!").encode()
    new = k.heap.alloc(len(text) + 1, "kobject name", caller=caller)
    mem.write(new, text + b"\0")
    old = mem.read_ptr(slot)
    mem.write_ptr(slot, new)
    if old and old in k.heap:
        k.heap.free(old)


def device_name(k, dev: int) -> str:
    mem = k.machine.mem
    ptr = mem.read_ptr(dev + _off(k, "struct device", "kobj") + _off(k, "struct kobject", "name"))
    return k.read_str(ptr, 256).decode("utf-8", "replace") if ptr else ""


def add_device(k, dev: int, module, caller: int | None) -> int:
    """device_add: name the device, then the registry (bus, drivers) takes it."""
    if not dev:
        return -k.errno.EINVAL
    mem = k.machine.mem
    init_name = mem.read_ptr(dev + _off(k, "struct device", "init_name"))
    if init_name:
        _set_name(k, dev, k.read_str(init_name, 256).decode("utf-8", "replace"), caller)
        mem.write_ptr(dev + _off(k, "struct device", "init_name"), 0)
    bus = mem.read_ptr(dev + _off(k, "struct device", "bus"))
    if not device_name(k, dev) and bus:
        prefix = mem.read_ptr(bus + _off(k, "struct bus_type", "dev_name"))
        if prefix:
            number = mem.read_u32(dev + _off(k, "struct device", "id"))
            _set_name(k, dev, k.read_str(prefix, 256).decode("utf-8", "replace") + str(number), caller)
    name = device_name(k, dev)
    if not name:
        return -k.errno.EINVAL
    ret = model(k).add_device(dev, name, module)
    cls = mem.read_ptr(dev + _off(k, "struct device", "class"))
    if not ret and cls:
        from .class_extras import device_added
        device_added(k, dev, cls)               # the class's interfaces see the new device
    return ret


@table.service("int device_add(struct device *dev)", needs_call=True)
def device_add(k, dev: int, call=None) -> int:
    """Add an initialised device: named, on its bus, offered to its bus's drivers."""
    return add_device(k, dev, _module(k, call), call.return_address if call else None)


@table.service("int device_register(struct device *dev)", needs_call=True)
def device_register(k, dev: int, call=None) -> int:
    """device_initialize + device_add (on failure the caller still owns a reference)."""
    device_initialize(k, dev)
    return device_add(k, dev, call=call)


@table.service("void device_del(struct device *dev)")
def device_del(k, dev: int) -> None:
    """Unbind the device and take it off its bus; its sysfs files go."""
    if dev:
        cls = k.machine.mem.read_ptr(dev + _off(k, "struct device", "class"))
        if cls and dev in model(k).devices:
            from .class_extras import device_removed
            device_removed(k, dev, cls)
        model(k).del_device(dev)
        model(k).files.pop(_kobj(k, dev), None)
        getattr(model(k), "links", {}).pop(_kobj(k, dev), None)     # its directory's symlinks go too
        getattr(model(k), "bin_files", {}).pop(_kobj(k, dev), None)
        from . import pm_qos, runtime_pm
        runtime_pm.device_gone(k, dev)          # device_pm_remove: runtime PM off, QoS freed
        pm_qos.device_gone(k, dev)


@table.service("void device_unregister(struct device *dev)")
def device_unregister(k, dev: int) -> None:
    """device_del, then drop the registration's reference (the last one releases it)."""
    device_del(k, dev)
    put_device(k, dev)


# --- sysfs attributes -------------------------------------------------------------------------

def _kobj(k, dev: int) -> int:
    return dev + _off(k, "struct device", "kobj")


def _driver_kobj(k, drv: int) -> int:
    """A driver's directory is its private part's kobject: the driver_private block."""
    return k.machine.mem.read_ptr(drv + _off(k, "struct device_driver", "p"))


def _attr_name(k, attr: int) -> str:
    ptr = k.machine.mem.read_ptr(attr + _off(k, "struct attribute", "name"))
    return k.read_str(ptr, 256).decode("utf-8", "replace") if ptr else ""


def _kobject_path(k, kobj: int) -> str:
    m = model(k)
    drv = next((d for d in m.drivers.values() if d.private == kobj), None)
    if drv is not None:
        return f"/bus/{drv.bus.name}/drivers/{drv.name}"
    ptr = k.machine.mem.read_ptr(kobj + _off(k, "struct kobject", "name"))
    return "/devices/" + (k.read_str(ptr, 256).decode("utf-8", "replace") if ptr else "")


def create_file(k, kobj: int, attr: int, directory: str = "") -> int:
    """sysfs_create_file(_ns): one file in the kobject's directory; -EEXIST if the name is there."""
    if not kobj or not attr:
        return -k.errno.EINVAL
    name = _attr_name(k, attr)
    path = f"{directory}/{name}" if directory else name
    files = model(k).files.setdefault(kobj, {})
    if path in files:
        model(k).warn(f"sysfs: cannot create duplicate filename '{_kobject_path(k, kobj)}/{path}'")
        return -k.errno.EEXIST
    files[path] = attr
    return 0


def remove_file(k, kobj: int, attr: int, directory: str = "") -> None:
    """sysfs_remove_file: gone if it was there, silently otherwise."""
    name = _attr_name(k, attr)
    model(k).files.get(kobj, {}).pop(f"{directory}/{name}" if directory else name, None)


@table.service("int driver_create_file(struct device_driver *driver, const struct driver_attribute *attr)")
def driver_create_file(k, drv: int, attr: int) -> int:
    """A file in /sys/bus/BUS/drivers/NAME; -EINVAL for a NULL or unregistered driver."""
    if not drv or drv not in model(k).drivers:
        return -k.errno.EINVAL
    return create_file(k, _driver_kobj(k, drv), attr)


@table.service("void driver_remove_file(struct device_driver *driver, const struct driver_attribute *attr)")
def driver_remove_file(k, drv: int, attr: int) -> None:
    """Remove a driver's file."""
    if drv and drv in model(k).drivers:
        remove_file(k, _driver_kobj(k, drv), attr)


@table.service("int device_create_file(struct device *dev, const struct device_attribute *attr)")
def device_create_file(k, dev: int, attr: int) -> int:
    """A file in the device's sysfs directory."""
    if not dev:
        return -k.errno.EINVAL
    return create_file(k, _kobj(k, dev), attr)


@table.service("void device_remove_file(struct device *dev, const struct device_attribute *attr)")
def device_remove_file(k, dev: int, attr: int) -> None:
    """Remove a device's file (NULL device ignored)."""
    if dev:
        remove_file(k, _kobj(k, dev), attr)


def _group_attrs(k, grp: int) -> list[int]:
    mem, word = k.machine.mem, k.machine.word_size
    attrs = mem.read_ptr(grp + _off(k, "struct attribute_group", "attrs"))
    found = []
    while attrs:
        attr = mem.read_ptr(attrs + word * len(found))
        if not attr:
            break
        found.append(attr)
    return found


def _group_dir(k, grp: int) -> str:
    ptr = k.machine.mem.read_ptr(grp + _off(k, "struct attribute_group", "name"))
    return k.read_str(ptr, 256).decode("utf-8", "replace") if ptr else ""


def create_group(k, kobj: int, grp: int) -> int:
    """internal_create_group: the group's attributes (is_visible may hide one: mode 0),
    in a subdirectory when the group is named; all or nothing."""
    if not kobj or not grp:
        return -k.errno.EINVAL
    directory = _group_dir(k, grp)
    visible = k.machine.mem.read_ptr(grp + _off(k, "struct attribute_group", "is_visible"))
    made = []
    for i, attr in enumerate(_group_attrs(k, grp)):
        if visible and not k.linux.call_kernel_pointer(visible, kobj, attr, i, what="is_visible") & 0xFFFF:
            continue
        ret = create_file(k, kobj, attr, directory)
        if ret:
            for done in made:
                remove_file(k, kobj, done, directory)
            return ret
        made.append(attr)
    if directory:
        model(k).groups.setdefault(kobj, set()).add(directory)
    return 0


def remove_group(k, kobj: int, grp: int) -> None:
    """sysfs_remove_group: a named group that is not there is the kernel's WARN."""
    directory = _group_dir(k, grp)
    groups = model(k).groups.get(kobj, set())
    if directory and directory not in groups:
        ptr = k.machine.mem.read_ptr(kobj + _off(k, "struct kobject", "name"))
        owner = k.read_str(ptr, 256).decode("utf-8", "replace") if ptr else ""
        model(k).warn(f"sysfs group '{directory}' not found for kobject '{owner}'")
        return
    groups.discard(directory)
    for attr in _group_attrs(k, grp):
        remove_file(k, kobj, attr, directory)


@table.service("const char *dev_driver_string(const struct device *dev)")
def dev_driver_string(k, dev: int) -> int:
    """The name dev_printk shows for the device: its driver's, else its bus's, else its
    class's (each a pointer kept in the struct), else ""."""
    mem = k.machine.mem
    for fld in ("driver", "bus", "class"):
        ptr = mem.read_ptr(dev + _off(k, "struct device", fld))
        if ptr:
            return mem.read_ptr(ptr)          # `name` is the first member of each
    return _empty_string(k)


def _empty_string(k) -> int:
    linux = k.linux
    if not hasattr(linux, "empty_string"):
        linux.empty_string = k.machine.alloc("kdata", 1, 1)
        k.machine.mem.write(linux.empty_string, b"\0")
    return linux.empty_string
