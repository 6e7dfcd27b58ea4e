"""The driver core's registries (drivers/base/{bus,driver,dd,core}.c): bus types, the drivers
registered on each and the devices added to each, and the binding between them.

As in Linux 6.1:

* the kernel's own buses (platform, pci, i2c, spi, serio, acpi) exist from boot; a module
  may add its own with bus_register (its `struct bus_type` gets a private part, `p`, and a
  driver registered on a bus without one is refused: "the bus was not initialized");
* a driver's name is unique on its bus (-EBUSY and "Error: Driver '%s' is already
  registered, aborting..."); registering it attaches it to every device of the bus its
  match rule accepts, and adding a device attaches it to the first matching driver;
* binding sets dev->driver and calls probe (the bus's rule decides how: the platform bus
  calls platform_driver.probe, a module's bus its bus_type.probe, else device_driver.probe);
  a failed probe unbinds again ("probe of %s failed with error %d" unless -ENODEV/-ENXIO);
* unregistering a driver calls remove for each bound device; deleting a device unbinds it.

The kernel's buses have no devices but those modules add (kemu's machine has no PCI, I2C,
SPI, serio or ACPI devices), so a PCI driver registers, is listed and is never probed —
what Linux does on a machine without the hardware. Bus-specific rules (match, probe,
remove) live with their bus (platform_bus.py); this file is the generic part. Everything a
module registers is also recorded with `module.on_unload`, so a module that forgets to
unregister does not leave the registry pointing into freed code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

#: the kernel's bus types: (exported data symbol, bus name); None: not exported, kemu
#: allocates it (acpi; auxiliary, pnp and serdev's "serial", which modules reach only
#: through their registration functions)
KERNEL_BUSES = (("platform_bus_type", "platform"), ("pci_bus_type", "pci"), ("i2c_bus_type", "i2c"),
                ("spi_bus_type", "spi"), ("serio_bus", "serio"), (None, "acpi"), (None, "auxiliary"),
                (None, "pnp"), (None, "serial"))

PRIVATE_SIZE = 64        # the opaque driver_private / subsys_private blocks (never read by modules)

#: include/linux/device/bus.h: what a bus notifier is told, and when
BUS_NOTIFY_ADD_DEVICE, BUS_NOTIFY_DEL_DEVICE, BUS_NOTIFY_REMOVED_DEVICE = 1, 2, 3
BUS_NOTIFY_BIND_DRIVER, BUS_NOTIFY_BOUND_DRIVER = 4, 5
BUS_NOTIFY_UNBIND_DRIVER, BUS_NOTIFY_UNBOUND_DRIVER, BUS_NOTIFY_DRIVER_NOT_BOUND = 6, 7, 8


@dataclass(eq=False)
class Device:
    """A device added to the driver model (struct device at `addr`)."""
    addr: int
    name: str
    bus: "Bus | None"
    module: object = None
    driver: "Driver | None" = None
    files: dict[str, int] = field(default_factory=dict)       # sysfs attribute name -> attribute


@dataclass(eq=False)
class Driver:
    """A registered driver (struct device_driver at `addr`) and the devices bound to it."""
    addr: int
    name: str
    bus: "Bus"
    module: object = None
    private: int = 0
    devices: list[Device] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)       # sysfs attribute name -> driver_attribute


@dataclass(eq=False)
class BusRules:
    """How one kind of bus matches, probes and removes (Python for the kernel's buses)."""
    match: Callable[["Bus", Device, Driver], bool] | None = None
    probe: Callable[["Bus", Device, Driver], int] | None = None
    remove: Callable[["Bus", Device, Driver], None] | None = None


@dataclass(eq=False)
class Bus:
    """A bus type (struct bus_type at `addr`) with its drivers and devices, in order."""
    addr: int
    name: str
    module: object = None
    rules: BusRules | None = None            # None: a module's bus (its bus_type's pointers)
    private: int = 0
    drivers: dict[str, Driver] = field(default_factory=dict)
    devices: list[Device] = field(default_factory=list)
    notifiers: list[int] = field(default_factory=list)    # notifier_blocks, highest priority first


class DriverModel:
    """Every bus, driver and device of one booted Linux."""

    def __init__(self, linux, platform_rules=None):
        self.linux = linux
        self.buses: dict[int, Bus] = {}
        self.drivers: dict[int, Driver] = {}
        self.devices: dict[int, Device] = {}
        self.files: dict[int, dict[str, int]] = {}    # kobject -> sysfs file name -> attribute
        self.groups: dict[int, set[str]] = {}          # kobject -> named attribute groups on it
        k, mem = linux.kernel, linux.machine.mem
        lay = linux.layout
        for symbol, name in KERNEL_BUSES:
            addr = linux.data.get(symbol) if symbol else None
            if addr is None:
                addr = linux.machine.alloc("kdata", lay.size("struct bus_type"), 64)
                mem.write(addr, bytes(lay.size("struct bus_type")))
            text = linux.machine.alloc("kdata", len(name) + 1, 8)
            mem.write(text, name.encode() + b"\0")
            mem.write_ptr(addr + lay.offset("struct bus_type", "name"), text)
            private = linux.machine.alloc("kdata", PRIVATE_SIZE, 16)
            mem.write(private, bytes(PRIVATE_SIZE))
            mem.write_ptr(addr + lay.offset("struct bus_type", "p"), private)
            self.buses[addr] = Bus(addr, name, None, BusRules(), private)
        del k
        if platform_rules is not None:
            self.set_rules("platform", platform_rules(linux))

    # --- lookups ---------------------------------------------------------------------------
    def bus_named(self, name: str) -> Bus | None:
        return next((b for b in self.buses.values() if b.name == name), None)

    def set_rules(self, bus_name: str, rules: BusRules) -> None:
        """Give a kernel bus its match/probe/remove rules (platform_bus.py does)."""
        bus = self.bus_named(bus_name)
        if bus is not None:
            bus.rules = rules

    def _off(self, struct: str, fld: str) -> int:
        return self.linux.layout.offset(struct, fld)

    def read_name(self, ptr: int) -> str:
        return self.linux.kernel.read_str(ptr, 256).decode("utf-8", "replace") if ptr else ""

    # --- messages --------------------------------------------------------------------------
    def warn(self, text: str) -> None:
        """A WARN() the core itself raises: the cut-here line, the text, taint W."""
        self.linux.pr("------------[ cut here ]------------", 4)
        self.linux.pr(text, 4)
        self.linux.add_taint("W")

    def duplicate(self, sysfs_path: str, name: str) -> int:
        """kobject_add of a name its directory already holds: sysfs's WARN, kobject's error."""
        self.warn(f"sysfs: cannot create duplicate filename '{sysfs_path}'")
        self.linux.pr(f"kobject_add_internal failed for {name} with -EEXIST, don't try to register "
                      "things with the same name in the same directory.", 3)
        return -self.linux.errno.EEXIST

    # --- buses -----------------------------------------------------------------------------
    def register_bus(self, addr: int, module) -> int:
        """bus_register: a new subsystem /sys/bus/NAME; -EEXIST when the name is taken."""
        mem, heap = self.linux.machine.mem, self.linux.kernel.heap
        name = self.read_name(mem.read_ptr(addr + self._off("struct bus_type", "name")))
        if addr in self.buses or self.bus_named(name) is not None:
            return self.duplicate(f"/bus/{name}", name)
        private = heap.alloc(PRIVATE_SIZE, "subsys_private", zero=True)
        mem.write_ptr(addr + self._off("struct bus_type", "p"), private)
        bus = self.buses[addr] = Bus(addr, name, module, None, private)
        if module is not None:
            module.on_unload(f"bus {name}", lambda: self._drop_bus(bus))
        return 0

    def unregister_bus(self, addr: int) -> None:
        """bus_unregister: the subsystem goes; its private part is freed and `p` cleared."""
        bus = self.buses.get(addr)
        if bus is None:
            name = self.read_name(self.linux.machine.mem.read_ptr(addr + self._off("struct bus_type", "name")))
            self.warn(f"bus_unregister: bus '{name}' was never registered")
            return
        self._drop_bus(bus)
        for m in self.linux.kernel.loader.modules:
            m.forget_undo(f"bus {bus.name}")

    def _drop_bus(self, bus: Bus) -> None:
        if self.buses.pop(bus.addr, None) is None:
            return
        for drv in list(bus.drivers.values()):
            self._forget_driver(drv)
        for dev in list(bus.devices):
            dev.bus = None
        bus.devices.clear()
        self.linux.machine.mem.write_ptr(bus.addr + self._off("struct bus_type", "p"), 0)
        if bus.private in self.linux.kernel.heap:
            self.linux.kernel.heap.free(bus.private)

    # --- drivers ---------------------------------------------------------------------------
    def register_driver(self, addr: int, module) -> int:
        """driver_register: refuse an uninitialised bus (-EINVAL) or a taken name (-EBUSY),
        else list the driver and attach it to the bus's matching devices."""
        linux, mem = self.linux, self.linux.machine.mem
        name = self.read_name(mem.read_ptr(addr + self._off("struct device_driver", "name")))
        bus_addr = mem.read_ptr(addr + self._off("struct device_driver", "bus"))
        bus = self.buses.get(bus_addr)
        if bus is None:
            bus_name = self.read_name(mem.read_ptr(bus_addr + self._off("struct bus_type", "name"))) \
                if bus_addr else "(null)"
            linux.pr(f"Driver '{name}' was unable to register with bus_type '{bus_name}' because the "
                     "bus was not initialized.", 3)
            return -linux.errno.EINVAL
        if bus.rules is None and self._needs_updating(bus, addr):
            linux.pr(f"Driver '{name}' needs updating - please use bus_type methods", 4)
        if name in bus.drivers:
            linux.pr(f"Error: Driver '{name}' is already registered, aborting...", 3)
            return -linux.errno.EBUSY
        private = linux.kernel.heap.alloc(PRIVATE_SIZE, "driver_private", zero=True)
        mem.write_ptr(addr + self._off("struct device_driver", "p"), private)
        drv = Driver(addr, name, bus, module, private)
        bus.drivers[name] = drv
        self.drivers[addr] = drv
        if module is not None:
            module.on_unload(f"driver {bus.name}/{name}", lambda: self._forget_driver(drv))
        for dev in list(bus.devices):
            if dev.driver is None and self.match(bus, dev, drv):
                self.bind(dev, drv)
        return 0

    def _needs_updating(self, bus: Bus, drv: int) -> bool:
        mem = self.linux.machine.mem
        return any(mem.read_ptr(bus.addr + self._off("struct bus_type", m)) and
                   mem.read_ptr(drv + self._off("struct device_driver", m))
                   for m in ("probe", "remove", "shutdown"))

    def unregister_driver(self, addr: int) -> None:
        """driver_unregister: remove from every bound device, then forget the driver; a driver
        never registered gets the kernel's "Unexpected driver unregister!" WARN."""
        drv = self.drivers.get(addr)
        if drv is None:
            self.warn("Unexpected driver unregister!")
            return
        for dev in list(drv.devices):
            self.unbind(dev)
        self._forget_driver(drv)
        if drv.module is not None:
            drv.module.forget_undo(f"driver {drv.bus.name}/{drv.name}")

    def _forget_driver(self, drv: Driver) -> None:
        if self.drivers.pop(drv.addr, None) is None:
            return
        for dev in list(drv.devices):
            dev.driver = None
            self.linux.machine.mem.write_ptr(dev.addr + self._off("struct device", "driver"), 0)
        drv.devices.clear()
        drv.bus.drivers.pop(drv.name, None)
        self.files.pop(drv.private, None)
        self.groups.pop(drv.private, None)
        self.linux.machine.mem.write_ptr(drv.addr + self._off("struct device_driver", "p"), 0)
        if drv.private in self.linux.kernel.heap:
            self.linux.kernel.heap.free(drv.private)

    def find_driver(self, name: str, bus_addr: int) -> Driver | None:
        bus = self.buses.get(bus_addr)
        return bus.drivers.get(name) if bus else None

    # --- devices ---------------------------------------------------------------------------
    def add_device(self, addr: int, name: str, module) -> int:
        """device_add's registry part: the device joins its bus (a taken name is -EEXIST) and is
        offered to the bus's drivers."""
        mem = self.linux.machine.mem
        bus = self.buses.get(mem.read_ptr(addr + self._off("struct device", "bus")))
        if addr in self.devices:
            return self.duplicate(f"/devices/{name}", name)
        if bus is not None and any(d.name == name for d in bus.devices):
            return self.duplicate(f"/bus/{bus.name}/devices/{name}", name)
        dev = Device(addr, name, bus, module)
        self.devices[addr] = dev
        if module is not None:
            module.on_unload(f"device {name} {addr:#x}", lambda: self._forget_device(dev))
        if bus is not None:
            bus.devices.append(dev)
            self.notify(bus, BUS_NOTIFY_ADD_DEVICE, dev)
            self.attach_device(dev)
        return 0

    def attach_device(self, dev: Device) -> bool:
        """__device_attach: offer an unbound device to its bus's drivers in order until one
        binds (a failed probe lets the next driver try its luck); True if one did."""
        bus = dev.bus
        if bus is None or dev.driver is not None:
            return dev.driver is not None
        for drv in list(bus.drivers.values()):
            if self.match(bus, dev, drv) and self.bind(dev, drv) == 0:
                return True
        return False

    def attach_driver(self, drv: Driver) -> int:
        """driver_attach: __driver_attach for each device of the driver's bus — an unbound
        device its match rule accepts is probed; probe errors are not the caller's (0)."""
        for dev in list(drv.bus.devices):
            if dev.driver is None and self.match(drv.bus, dev, drv):
                self.bind(dev, drv)
        return 0

    def del_device(self, addr: int) -> bool:
        """device_del's registry part: unbind, leave the bus; False if it was never added."""
        dev = self.devices.get(addr)
        if dev is None:
            return False
        bus = dev.bus
        if bus is not None:
            self.notify(bus, BUS_NOTIFY_DEL_DEVICE, dev)
        if dev.driver is not None:
            self.unbind(dev)
        self._forget_device(dev)
        if bus is not None:
            self.notify(bus, BUS_NOTIFY_REMOVED_DEVICE, dev)
        if dev.module is not None:
            dev.module.forget_undo(f"device {dev.name} {addr:#x}")
        return True

    def _forget_device(self, dev: Device) -> None:
        if self.devices.pop(dev.addr, None) is None:
            return
        if dev.driver is not None:
            dev.driver.devices.remove(dev)
            dev.driver = None
        if dev.bus is not None and dev in dev.bus.devices:
            dev.bus.devices.remove(dev)

    # --- binding ---------------------------------------------------------------------------
    def match(self, bus: Bus, dev: Device, drv: Driver) -> bool:
        """The bus's match rule: Python for the kernel's buses, bus_type.match for a module's
        (no match function matches everything)."""
        if bus.rules is not None:
            return bool(bus.rules.match(bus, dev, drv)) if bus.rules.match else False
        fn = self.linux.machine.mem.read_ptr(bus.addr + self._off("struct bus_type", "match"))
        if not fn:
            return True
        return self.linux.call_kernel_pointer(fn, dev.addr, drv.addr, what=f"{bus.name}: match") > 0

    def bind(self, dev: Device, drv: Driver) -> int:
        """really_probe: dev->driver = drv, probe; a failure unbinds and is reported."""
        linux, mem = self.linux, self.linux.machine.mem
        mem.write_ptr(dev.addr + self._off("struct device", "driver"), drv.addr)
        dev.driver = drv
        drv.devices.append(dev)
        self.notify(drv.bus, BUS_NOTIFY_BIND_DRIVER, dev)
        ret = self._call_probe(dev, drv)
        if ret == 0:
            self.notify(drv.bus, BUS_NOTIFY_BOUND_DRIVER, dev)
            return 0
        self.notify(drv.bus, BUS_NOTIFY_DRIVER_NOT_BOUND, dev)
        if ret not in (-linux.errno.ENODEV, -linux.errno.ENXIO, -linux.errno.value("EPROBE_DEFER")):
            linux.pr(f"{drv.name}: probe of {dev.name} failed with error {ret}", 4)
        drv.devices.remove(dev)
        self._release_devres(dev)
        dev.driver = None
        mem.write_ptr(dev.addr + self._off("struct device", "driver"), 0)
        return ret

    def _call_probe(self, dev: Device, drv: Driver) -> int:
        bus = drv.bus
        if bus.rules is not None:
            return bus.rules.probe(bus, dev, drv) if bus.rules.probe else 0
        mem = self.linux.machine.mem
        fn = mem.read_ptr(bus.addr + self._off("struct bus_type", "probe")) or \
            mem.read_ptr(drv.addr + self._off("struct device_driver", "probe"))
        return self.linux.call_kernel_pointer(fn, dev.addr, what=f"{drv.name}: probe") if fn else 0

    def unbind(self, dev: Device) -> None:
        """__device_release_driver: the bus's (or driver's) remove, then dev->driver = NULL."""
        drv = dev.driver
        if drv is None:
            return
        bus = dev.bus                   # a device on no bus (device_bind_driver's) has only drv->remove
        mem = self.linux.machine.mem
        if bus is not None:
            self.notify(bus, BUS_NOTIFY_UNBIND_DRIVER, dev)
        if bus is not None and bus.rules is not None:
            if bus.rules.remove:
                bus.rules.remove(bus, dev, drv)
        else:
            fn = (mem.read_ptr(bus.addr + self._off("struct bus_type", "remove")) if bus is not None else 0) or \
                mem.read_ptr(drv.addr + self._off("struct device_driver", "remove"))
            if fn:
                self.linux.call_kernel_word(fn, dev.addr, what=f"{drv.name}: remove")
        self._release_devres(dev)
        if dev in drv.devices:
            drv.devices.remove(dev)
        dev.driver = None
        mem.write_ptr(dev.addr + self._off("struct device", "driver"), 0)
        if bus is not None:
            self.notify(bus, BUS_NOTIFY_UNBOUND_DRIVER, dev)

    def bind_without_probe(self, dev: Device, drv: Driver) -> int:
        """device_bind_driver: dev->driver = drv as if probed (driver_bound: BOUND_DRIVER is
        announced); -ENODEV when the device already has a driver."""
        if dev.driver is not None:
            return -self.linux.errno.ENODEV
        self.linux.machine.mem.write_ptr(dev.addr + self._off("struct device", "driver"), drv.addr)
        dev.driver = drv
        drv.devices.append(dev)
        if dev.bus is not None:
            self.notify(dev.bus, BUS_NOTIFY_BOUND_DRIVER, dev)
        return 0

    def adopt_device(self, addr: int, name: str) -> Device:
        """A device device_create added (chardevs.py keeps it) entering the registry so a
        driver can be bound to it; it is on no bus. chardevs.py forgets it at removal."""
        dev = self.devices.get(addr)
        if dev is None:
            dev = self.devices[addr] = Device(addr, name, None)
        return dev

    def forget_device(self, addr: int) -> None:
        """Drop a device from the registry without calling the driver (device_del of a
        device on no bus leaves its driver's remove alone)."""
        dev = self.devices.get(addr)
        if dev is not None:
            self._forget_device(dev)

    # --- bus notifiers ---------------------------------------------------------------------
    def notify(self, bus: Bus, action: int, dev: Device) -> None:
        """blocking_notifier_call_chain on the bus's chain: notifier_call(nb, action, dev) for
        each block, highest priority first, until one answers with NOTIFY_STOP_MASK (0x8000)."""
        for nb in list(bus.notifiers):
            fn = self.linux.machine.mem.read_ptr(nb + self._off("struct notifier_block", "notifier_call"))
            ret = self.linux.call_kernel_pointer(fn, nb, action, dev.addr, what=f"{bus.name}: bus notifier")
            if ret & 0x8000:
                break

    def _release_devres(self, dev: Device) -> None:
        """devres_release_all: what the driver allocated with devm_* for this device goes."""
        lists = getattr(self.linux, "devres", None)
        if lists is not None:
            lists.release_all(dev.addr)

    # --- /sys/bus --------------------------------------------------------------------------
    def sys_listing(self, path: str) -> list[str] | None:
        """The names in a /sys/bus directory, or None if there is no such directory."""
        parts = [p for p in path.split("/") if p][2:]
        if not parts:
            return sorted(b.name for b in self.buses.values())
        bus = self.bus_named(parts[0])
        if bus is None:
            return None
        if len(parts) == 1:
            return ["devices", "drivers", "drivers_autoprobe", "drivers_probe", "uevent"]
        if parts[1:] == ["drivers"]:
            return sorted(bus.drivers)
        if parts[1:] == ["devices"]:
            return sorted(d.name for d in bus.devices)
        if len(parts) == 3 and parts[1] == "drivers" and parts[2] in bus.drivers:
            drv = bus.drivers[parts[2]]
            names = {"bind", "uevent", "unbind", *(d.name for d in drv.devices)}
            names.update(f.split("/")[0] for f in self.files.get(drv.private, {}))
            return sorted(names)
        if len(parts) == 3 and parts[1] == "devices":
            dev = next((d for d in bus.devices if d.name == parts[2]), None)
            if dev is not None:
                names = {"uevent", *(["driver"] if dev.driver else [])}
                names.update(f.split("/")[0] for f in self.files.get(self._kobj(dev), {}))
                return sorted(names)
        return None

    def _kobj(self, dev: Device) -> int:
        return dev.addr + self._off("struct device", "kobj")

    def sys_read(self, path: str) -> str | None:
        """The text of a file under /sys/bus: a driver's or device's attribute (its show()
        writes into a page), a device's uevent; None if there is no such file."""
        parts = [p for p in path.split("/") if p][2:]
        if len(parts) < 4:
            return None
        bus = self.bus_named(parts[0])
        if bus is None:
            return None
        rest = "/".join(parts[3:])
        if parts[1] == "drivers" and parts[2] in bus.drivers:
            drv = bus.drivers[parts[2]]
            attr = self.files.get(drv.private, {}).get(rest)
            if attr is None:
                return None
            return self._show(attr, "struct driver_attribute", drv.addr)
        if parts[1] == "devices":
            dev = next((d for d in bus.devices if d.name == parts[2]), None)
            if dev is None:
                return None
            if rest == "uevent":
                lines = [f"DRIVER={dev.driver.name}"] if dev.driver else []
                if bus.name == "platform":
                    pdev = dev.addr - self._off("struct platform_device", "dev")
                    name = self.read_name(self.linux.machine.mem.read_ptr(
                        pdev + self._off("struct platform_device", "name")))
                    lines.append(f"MODALIAS=platform:{name}")
                return "".join(line + "\n" for line in lines)
            attr = self.files.get(self._kobj(dev), {}).get(rest)
            if attr is None:
                return None
            return self._show(attr, "struct device_attribute", dev.addr, attr)
        return None

    def _show(self, attr: int, struct: str, *args: int) -> str:
        """Call an attribute's show() with a page-sized kernel buffer; its text (empty when
        it has none or fails)."""
        linux = self.linux
        show = linux.machine.mem.read_ptr(attr + self._off(struct, "show"))
        if not show:
            return ""
        page = linux.kernel.heap.alloc(4096, "sysfs page", zero=True)
        try:
            n = linux.call_kernel_pointer(show, *args, page, what="sysfs show")
            return linux.machine.mem.read(page, n).decode("latin-1") if 0 < n <= 4096 else ""
        finally:
            linux.kernel.heap.free(page)
