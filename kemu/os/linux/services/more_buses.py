"""More of the kernel's buses and bundles (drivers/base/auxiliary.c, drivers/pnp/driver.c,
drivers/tty/serdev/core.c, drivers/spi/spi-mem.c, drivers/base/platform.c, core.c, 6.1).

* the auxiliary bus: __auxiliary_driver_register names the driver "MODNAME.NAME" (or
  MODNAME), refuses one without probe or id_table (WARN, -EINVAL) and registers it; a
  device matches when its name up to the last '.' equals an id_table entry, and is probed
  with probe(auxdev, id). kemu's machine adds no auxiliary devices of its own (their parents
  are PCI functions), so only those modules add are probed;
* the PNP bus and serdev's "serial" bus: pnp_register_driver / __serdev_device_driver_register
  put the driver on its bus (serdev forces asynchronous probing). Their devices come only
  from firmware (ACPI/PNPBIOS) and from serdev controllers, of which kemu's machine has
  none: the drivers register and are never probed;
* spi_mem_driver_register_with_owner: the SPI driver gets spi-mem's probe/remove/shutdown,
  which wrap the device in a struct spi_mem (named after the device) for the driver's own;
* __platform_create_bundle: a platform device made from the driver's name with the given
  resources and data, then platform_driver_probe; undone on failure, ERR_PTR;
* __root_device_register / root_device_unregister: a device at the top of /sys/devices with
  a "module" link to its owner.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..driver_model import BusRules
from ..platform_bus import _id_table_entry
from . import buses
from .devres import _managed
from .driver_core import _set_name, device_name, device_register, device_unregister, model
from .device_refs import put_device

table = ServiceTable("more_buses")

PROBE_PREFER_ASYNCHRONOUS = 1


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _err_ptr(k, errno: int) -> int:
    return (-errno) & ((1 << (8 * k.machine.word_size)) - 1)


def _is_err(k, value: int) -> bool:
    return value > (1 << (8 * k.machine.word_size)) - 4096


def _module(k, call):
    return k.loader.module_at(call.return_address) if call is not None else None


def _kstr(k, text: str, what: str) -> int:
    data = text.encode("latin-1") + b"\0"
    addr = k.heap.alloc(len(data), what)
    k.machine.mem.write(addr, data)
    return addr


# --- the auxiliary bus --------------------------------------------------------------------------

def _aux_id(k, dev_addr: int, drv_addr: int) -> int:
    """auxiliary_match_id: the id_table entry named like the device without its ".ID"."""
    table_addr = k.machine.mem.read_ptr(drv_addr - _off(k, "struct auxiliary_driver", "driver")
                                        + _off(k, "struct auxiliary_driver", "id_table"))
    name = device_name(k, dev_addr).rsplit(".", 1)[0].encode("latin-1")
    return _id_table_entry(k.linux, table_addr, name, "struct auxiliary_device_id") if table_addr else 0


def _aux_rules(k) -> BusRules:
    linux = k.linux
    aux_off = _off(k, "struct auxiliary_device", "dev")
    drv_off = _off(k, "struct auxiliary_driver", "driver")

    def probe(bus, dev, drv) -> int:
        fn = k.machine.mem.read_ptr(drv.addr - drv_off + _off(k, "struct auxiliary_driver", "probe"))
        return linux.call_kernel_pointer(fn, dev.addr - aux_off, _aux_id(k, dev.addr, drv.addr),
                                         what=f"{drv.name}: probe")

    def remove(bus, dev, drv) -> None:
        fn = k.machine.mem.read_ptr(drv.addr - drv_off + _off(k, "struct auxiliary_driver", "remove"))
        if fn:
            linux.call_kernel_word(fn, dev.addr - aux_off, what=f"{drv.name}: remove")

    return BusRules(match=lambda bus, dev, drv: bool(_aux_id(k, dev.addr, drv.addr)), probe=probe, remove=remove)


@table.service("int __auxiliary_driver_register(struct auxiliary_driver *auxdrv, struct module *owner, "
               "const char *modname)", needs_call=True)
def __auxiliary_driver_register(k, auxdrv: int, owner: int, modname: int, call=None) -> int:
    """Name the embedded driver MODNAME.NAME and register it on the auxiliary bus."""
    mem = k.machine.mem
    bus = model(k).bus_named("auxiliary")
    if bus.rules is None or bus.rules.match is None:
        bus.rules = _aux_rules(k)
    if not mem.read_ptr(auxdrv + _off(k, "struct auxiliary_driver", "probe")) or \
            not mem.read_ptr(auxdrv + _off(k, "struct auxiliary_driver", "id_table")):
        model(k).warn("WARNING: drivers/base/auxiliary.c: auxiliary driver without probe or id_table")
        return -k.errno.EINVAL
    mod = k.read_str(modname, 256).decode("latin-1") if modname else ""
    name_ptr = mem.read_ptr(auxdrv + _off(k, "struct auxiliary_driver", "name"))
    name = f"{mod}.{k.read_str(name_ptr, 256).decode('latin-1')}" if name_ptr else mod
    drv = auxdrv + _off(k, "struct auxiliary_driver", "driver")
    mem.write_ptr(drv + _off(k, "struct device_driver", "name"), _kstr(k, name, "auxiliary driver name"))
    mem.write_ptr(drv + _off(k, "struct device_driver", "mod_name"), modname)
    ret = buses._register(k, drv, "auxiliary", owner, _module(k, call))
    if ret:
        _free_name(k, drv)
    return ret


def _free_name(k, drv: int) -> None:
    slot = drv + _off(k, "struct device_driver", "name")
    name = k.machine.mem.read_ptr(slot)
    if name and name in k.heap:
        k.heap.free(name)
    k.machine.mem.write_ptr(slot, 0)


@table.service("void auxiliary_driver_unregister(struct auxiliary_driver *auxdrv)")
def auxiliary_driver_unregister(k, auxdrv: int) -> None:
    """driver_unregister, then the kasprintf'd name is freed."""
    drv = auxdrv + _off(k, "struct auxiliary_driver", "driver")
    model(k).unregister_driver(drv)
    _free_name(k, drv)


