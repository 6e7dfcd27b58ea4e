"""Registering drivers and devices on the kernel's own buses (drivers/base/platform.c,
drivers/pci/pci-driver.c, drivers/i2c/i2c-core-base.c, drivers/spi/spi.c,
drivers/input/serio/serio.c, drivers/acpi/bus.c): each fills in its embedded
struct device_driver (bus, owner, name) as 6.1 does and hands it to driver_register.

Platform devices are real: platform_device_alloc makes one (the name copied behind it, the
kernel's release function), platform_device_add names it ("NAME.ID", "NAME" for
PLATFORM_DEVID_NONE, "NAME.N.auto" for PLATFORM_DEVID_AUTO) and adds it to the platform
bus, where a driver with its name (or id_table entry) is probed. The other buses have no
devices in kemu's machine: their drivers register, show in /sys/bus and are never probed,
and pci_get_device finds nothing, as on a machine without such hardware.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .device_refs import device_initialize, put_device
from .driver_core import add_device, model

table = ServiceTable("buses")

PLATFORM_DEVID_NONE = -1
PLATFORM_DEVID_AUTO = -2
RELEASE = "__kemu_platform_device_release"


def _module(k, call):
    return k.loader.module_at(call.return_address) if call is not None else None


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _err_ptr(k, errno: int) -> int:
    return (-errno) & ((1 << (8 * k.machine.word_size)) - 1)


def _bus(k, name: str) -> int:
    return model(k).bus_named(name).addr


def _register(k, drv: int, bus: str, owner: int | None, module) -> int:
    """Fill the embedded device_driver's bus (and owner) and driver_register it."""
    mem = k.machine.mem
    mem.write_ptr(drv + _off(k, "struct device_driver", "bus"), _bus(k, bus))
    if owner is not None:
        mem.write_ptr(drv + _off(k, "struct device_driver", "owner"), owner)
    return model(k).register_driver(drv, module)


def _s32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


# --- platform drivers -------------------------------------------------------------------------

def _pdrv_driver(k, drv: int) -> int:
    return drv + _off(k, "struct platform_driver", "driver")


@table.service("int __platform_driver_register(struct platform_driver *drv, struct module *owner)",
               needs_call=True)
def __platform_driver_register(k, drv: int, owner: int, call=None) -> int:
    """platform_driver_register: on the platform bus; probed with each matching device."""
    return _register(k, _pdrv_driver(k, drv), "platform", owner, _module(k, call))


@table.service("void platform_driver_unregister(struct platform_driver *drv)")
def platform_driver_unregister(k, drv: int) -> None:
    """Remove from its devices and take it off the platform bus."""
    model(k).unregister_driver(_pdrv_driver(k, drv))


@table.service("int __platform_driver_probe(struct platform_driver *drv, int (*probe)(struct platform_device *), "
               "struct module *module)", needs_call=True)
def __platform_driver_probe(k, drv: int, probe: int, owner: int, call=None) -> int:
    """platform_driver_probe: a driver for devices that exist now only; -ENODEV (and the
    driver unregistered) when none bound."""
    lay, mem = k.linux.layout, k.machine.mem
    mem.write_u8(drv + lay.offset("struct platform_driver", "prevent_deferred_probe"), 1)
    mem.write_u8(_pdrv_driver(k, drv) + lay.offset("struct device_driver", "suppress_bind_attrs"), 1)
    mem.write_ptr(drv + lay.offset("struct platform_driver", "probe"), probe)
    code = _register(k, _pdrv_driver(k, drv), "platform", owner, _module(k, call))
    if code:
        return code
    if not model(k).drivers[_pdrv_driver(k, drv)].devices:
        model(k).unregister_driver(_pdrv_driver(k, drv))
        return -k.errno.ENODEV
    return 0


@table.service("int __platform_register_drivers(struct platform_driver * const *drivers, unsigned int count, "
               "struct module *owner)", needs_call=True)
def __platform_register_drivers(k, drivers: int, count: int, owner: int, call=None) -> int:
    """platform_register_drivers: each in turn; on a failure the ones before it go again."""
    mem, word = k.machine.mem, k.machine.word_size
    for i in range(count):
        drv = mem.read_ptr(drivers + i * word)
        err = _register(k, _pdrv_driver(k, drv), "platform", owner, _module(k, call))
        if err:
            k.linux.pr(f"failed to register platform driver {_symbol(k, drv)}: {err}", 3)
            for j in reversed(range(i)):
                model(k).unregister_driver(_pdrv_driver(k, mem.read_ptr(drivers + j * word)))
            return err
    return 0


