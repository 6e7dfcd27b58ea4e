"""Smaller device calls of the driver core (drivers/base/power/wakeup.c,
drivers/base/{component,core}.c, fs/char_dev.c, drivers/acpi/property.c, drivers/gpio/
gpiolib-devres.c, drivers/base/regmap/regmap.c, 6.1).

* device_set_wakeup_capable: dev->power.can_wakeup (the first bit-field after the
  4-byte power_state, before driver_flags).
* component_add / component_del: the component joins the global list; no aggregate
  driver (component_master_add_with_match) exists to bind it, so 0; a component still
  listed when its module goes is dropped.
* device_set_of_node_from_dev, set_primary_fwnode, is_acpi_device_node: the of_node and
  fwnode pointers of struct device as the kernel moves them (kemu's machine has no device
  tree and no ACPI namespace: of_node is NULL, no fwnode has the ACPI device ops).
* dev_get_regmap: the regmap a regmap service attached to the device under that name,
  else NULL (kemu has no regmap service yet: always NULL).
* devm_gpiod_get_optional: no GPIO lookup tables or firmware nodes, so gpiod_get's -ENOENT,
  which the _optional variant turns into NULL.
* cdev_device_add / cdev_device_del: cdev_add of the device's number (when it has one),
  then device_add, with the /dev node devtmpfs would make; undone in reverse order.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .chrdev import MINORBITS, MINORMASK, cdev_add, cdev_del
from .driver_core import add_device, device_del, device_name, model
from .ksets import kdata_zeroed

table = ServiceTable("device_misc")

def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _warn(k, text: str) -> None:
    model(k).warn(text)


# --- wakeup, components -------------------------------------------------------------------------

@table.service("void device_set_wakeup_capable(struct device *dev, bool capable)")
def device_set_wakeup_capable(k, dev: int, capable: int) -> None:
    """Set or clear dev->power.can_wakeup."""
    at = dev + _off(k, "struct device", "power") + _off(k, "struct dev_pm_info", "driver_flags") - 4
    word = k.machine.mem.read_u32(at) & ~1
    k.machine.mem.write_u32(at, word | int(bool(capable & 0xFF)))


def _components(k) -> list:
    linux = k.linux
    if not hasattr(linux, "components"):
        linux.components = []               # (dev, ops, subcomponent), in order
    return linux.components


@table.service("int component_add(struct device *dev, const struct component_ops *ops)", needs_call=True)
def component_add(k, dev: int, ops: int, call=None) -> int:
    """List the component; no aggregate driver is waiting for it in kemu, so 0."""
    entry = (dev, ops, 0)
    comps = _components(k)
    comps.append(entry)
    module = k.loader.module_at(call.return_address) if call is not None else None
    if module is not None:
        module.on_unload(f"component {dev:#x}", lambda: entry in comps and comps.remove(entry))
    return 0


@table.service("void component_del(struct device *dev, const struct component_ops *ops)")
def component_del(k, dev: int, ops: int) -> None:
    """Take the component off the list (WARN if it is not there)."""
    comps = _components(k)
    entry = next((c for c in comps if c[0] == dev and c[1] == ops), None)
    if entry is None:
        _warn(k, "WARNING: component_del: component not found")
        return
    comps.remove(entry)
    for m in k.loader.modules:
        m.forget_undo(f"component {dev:#x}")


# --- firmware nodes -----------------------------------------------------------------------------

@table.service("void device_set_of_node_from_dev(struct device *dev, const struct device *dev2)")
def device_set_of_node_from_dev(k, dev: int, dev2: int) -> None:
    """dev->of_node = dev2->of_node (of_node_get/put: no device tree in kemu, so no counts)."""
    slot = _off(k, "struct device", "of_node")
    k.machine.mem.write_ptr(dev + slot, k.machine.mem.read_ptr(dev2 + slot))


def _is_err_or_null(k, value: int) -> bool:
    return not value or value > (1 << (8 * k.machine.word_size)) - 4096


def _fwnode_is_primary(k, fn: int) -> bool:
    """A node is a primary unless its secondary field holds an error pointer (a secondary's
    is ERR_PTR(-ENODEV))."""
    if not fn:
        return False
    secondary = k.machine.mem.read_ptr(fn + _off(k, "struct fwnode_handle", "secondary"))
    return not (secondary and _is_err_or_null(k, secondary))


@table.service("void set_primary_fwnode(struct device *dev, struct fwnode_handle *fwnode)")
def set_primary_fwnode(k, dev: int, fwnode: int) -> None:
    """Make fwnode the device's primary node, the old primary's secondary becoming its
    secondary; NULL drops the primary (the secondary, if any, takes its place)."""
    mem = k.machine.mem
    sec = _off(k, "struct fwnode_handle", "secondary")
    slot = dev + _off(k, "struct device", "fwnode")
    fn = mem.read_ptr(slot)
    if fwnode:
        if _fwnode_is_primary(k, fn):
            fn = mem.read_ptr(fn + sec)
        if fn:
            if mem.read_ptr(fwnode + sec):
                _warn(k, "WARNING: set_primary_fwnode: fwnode already has a secondary")
            mem.write_ptr(fwnode + sec, fn)
        mem.write_ptr(slot, fwnode)
        return
    if _fwnode_is_primary(k, fn):
        mem.write_ptr(slot, mem.read_ptr(fn + sec))
        parent = mem.read_ptr(dev + _off(k, "struct device", "parent"))
        if not (parent and fn == mem.read_ptr(parent + _off(k, "struct device", "fwnode"))):
            mem.write_ptr(fn + sec, 0)
    else:
        mem.write_ptr(slot, 0)


def acpi_device_fwnode_ops(k) -> int:
    """&acpi_device_fwnode_ops: the kernel's if exported, else one kemu keeps for it."""
    linux = k.linux
    if not getattr(linux, "acpi_device_fwnode_ops", 0):
        addr = linux.data.get("acpi_device_fwnode_ops")
        if addr is None:
            addr = kdata_zeroed(k, 16 * k.machine.word_size)
        linux.acpi_device_fwnode_ops = addr
    return linux.acpi_device_fwnode_ops