# --- PNP and serdev -----------------------------------------------------------------------------

@table.service("int pnp_register_driver(struct pnp_driver *drv)", needs_call=True)
def pnp_register_driver(k, drv: int, call=None) -> int:
    """driver.name = drv->name, on the PNP bus (no PNP devices in kemu's machine)."""
    inner = drv + _off(k, "struct pnp_driver", "driver")
    k.machine.mem.write_ptr(inner + _off(k, "struct device_driver", "name"),
                            k.machine.mem.read_ptr(drv + _off(k, "struct pnp_driver", "name")))
    return buses._register(k, inner, "pnp", None, _module(k, call))


@table.service("void pnp_unregister_driver(struct pnp_driver *drv)")
def pnp_unregister_driver(k, drv: int) -> None:
    """Take the driver off the PNP bus."""
    model(k).unregister_driver(drv + _off(k, "struct pnp_driver", "driver"))


@table.service("int __serdev_device_driver_register(struct serdev_device_driver *sdrv, struct module *owner)",
               needs_call=True)
def __serdev_device_driver_register(k, sdrv: int, owner: int, call=None) -> int:
    """On serdev's "serial" bus, probe_type forced to PROBE_PREFER_ASYNCHRONOUS (no serdev
    controllers in kemu's machine; serdev_device_driver_unregister is driver_unregister)."""
    inner = sdrv + _off(k, "struct serdev_device_driver", "driver")
    k.machine.mem.write_u32(inner + _off(k, "struct device_driver", "probe_type"), PROBE_PREFER_ASYNCHRONOUS)
    return buses._register(k, inner, "serial", owner, _module(k, call))


# --- spi-mem ------------------------------------------------------------------------------------