def _symbol(k, addr: int) -> str:
    """%ps of a module's object: its symbol name, else the address."""
    m = k.loader.module_at(addr)
    found = m.symbolize(addr) if m is not None else None
    if found:
        name, offset = found
        return name if not offset else f"{name}+{offset:#x}"
    return f"{addr:#x}"


@table.service("void platform_unregister_drivers(struct platform_driver * const *drivers, unsigned int count)")
def platform_unregister_drivers(k, drivers: int, count: int) -> None:
    """Unregister each, last first."""
    mem, word = k.machine.mem, k.machine.word_size
    for i in reversed(range(count)):
        model(k).unregister_driver(_pdrv_driver(k, mem.read_ptr(drivers + i * word)))


# --- platform devices -------------------------------------------------------------------------

def _pdev_dev(k, pdev: int) -> int:
    return pdev + _off(k, "struct platform_device", "dev")


@table.service("struct platform_device *platform_device_alloc(const char *name, int id)", needs_call=True)
def platform_device_alloc(k, name: int, id: int, call=None) -> int:
    """A zeroed platform device with the name copied behind it, one reference, the kernel's
    release; NULL when memory runs out."""
    lay, mem = k.linux.layout, k.machine.mem
    text = k.read_str(name, 256) if name else b""
    size = lay.size("struct platform_device")
    pdev = k.heap.alloc(size + len(text) + 1, "platform_object", zero=True,
                        caller=call.return_address if call else None)
    if not pdev:
        return 0
    mem.write(pdev + size, text + b"\0")
    mem.write_ptr(pdev + lay.offset("struct platform_device", "name"), pdev + size)
    mem.write_u32(pdev + lay.offset("struct platform_device", "id"), id & 0xFFFFFFFF)
    dev = _pdev_dev(k, pdev)
    device_initialize(k, dev)
    mem.write_ptr(dev + lay.offset("struct device", "release"), k.installed[RELEASE][1])
    return pdev


@table.service(f"void {RELEASE}(struct device *dev)")
def __kemu_platform_device_release(k, dev: int) -> None:
    """platform_device_release: free what platform_device_add_data/_resources copied, the
    driver_override and the device itself."""
    lay, mem = k.linux.layout, k.machine.mem
    pdev = dev - lay.offset("struct platform_device", "dev")
    for ptr in (mem.read_ptr(dev + lay.offset("struct device", "platform_data")),
                mem.read_ptr(pdev + lay.offset("struct platform_device", "resource")),
                mem.read_ptr(pdev + lay.offset("struct platform_device", "driver_override")),
                mem.read_ptr(pdev + lay.offset("struct platform_device", "mfd_cell"))):
        if ptr and ptr in k.heap:
            k.heap.free(ptr)
    if pdev in k.heap:
        k.heap.free(pdev)


@table.service("int platform_device_add_data(struct platform_device *pdev, const void *data, size_t size)",
               needs_call=True)
def platform_device_add_data(k, pdev: int, data: int, size: int, call=None) -> int:
    """A kmemdup of the data as dev.platform_data (the previous copy freed); -ENOMEM."""
    mem = k.machine.mem
    copy = 0
    if data:
        copy = k.heap.alloc(size, "platform_data", caller=call.return_address if call else None)
        if not copy:
            return -k.errno.ENOMEM
        mem.write(copy, mem.read(data, size))
    slot = _pdev_dev(k, pdev) + _off(k, "struct device", "platform_data")
    old = mem.read_ptr(slot)
    if old and old in k.heap:
        k.heap.free(old)
    mem.write_ptr(slot, copy)
    return 0


@table.service("int platform_device_add_resources(struct platform_device *pdev, const struct resource *res, "
               "unsigned int num)", needs_call=True)
