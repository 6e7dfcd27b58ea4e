"""dev_printk and friends (drivers/base/core.c, lib/dynamic_debug.c): driver messages that
name the device they are about.

Linux 6.1 prints `"<driver> <device>: <message>"` where <driver> is dev_driver_string(dev)
(the bound driver's name, else the bus's, else the class's, else "") and <device> is
dev_name(dev) (the kobject's name, else init_name before device_add). A NULL device prints
`"(NULL device *): <message>"`. __dynamic_dev_dbg is a dev_dbg site whose dynamic-debug
switch is on: the same line at KERN_DEBUG (dmesg only, below the console level).

Layouts: struct device and struct kobject offsets come from the measured layout tables;
`name` is the first member of struct device_driver, struct bus_type and struct class in
6.1 (include/linux/device/{driver,bus,class}.h), so a name is read at offset 0 of each.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .printk import split_level

table = ServiceTable("dev_printk")

KERN_EMERG, KERN_ALERT, KERN_CRIT, KERN_ERR, KERN_WARNING, KERN_NOTICE, KERN_INFO, KERN_DEBUG = range(8)


def _name_at(k, struct_ptr: int) -> str:
    """The `const char *name` member at offset 0 of a driver, bus type or class."""
    name = k.machine.mem.read_ptr(struct_ptr)
    return k.read_str(name).decode("utf-8", "replace") if name else ""


def dev_name(k, dev: int) -> str:
    """dev_name(): kobject name once the device is named, else its init_name."""
    lay, mem = k.linux.layout, k.machine.mem
    name = mem.read_ptr(dev + lay.offset("struct device", "kobj") + lay.offset("struct kobject", "name"))
    if not name:
        name = mem.read_ptr(dev + lay.offset("struct device", "init_name"))
    return k.read_str(name).decode("utf-8", "replace") if name else ""


def dev_driver_string(k, dev: int) -> str:
    """dev_driver_string(): the bound driver's name, else the bus's, else the class's."""
    lay, mem = k.linux.layout, k.machine.mem
    for field in ("driver", "bus", "class"):
        ptr = mem.read_ptr(dev + lay.offset("struct device", field))
        if ptr:
            return _name_at(k, ptr)
    return ""


def emit(k, level: int, dev: int, fmt: int, args) -> None:
    """__dev_printk(): prefix the formatted message with the driver and device names."""
    msg_level, cont, text = split_level(k.linux.format(fmt, args))
    message = text.decode("utf-8", "replace")
    if dev:
        line = f"{dev_driver_string(k, dev)} {dev_name(k, dev)}: {message}"
    else:
        line = f"(NULL device *): {message}"
    k.linux.log(line, level if msg_level is None else msg_level)


def _level_service(name: str, level: int):
    @table.service(f"void {name}(const struct device *dev, const char *fmt, ...)")
    def service(k, dev: int, fmt: int, args) -> None:
        emit(k, level, dev, fmt, args)
    service.__doc__ = f"dev_{name[5:]}(): a device message at level {level}."
    return service


for _name, _level in (("_dev_emerg", KERN_EMERG), ("_dev_alert", KERN_ALERT), ("_dev_crit", KERN_CRIT),
                      ("_dev_err", KERN_ERR), ("_dev_warn", KERN_WARNING), ("_dev_notice", KERN_NOTICE),
                      ("_dev_info", KERN_INFO)):
    _level_service(_name, _level)


@table.service("void _dev_printk(const char *level, const struct device *dev, const char *fmt, ...)")
def _dev_printk(k, level: int, dev: int, fmt: int, args) -> None:
    """dev_printk(KERN_x, dev, ...): the level is a KERN_SOH string such as "\\0013"."""
    lvl, _, _ = split_level(k.read_str(level)) if level else (None, False, b"")
    emit(k, KERN_WARNING if lvl is None else lvl, dev, fmt, args)


@table.service("void __dynamic_dev_dbg(struct _ddebug *descriptor, const struct device *dev, const char *fmt, ...)")
def __dynamic_dev_dbg(k, descriptor: int, dev: int, fmt: int, args) -> None:
    """An enabled dev_dbg site: the device message at KERN_DEBUG."""
    emit(k, KERN_DEBUG, dev, fmt, args)