def _memdrv_of(k, spi: int) -> int:
    """to_spi_mem_drv(spi->dev.driver)."""
    drv = k.machine.mem.read_ptr(spi + _off(k, "struct spi_device", "dev") + _off(k, "struct device", "driver"))
    return drv - _off(k, "struct spi_driver", "driver") - _off(k, "struct spi_mem_driver", "spidrv")


def _drvdata(k, spi: int) -> int:
    return k.machine.mem.read_ptr(spi + _off(k, "struct spi_device", "dev") + _off(k, "struct device", "driver_data"))


@table.service("int __kemu_spi_mem_probe(struct spi_device *spi)", needs_call=True)
def __kemu_spi_mem_probe(k, spi: int, call=None) -> int:
    """spi_mem_probe: a devm struct spi_mem for the device (named after it), its drvdata,
    then the spi-mem driver's probe(mem)."""
    mem = k.machine.mem
    dev = spi + _off(k, "struct spi_device", "dev")
    spimem = _managed(k, dev, k.linux.layout.size("struct spi_mem"), 0, call)
    if not spimem:
        return -k.errno.ENOMEM
    mem.write(spimem, bytes(k.linux.layout.size("struct spi_mem")))
    mem.write_ptr(spimem + _off(k, "struct spi_mem", "spi"), spi)
    mem.write_ptr(spimem + _off(k, "struct spi_mem", "name"),
                  mem.read_ptr(dev + _off(k, "struct device", "kobj") + _off(k, "struct kobject", "name")))
    mem.write_ptr(dev + _off(k, "struct device", "driver_data"), spimem)
    probe = mem.read_ptr(_memdrv_of(k, spi) + _off(k, "struct spi_mem_driver", "probe"))
    return k.linux.call_kernel_pointer(probe, spimem, what="spi-mem probe")


@table.service("void __kemu_spi_mem_remove(struct spi_device *spi)")
def __kemu_spi_mem_remove(k, spi: int) -> None:
    """spi_mem_remove: the spi-mem driver's remove(mem), if it has one."""
    fn = k.machine.mem.read_ptr(_memdrv_of(k, spi) + _off(k, "struct spi_mem_driver", "remove"))
    if fn:
        k.linux.call_kernel_word(fn, _drvdata(k, spi), what="spi-mem remove")


@table.service("void __kemu_spi_mem_shutdown(struct spi_device *spi)")
def __kemu_spi_mem_shutdown(k, spi: int) -> None:
    """spi_mem_shutdown: the spi-mem driver's shutdown(mem), if it has one."""
    fn = k.machine.mem.read_ptr(_memdrv_of(k, spi) + _off(k, "struct spi_mem_driver", "shutdown"))
    if fn:
        k.linux.call_kernel_word(fn, _drvdata(k, spi), what="spi-mem shutdown")


@table.service("int spi_mem_driver_register_with_owner(struct spi_mem_driver *memdrv, struct module *owner)",
               needs_call=True)
def spi_mem_driver_register_with_owner(k, memdrv: int, owner: int, call=None) -> int:
    """The embedded spi_driver gets spi-mem's probe/remove/shutdown, then __spi_register_driver."""
    spidrv = memdrv + _off(k, "struct spi_mem_driver", "spidrv")
    for fld, svc in (("probe", "__kemu_spi_mem_probe"), ("remove", "__kemu_spi_mem_remove"),
                     ("shutdown", "__kemu_spi_mem_shutdown")):
        k.machine.mem.write_ptr(spidrv + _off(k, "struct spi_driver", fld), k.installed[svc][1])
    return buses._register(k, spidrv + _off(k, "struct spi_driver", "driver"), "spi", owner, _module(k, call))


@table.service("void spi_mem_driver_unregister(struct spi_mem_driver *memdrv)")
def spi_mem_driver_unregister(k, memdrv: int) -> None:
    """spi_unregister_driver of the embedded spi_driver."""
    model(k).unregister_driver(memdrv + _off(k, "struct spi_mem_driver", "spidrv") + _off(k, "struct spi_driver", "driver"))