def platform_device_add_resources(k, pdev: int, res: int, num: int, call=None) -> int:
    """A copy of the resource array as pdev->resource (the previous one freed)."""
    lay, mem = k.linux.layout, k.machine.mem
    copy = 0
    if res:
        size = lay.size("struct resource") * num
        copy = k.heap.alloc(size, "platform resources", caller=call.return_address if call else None)
        if not copy:
            return -k.errno.ENOMEM
        mem.write(copy, mem.read(res, size))
    slot = pdev + lay.offset("struct platform_device", "resource")
    old = mem.read_ptr(slot)
    if old and old in k.heap:
        k.heap.free(old)
    mem.write_ptr(slot, copy)
    mem.write_u32(pdev + lay.offset("struct platform_device", "num_resources"), num if copy else 0)
    return 0


def _auto_ids(k) -> set[int]:
    linux = k.linux
    if not hasattr(linux, "platform_auto_ids"):
        linux.platform_auto_ids = set()
    return linux.platform_auto_ids


def platform_add(k, pdev: int, module, caller: int | None) -> int:
    """platform_device_add: parent (the platform bus device), bus, name; then device_add."""
    lay, mem = k.linux.layout, k.machine.mem
    if not pdev:
        return -k.errno.EINVAL
    dev = _pdev_dev(k, pdev)
    parent = dev + lay.offset("struct device", "parent")
    if not mem.read_ptr(parent) and k.linux.data.get("platform_bus"):
        mem.write_ptr(parent, k.linux.data["platform_bus"])
    mem.write_ptr(dev + lay.offset("struct device", "bus"), _bus(k, "platform"))
    name = k.read_str(mem.read_ptr(pdev + lay.offset("struct platform_device", "name")), 256).decode(
        "utf-8", "replace")
    number = _s32(mem.read_u32(pdev + lay.offset("struct platform_device", "id")))
    auto = None
    if number == PLATFORM_DEVID_AUTO:
        auto = next(i for i in range(len(_auto_ids(k)) + 1) if i not in _auto_ids(k))
        _auto_ids(k).add(auto)
        mem.write_u32(pdev + lay.offset("struct platform_device", "id"), auto)
        mem.write_u8(pdev + lay.offset("struct platform_device", "id_auto"), 1)
        full = f"{name}.{auto}.auto"
    elif number == PLATFORM_DEVID_NONE:
        full = name
    else:
        full = f"{name}.{number}"
    from .driver_core import _set_name
    _set_name(k, dev, full, caller)
    ret = add_device(k, dev, module, caller)
    if ret and auto is not None:
        _auto_ids(k).discard(auto)
        mem.write_u32(pdev + lay.offset("struct platform_device", "id"), PLATFORM_DEVID_AUTO & 0xFFFFFFFF)
        mem.write_u8(pdev + lay.offset("struct platform_device", "id_auto"), 0)
    return ret


@table.service("int platform_device_add(struct platform_device *pdev)", needs_call=True)
def platform_device_add(k, pdev: int, call=None) -> int:
    """Add an allocated platform device: named, on the platform bus, probed by its driver."""
    return platform_add(k, pdev, _module(k, call), call.return_address if call else None)


@table.service("void platform_device_del(struct platform_device *pdev)")
def platform_device_del(k, pdev: int) -> None:
    """Unbind (the driver's remove) and take it off the bus; an automatic id is given back."""
    if not pdev or pdev > (1 << (8 * k.machine.word_size)) - 4096:
        return
    lay, mem = k.linux.layout, k.machine.mem
    if model(k).del_device(_pdev_dev(k, pdev)):
        if mem.read_u8(pdev + lay.offset("struct platform_device", "id_auto")):
            _auto_ids(k).discard(mem.read_u32(pdev + lay.offset("struct platform_device", "id")))
            mem.write_u32(pdev + lay.offset("struct platform_device", "id"), PLATFORM_DEVID_AUTO & 0xFFFFFFFF)
            mem.write_u8(pdev + lay.offset("struct platform_device", "id_auto"), 0)


@table.service("void platform_device_put(struct platform_device *pdev)")
def platform_device_put(k, pdev: int) -> None:
    """Drop a reference (NULL and error pointers ignored); the last one releases it."""
    if pdev and pdev <= (1 << (8 * k.machine.word_size)) - 4096:
        put_device(k, _pdev_dev(k, pdev))


@table.service("void platform_device_unregister(struct platform_device *pdev)")
def platform_device_unregister(k, pdev: int) -> None:
    """platform_device_del, then platform_device_put."""
    if pdev and pdev <= (1 << (8 * k.machine.word_size)) - 4096:
        platform_device_del(k, pdev)
        platform_device_put(k, pdev)


