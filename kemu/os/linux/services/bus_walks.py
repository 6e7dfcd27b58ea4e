"""Walking and re-probing a bus (drivers/base/{bus,dd}.c, drivers/i2c/i2c-core-base.c, 6.1):
the calls a driver makes after it registered, on the registries of driver_model.py.

* driver_attach(drv): every unbound device of the driver's bus that its match rule accepts
  is probed (__driver_attach); probe errors stay with the device, the answer is 0;
* driver_for_each_device(drv, start, data, fn): fn(dev, data) for each device bound to the
  driver after `start`, until one answers non-zero (that answer is returned); -EINVAL for a
  NULL driver;
* bus_find_device(bus, start, data, match): the first device after `start` match() accepts,
  with a reference taken (get_device), or NULL;
* bus_rescan_devices(bus): each device without a driver is offered to the drivers again;
* device_bind_driver(dev): bind to dev->driver without probing (driver_bound);
* i2c_for_each_dev(data, fn): bus_for_each_dev on the I2C bus;
* bus_register_notifier / bus_unregister_notifier: a notifier_block on the bus's own chain
  (ordered by priority), told of device add/del and driver bind/unbind by the model.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .device_refs import get_device
from .driver_core import after, bus_for_each_dev, device_name, model, walk

table = ServiceTable("bus_walks")


def _driver(k, drv: int, what: str):
    """The registered driver at `drv`, or None after the kernel's complaint for a stranger."""
    found = model(k).drivers.get(drv)
    if found is None and drv:
        name = model(k).read_name(k.machine.mem.read_ptr(drv + k.linux.layout.offset("struct device_driver", "name")))
        k.linux.pr(f"{what}: driver '{name}' is not registered", 3)
    return found


@table.service("int driver_attach(struct device_driver *drv)")
def driver_attach(k, drv: int) -> int:
    """Probe the driver with each unbound device of its bus that matches; 0 (-EINVAL for a
    driver on no registered bus, as bus_for_each_dev answers)."""
    found = _driver(k, drv, "driver_attach")
    if found is None:
        return -k.errno.EINVAL
    return model(k).attach_driver(found)


@table.service("int driver_for_each_device(struct device_driver *drv, struct device *start, void *data, "
               "int (*fn)(struct device *dev, void *))")
def driver_for_each_device(k, drv: int, start: int, data: int, fn: int) -> int:
    """fn(dev, data) for each device bound to the driver (after `start`) until one answers
    non-zero; -EINVAL for a NULL driver."""
    if not drv:
        return -k.errno.EINVAL
    found = model(k).drivers.get(drv)
    return walk(k, [d.addr for d in found.devices] if found else [], start, data, fn,
                "driver_for_each_device callback")


@table.service("struct device *bus_find_device(struct bus_type *bus, struct device *start, const void *data, "
               "int (*match)(struct device *dev, const void *data))")
def bus_find_device(k, bus: int, start: int, data: int, match: int) -> int:
    """The first device after `start` that match(dev, data) accepts, referenced; NULL if none
    (or for a NULL or unregistered bus)."""
    b = model(k).buses.get(bus)
    if not bus or b is None:
        return 0
    return find_device(k, [d.addr for d in b.devices], start, data, match, "bus_find_device match")


def find_device(k, devices: list[int], start: int, data: int, match: int, what: str) -> int:
    """The first device after `start` that match(dev, data) accepts, referenced; else NULL."""
    for dev in after(devices, start):
        if k.linux.call_kernel_pointer(match, dev, data, what=what):
            return get_device(k, dev)
    return 0


@table.service("int bus_rescan_devices(struct bus_type *bus)")
def bus_rescan_devices(k, bus: int) -> int:
    """Offer each unbound device of the bus to its drivers again; 0 (-EINVAL for no bus)."""
    b = model(k).buses.get(bus)
    if not bus or b is None:
        return -k.errno.EINVAL
    for dev in list(b.devices):
        if dev.driver is None:
            model(k).attach_device(dev)
    return 0


@table.service("int device_bind_driver(struct device *dev)")
def device_bind_driver(k, dev: int) -> int:
    """Bind a device to the driver its `driver` field names without calling probe (a class
    device device_create made, on no bus, included); -ENODEV when the field names no
    registered driver or the device is unknown."""
    m = model(k)
    if not dev:
        return -k.errno.ENODEV
    drv = m.drivers.get(k.machine.mem.read_ptr(dev + k.linux.layout.offset("struct device", "driver")))
    device = m.devices.get(dev)
    if device is None and any(d.addr == dev for d in k.linux.chrdevs.devices):
        device = m.adopt_device(dev, device_name(k, dev))
    if device is None or drv is None:
        return -k.errno.ENODEV
    if device.driver is not None:
        k.linux.pr(f"{device_name(k, dev)}: device {device_name(k, dev)} already bound", 4)
        return 0
    return m.bind_without_probe(device, drv)


@table.service("void device_release_driver(struct device *dev)")
def device_release_driver(k, dev: int) -> None:
    """Unbind the device from its driver (the bus's or driver's remove), if it has one."""
    device = model(k).devices.get(dev) if dev else None
    if device is not None and device.driver is not None:
        model(k).unbind(device)


@table.service("int i2c_for_each_dev(void *data, int (*fn)(struct device *dev, void *data))")
def i2c_for_each_dev(k, data: int, fn: int) -> int:
    """bus_for_each_dev on the I2C bus (kemu's machine has no adapters of its own)."""
    return bus_for_each_dev(k, model(k).bus_named("i2c").addr, 0, data, fn)


def _priority(k, nb: int) -> int:
    value = k.machine.mem.read_u32(nb + k.linux.layout.offset("struct notifier_block", "priority"))
    return value - (1 << 32) if value & 0x80000000 else value


@table.service("int bus_register_notifier(struct bus_type *bus, struct notifier_block *nb)", needs_call=True)
def bus_register_notifier(k, bus: int, nb: int, call=None) -> int:
    """Put nb on the bus's chain before the first block of lower priority; registering the
    same block twice is the kernel's "notifier callback already registered" WARN, -EEXIST."""
    b = model(k).buses.get(bus)
    if b is None or not nb:
        return -k.errno.EINVAL
    if nb in b.notifiers:
        fn = k.machine.mem.read_ptr(nb)
        model(k).warn(f"notifier callback {fn:#x} already registered")
        return -k.errno.EEXIST
    prio = _priority(k, nb)
    at = next((i for i, other in enumerate(b.notifiers) if _priority(k, other) < prio), len(b.notifiers))
    b.notifiers.insert(at, nb)
    module = k.loader.module_at(call.return_address) if call is not None else None
    if module is not None:
        module.on_unload(f"bus notifier {nb:#x}", lambda: nb in b.notifiers and b.notifiers.remove(nb))
    return 0


@table.service("int bus_unregister_notifier(struct bus_type *bus, struct notifier_block *nb)")
def bus_unregister_notifier(k, bus: int, nb: int) -> int:
    """Take nb off the bus's chain; -ENOENT if it is not there."""
    b = model(k).buses.get(bus)
    if b is None or nb not in b.notifiers:
        return -k.errno.ENOENT
    b.notifiers.remove(nb)
    for m in k.loader.modules:
        m.forget_undo(f"bus notifier {nb:#x}")
    return 0