# --- platform bundles, root devices -------------------------------------------------------------

@table.service("struct platform_device *__platform_create_bundle(struct platform_driver *driver, "
               "int (*probe)(struct platform_device *), struct resource *res, unsigned int n_res, "
               "const void *data, size_t size, struct module *module)", needs_call=True)
def __platform_create_bundle(k, driver: int, probe: int, res: int, n_res: int, data: int, size: int,
                             module: int, call=None) -> int:
    """A platform device named after the driver (PLATFORM_DEVID_NONE) with the resources and
    data, added, then platform_driver_probe; on failure all undone and ERR_PTR(error)."""
    name = k.machine.mem.read_ptr(driver + _off(k, "struct platform_driver", "driver")
                                  + _off(k, "struct device_driver", "name"))
    pdev = buses.platform_device_alloc(k, name, buses.PLATFORM_DEVID_NONE & 0xFFFFFFFF, call=call)
    if not pdev:
        return _err_ptr(k, k.errno.ENOMEM)
    error = buses.platform_device_add_resources(k, pdev, res, n_res, call=call)
    if not error:
        error = buses.platform_device_add_data(k, pdev, data, size, call=call)
    if not error:
        error = buses.platform_device_add(k, pdev, call=call)
        if not error:
            error = buses.__platform_driver_probe(k, driver, probe, module, call=call)
            if not error:
                return pdev
            buses.platform_device_del(k, pdev)
    buses.platform_device_put(k, pdev)
    return _err_ptr(k, -error)


def _root_owner_slot(k, dev: int) -> int:
    """struct root_device { struct device dev; struct module *owner; } (drivers/base/core.c)."""
    word = k.machine.word_size
    return dev + -(-k.linux.layout.size("struct device") // word) * word


@table.service("void __kemu_root_device_release(struct device *dev)")
def __kemu_root_device_release(k, dev: int) -> None:
    """root_device_release: kfree the root_device."""
    if dev in k.heap:
        k.heap.free(dev)


@table.service("struct device *__root_device_register(const char *name, struct module *owner)", needs_call=True)
def __root_device_register(k, name: int, owner: int, call=None) -> int:
    """A root device /sys/devices/NAME with a "module" link to its owner; ERR_PTR on failure."""
    from .ksets import sysfs_create_link
    word = k.machine.word_size
    dev = k.heap.alloc(_root_owner_slot(k, 0) + word, "root_device", zero=True,
                       caller=call.return_address if call else None)
    if not dev:
        return _err_ptr(k, k.errno.ENOMEM)
    _set_name(k, dev, k.read_str(name, 256).decode("latin-1") if name else "", call.return_address if call else None)
    k.machine.mem.write_ptr(dev + _off(k, "struct device", "release"), k.installed["__kemu_root_device_release"][1])
    err = device_register(k, dev, call=call)
    if err:
        put_device(k, dev)
        return _err_ptr(k, -err)
    if owner:
        link = _kstr(k, "module", "link name")
        err = sysfs_create_link(k, dev + _off(k, "struct device", "kobj"),
                                owner + _off(k, "struct module", "mkobj"), link)
        k.heap.free(link)
        if err:
            device_unregister(k, dev)
            return _err_ptr(k, -err)
        k.machine.mem.write_ptr(_root_owner_slot(k, dev), owner)
    return dev


@table.service("void root_device_unregister(struct device *root)")
def root_device_unregister(k, dev: int) -> None:
    """Remove the "module" link (if it has an owner) and device_unregister."""
    from .ksets import _link_table
    if not dev or _is_err(k, dev):
        return
    if k.machine.mem.read_ptr(_root_owner_slot(k, dev)):
        _link_table(k).get(dev + _off(k, "struct device", "kobj"), {}).pop("module", None)
    device_unregister(k, dev)