@table.service("int platform_device_register(struct platform_device *pdev)", needs_call=True)
def platform_device_register(k, pdev: int, call=None) -> int:
    """A device the module defined: device_initialize, then platform_device_add."""
    device_initialize(k, _pdev_dev(k, pdev))
    return platform_device_add(k, pdev, call=call)


@table.service("struct platform_device *platform_device_register_full("
               "const struct platform_device_info *pdevinfo)", needs_call=True)
def platform_device_register_full(k, info: int, call=None) -> int:
    """Allocate, fill from the info (parent, resources, data) and add a platform device;
    ERR_PTR on failure (the half-made device put)."""
    lay, mem = k.linux.layout, k.machine.mem

    def field(name: str) -> int:
        return info + lay.offset("struct platform_device_info", name)

    pdev = platform_device_alloc(k, mem.read_ptr(field("name")), mem.read_u32(field("id")), call=call)
    if not pdev:
        return _err_ptr(k, k.errno.ENOMEM)
    mem.write_ptr(_pdev_dev(k, pdev) + lay.offset("struct device", "parent"), mem.read_ptr(field("parent")))
    ret = platform_device_add_resources(k, pdev, mem.read_ptr(field("res")), mem.read_u32(field("num_res")),
                                        call=call)
    if not ret:
        ret = platform_device_add_data(k, pdev, mem.read_ptr(field("data")), mem.read_ptr(field("size_data")),
                                       call=call)
    if not ret:
        ret = platform_device_add(k, pdev, call=call)
    if ret:
        platform_device_put(k, pdev)
        return _err_ptr(k, -ret)
    return pdev


# --- PCI --------------------------------------------------------------------------------------

@table.service("int __pci_register_driver(struct pci_driver *drv, struct module *owner, const char *mod_name)",
               needs_call=True)
