"""The platform bus's rules (drivers/base/platform.c): how a platform driver is matched with
a platform device, probed and removed.

* match (platform_match): a device's driver_override names the one driver it takes; else
  (no device tree or ACPI companions in kemu's machine) the driver's id_table, whose entry
  with the device's name becomes pdev->id_entry; else the driver's name equals the device's;
* probe (platform_probe): platform_driver.probe(pdev); a driver that set
  prevent_deferred_probe gets -EPROBE_DEFER turned into -ENXIO with "probe deferral not
  supported";
* remove (platform_remove): remove_new, else remove, whose non-zero return is only
  warned about ("remove callback returned a non-zero value. This will be ignored.").

Offsets of struct platform_device / platform_driver / platform_device_id are measured.
"""
from __future__ import annotations

from .driver_model import Bus, BusRules, Device, Driver


def pdev_of(linux, dev: int) -> int:
    """to_platform_device: the struct platform_device around an embedded struct device."""
    return dev - linux.layout.offset("struct platform_device", "dev")


def pdrv_of(linux, drv: int) -> int:
    """to_platform_driver: the struct platform_driver around an embedded device_driver."""
    return drv - linux.layout.offset("struct platform_driver", "driver")


def _id_table_entry(linux, table: int, name: bytes, struct: str = "struct platform_device_id") -> int:
    """platform_match_id (and auxiliary_match_id, with struct auxiliary_device_id): the
    id_table entry named `name` (the table ends at an empty name)."""
    lay, mem = linux.layout, linux.machine.mem
    size = lay.size(struct)
    width = lay.field_size(struct, "name")
    entry = table
    while True:
        raw = mem.read(entry + lay.offset(struct, "name"), width)
        entry_name = raw.split(b"\0", 1)[0]
        if not entry_name:
            return 0
        if entry_name == name:
            return entry
        entry += size


def platform_match(linux, bus: Bus, dev: Device, drv: Driver) -> bool:
    lay, mem, k = linux.layout, linux.machine.mem, linux.kernel
    pdev, pdrv = pdev_of(linux, dev.addr), pdrv_of(linux, drv.addr)
    override = mem.read_ptr(pdev + lay.offset("struct platform_device", "driver_override"))
    if override:
        return k.read_str(override, 256).decode("utf-8", "replace") == drv.name
    name_ptr = mem.read_ptr(pdev + lay.offset("struct platform_device", "name"))
    name = k.read_str(name_ptr, 256) if name_ptr else b""
    table = mem.read_ptr(pdrv + lay.offset("struct platform_driver", "id_table"))
    if table:
        entry = _id_table_entry(linux, table, name)
        if entry:
            mem.write_ptr(pdev + lay.offset("struct platform_device", "id_entry"), entry)
        return bool(entry)
    return name.decode("utf-8", "replace") == drv.name


def platform_probe(linux, bus: Bus, dev: Device, drv: Driver) -> int:
    lay, mem = linux.layout, linux.machine.mem
    pdrv = pdrv_of(linux, drv.addr)
    probe = mem.read_ptr(pdrv + lay.offset("struct platform_driver", "probe"))
    ret = linux.call_kernel_pointer(probe, pdev_of(linux, dev.addr), what=f"{drv.name}: probe") if probe else 0
    if ret == -linux.errno.value("EPROBE_DEFER") and \
            mem.read_u8(pdrv + lay.offset("struct platform_driver", "prevent_deferred_probe")):
        linux.pr(f"{drv.name} {dev.name}: probe deferral not supported", 4)
        ret = -linux.errno.ENXIO
    return ret


def platform_remove(linux, bus: Bus, dev: Device, drv: Driver) -> None:
    lay, mem = linux.layout, linux.machine.mem
    pdrv, pdev = pdrv_of(linux, drv.addr), pdev_of(linux, dev.addr)
    remove_new = mem.read_ptr(pdrv + lay.offset("struct platform_driver", "remove_new"))
    remove = mem.read_ptr(pdrv + lay.offset("struct platform_driver", "remove"))
    if remove_new:
        linux.call_kernel_word(remove_new, pdev, what=f"{drv.name}: remove")
    elif remove:
        if linux.call_kernel_pointer(remove, pdev, what=f"{drv.name}: remove"):
            linux.pr(f"{drv.name} {dev.name}: remove callback returned a non-zero value. "
                     "This will be ignored.", 4)


def platform_rules(linux) -> BusRules:
    """The platform bus's rules, bound to one booted Linux."""
    return BusRules(match=lambda b, d, r: platform_match(linux, b, d, r),
                    probe=lambda b, d, r: platform_probe(linux, b, d, r),
                    remove=lambda b, d, r: platform_remove(linux, b, d, r))