@table.service("bool is_acpi_device_node(const struct fwnode_handle *fwnode)")
def is_acpi_device_node(k, fwnode: int) -> int:
    """Is the node an ACPI device's (its ops the ACPI device ops)?"""
    if _is_err_or_null(k, fwnode):
        return 0
    ops = k.machine.mem.read_ptr(fwnode + _off(k, "struct fwnode_handle", "ops"))
    return int(ops == acpi_device_fwnode_ops(k))


# --- regmap, GPIO -------------------------------------------------------------------------------

def regmaps(k) -> dict:
    """device -> [(name or None, struct regmap *)]: filled by a regmap service."""
    linux = k.linux
    if not hasattr(linux, "regmaps"):
        linux.regmaps = {}
    return linux.regmaps


@table.service("struct regmap *dev_get_regmap(struct device *dev, const char *name)")
def dev_get_regmap(k, dev: int, name: int) -> int:
    """The device's regmap of that name (NULL name: any), or NULL."""
    wanted = k.read_str(name, 256).decode("latin-1") if name else None
    for map_name, regmap in regmaps(k).get(dev, []):
        if wanted is None or map_name == wanted:
            return regmap
    return 0


@table.service("struct gpio_desc *devm_gpiod_get_optional(struct device *dev, const char *con_id, "
               "enum gpiod_flags flags)")
def devm_gpiod_get_optional(k, dev: int, con_id: int, flags: int) -> int:
    """No GPIO for the device anywhere (no lookup table, no firmware node): NULL."""
    return 0


# --- char devices with their device -------------------------------------------------------------

def _devt(k, dev: int) -> int:
    return k.machine.mem.read_u32(dev + _off(k, "struct device", "devt"))


def _node(k, dev: int) -> str:
    return "/dev/" + device_name(k, dev).replace("!", "/")


@table.service("int cdev_device_add(struct cdev *cdev, struct device *dev)", needs_call=True)
def cdev_device_add(k, cdev: int, dev: int, call=None) -> int:
    """cdev_add for the device's number (if it has one), then device_add and its /dev node;
    the cdev is deleted again if device_add fails."""
    devt = _devt(k, dev)
    if devt:
        k.machine.mem.write_ptr(cdev + _off(k, "struct cdev", "kobj") + _off(k, "struct kobject", "parent"),
                                dev + _off(k, "struct device", "kobj"))
        rc = cdev_add(k, cdev, devt, 1, call=call)
        if rc:
            return rc
    module = k.loader.module_at(call.return_address) if call is not None else None
    rc = add_device(k, dev, module, call.return_address if call else None)
    if rc:
        if devt:
            cdev_del(k, cdev)
        return rc
    if devt and k.devfs.lookup(_node(k, dev)) is None:
        k.devfs.mknod(_node(k, dev), "c", devt >> MINORBITS, devt & MINORMASK, 0o600)
    return 0


@table.service("void cdev_device_del(struct cdev *cdev, struct device *dev)")
def cdev_device_del(k, cdev: int, dev: int) -> None:
    """device_del (its /dev node goes), then cdev_del if it had a number."""
    devt = _devt(k, dev)
    node = _node(k, dev)
    device_del(k, dev)
    if devt:
        if k.devfs.lookup(node) is not None:
            k.devfs.unlink(node)
        cdev_del(k, cdev)