def __pci_register_driver(k, drv: int, owner: int, mod_name: int, call=None) -> int:
    """pci_register_driver: name, bus, owner, groups into the embedded driver, an empty
    dynamic-id list; no PCI device in kemu's machine, so probe is never called."""
    lay, mem, word = k.linux.layout, k.machine.mem, k.machine.word_size
    inner = drv + lay.offset("struct pci_driver", "driver")
    for src, dst in (("name", "name"), ("groups", "groups"), ("dev_groups", "dev_groups")):
        mem.write_ptr(inner + lay.offset("struct device_driver", dst),
                      mem.read_ptr(drv + lay.offset("struct pci_driver", src)))
    mem.write_ptr(inner + lay.offset("struct device_driver", "mod_name"), mod_name)
    dynids = drv + lay.offset("struct pci_driver", "dynids")
    lock = lay.size("spinlock_t")
    mem.write(dynids, bytes(lock))
    head = dynids + -(-lock // word) * word
    mem.write_ptr(head, head)
    mem.write_ptr(head + word, head)
    return _register(k, inner, "pci", owner, _module(k, call))


@table.service("void pci_unregister_driver(struct pci_driver *drv)")
def pci_unregister_driver(k, drv: int) -> None:
    """Take the driver off the PCI bus."""
    model(k).unregister_driver(drv + _off(k, "struct pci_driver", "driver"))


@table.service("struct pci_dev *pci_get_device(unsigned int vendor, unsigned int device, struct pci_dev *from)")
def pci_get_device(k, vendor: int, device: int, frm: int) -> int:
    """The next PCI device with those ids: none on kemu's machine, so NULL."""
    return 0


# --- I2C, SPI, serio, ACPI --------------------------------------------------------------------

@table.service("int i2c_register_driver(struct module *owner, struct i2c_driver *driver)", needs_call=True)
def i2c_register_driver(k, owner: int, driver: int, call=None) -> int:
    """On the I2C bus, an empty client list; no adapters in kemu's machine to detect on."""
    lay, mem, word = k.linux.layout, k.machine.mem, k.machine.word_size
    clients = driver + lay.offset("struct i2c_driver", "clients")
    mem.write_ptr(clients, clients)
    mem.write_ptr(clients + word, clients)
    return _register(k, driver + lay.offset("struct i2c_driver", "driver"), "i2c", owner, _module(k, call))


@table.service("void i2c_del_driver(struct i2c_driver *driver)")
def i2c_del_driver(k, driver: int) -> None:
    """Take the driver off the I2C bus."""
    model(k).unregister_driver(driver + _off(k, "struct i2c_driver", "driver"))


@table.service("int __spi_register_driver(struct module *owner, struct spi_driver *sdrv)", needs_call=True)
def __spi_register_driver(k, owner: int, sdrv: int, call=None) -> int:
    """On the SPI bus (spi_unregister_driver is driver_unregister, inline in spi.h)."""
    return _register(k, sdrv + _off(k, "struct spi_driver", "driver"), "spi", owner, _module(k, call))


@table.service("int __serio_register_driver(struct serio_driver *drv, struct module *owner, const char *mod_name)",
               needs_call=True)
def __serio_register_driver(k, drv: int, owner: int, mod_name: int, call=None) -> int:
    """On the serio bus; no serio ports in kemu's machine for kseriod to connect."""
    inner = drv + _off(k, "struct serio_driver", "driver")
    k.machine.mem.write_ptr(inner + _off(k, "struct device_driver", "mod_name"), mod_name)
    error = _register(k, inner, "serio", owner, _module(k, call))
    if error:
        name = model(k).read_name(k.machine.mem.read_ptr(inner + _off(k, "struct device_driver", "name")))
        k.linux.pr(f"serio: driver_register() failed for {name}, error: {error}", 3)
    return error


@table.service("void serio_unregister_driver(struct serio_driver *drv)")
def serio_unregister_driver(k, drv: int) -> None:
    """Take the driver off the serio bus (manual_bind set, as the kernel leaves it)."""
    k.machine.mem.write_u8(drv + _off(k, "struct serio_driver", "manual_bind"), 1)
    model(k).unregister_driver(drv + _off(k, "struct serio_driver", "driver"))


@table.service("int acpi_bus_register_driver(struct acpi_driver *driver)", needs_call=True)
def acpi_bus_register_driver(k, driver: int, call=None) -> int:
    """On the ACPI bus under driver->name (-ENODEV if acpi_disabled); owner from the driver."""
    lay, mem = k.linux.layout, k.machine.mem
    disabled = k.linux.data.get("acpi_disabled")
    if disabled and mem.read_u32(disabled):
        return -k.errno.ENODEV
    inner = driver + lay.offset("struct acpi_driver", "drv")
    mem.write_ptr(inner + lay.offset("struct device_driver", "name"),
                  driver + lay.offset("struct acpi_driver", "name"))
    owner = mem.read_ptr(driver + lay.offset("struct acpi_driver", "owner"))
    return _register(k, inner, "acpi", owner, _module(k, call))


@table.service("void acpi_bus_unregister_driver(struct acpi_driver *driver)")
def acpi_bus_unregister_driver(k, driver: int) -> None:
    """Take the driver off the ACPI bus."""
    model(k).unregister_driver(driver + _off(k, "struct acpi_driver", "drv"))


@table.service("void pci_dev_put(struct pci_dev *dev)")
def pci_dev_put(k, dev: int) -> None:
    """Drop a reference pci_get_* took (NULL, what kemu's pci_get_device returns, is ignored)."""
    if dev:
        put_device(k, dev + _off(k, "struct pci_dev", "dev"))


@table.service("struct pci_dev *pci_get_subsys(unsigned int vendor, unsigned int device, unsigned int ss_vendor, "
               "unsigned int ss_device, struct pci_dev *from)")
def pci_get_subsys(k, vendor: int, device: int, ss_vendor: int, ss_device: int, frm: int) -> int:
    """The next PCI device with those ids and subsystem ids: none on kemu's machine."""
    if frm:
        pci_dev_put(k, frm)
    return 0


@table.service("struct pci_dev *pci_get_class(unsigned int class, struct pci_dev *from)")
def pci_get_class(k, cls: int, frm: int) -> int:
    """The next PCI device of a class: none on kemu's machine."""
    if frm:
        pci_dev_put(k, frm)
    return 0


@table.service("struct pci_dev *pci_get_domain_bus_and_slot(int domain, unsigned int bus, unsigned int devfn)")
def pci_get_domain_bus_and_slot(k, domain: int, bus: int, devfn: int) -> int:
    """The PCI device at that address: none on kemu's machine."""
    return 0
