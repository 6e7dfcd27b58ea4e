"""Adding to attribute groups that exist already, and binary attributes of devices
(fs/sysfs/group.c, fs/sysfs/file.c, drivers/base/core.c, 6.1) — what usbcore does to every
USB device's "power" group.

* sysfs_merge_group(kobj, grp): grp's attributes go into the existing directory grp->name
  (-ENOENT when there is none); all or nothing. sysfs_unmerge_group takes them out.
  Every device added to the driver model has its "power" group (dpm_sysfs_add).
* sysfs_add_file_to_group / sysfs_remove_file_from_group: one attribute into (out of) a
  group's directory, or the kobject's own with a NULL group name.
* device_create_bin_file / device_remove_bin_file: a struct bin_attribute of a device,
  kept apart from the text attributes (its read/write are not show/store); -EINVAL for a
  NULL device, -EEXIST for a name taken.

Kobjects of the /sys tree have their files in kemu/os/linux/sysfs.py; those of the driver
model (devices, drivers) in driver_model.py's `files`, as services/sysfs.py hands them.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import driver_core
from . import sysfs as sysfs_services
from .driver_core import model

table = ServiceTable("group_merge")


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _name(k, ptr: int) -> str:
    return k.read_str(ptr, 256).decode("latin-1") if ptr else ""


def _is_device_kobj(k, kobj: int) -> bool:
    return kobj - _off(k, "struct device", "kobj") in model(k).devices


def _group_exists(k, kobj: int, group: str) -> bool:
    """Is there a directory `group` of the kobject (a device's "power" always is)?"""
    base = k.linux.sysfs.path_of(kobj)
    if base is not None:
        return f"{base}/{group}" in k.linux.sysfs.dirs
    return group in model(k).groups.get(kobj, set()) or (group == "power" and _is_device_kobj(k, kobj))


def _add(k, kobj: int, attr: int, group: str) -> int:
    base = k.linux.sysfs.path_of(kobj)
    if base is not None:
        return sysfs_services._create_file(k, kobj, f"{base}/{group}" if group else base, attr)
    return driver_core.create_file(k, kobj, attr, group)


def _remove(k, kobj: int, attr: int, group: str) -> None:
    base = k.linux.sysfs.path_of(kobj)
    if base is not None:
        k.linux.sysfs.remove_file(f"{base}/{group}" if group else base, sysfs_services._attr(k, attr)[0])
        return
    driver_core.remove_file(k, kobj, attr, group)


@table.service("int sysfs_merge_group(struct kobject *kobj, const struct attribute_group *grp)")
def sysfs_merge_group(k, kobj: int, grp: int) -> int:
    """Add the group's attributes to its existing directory; -ENOENT without one."""
    if not kobj or not grp:
        return -k.errno.EINVAL
    group, _, attrs = sysfs_services._group(k, grp)
    if not _group_exists(k, kobj, group):
        return -k.errno.ENOENT
    made = []
    for attr in sysfs_services._attr_list(k, attrs):
        err = _add(k, kobj, attr, group)
        if err:
            for done in made:
                _remove(k, kobj, done, group)
            return err
        made.append(attr)
    return 0


@table.service("void sysfs_unmerge_group(struct kobject *kobj, const struct attribute_group *grp)")
def sysfs_unmerge_group(k, kobj: int, grp: int) -> None:
    """Take the group's attributes out of its directory."""
    if not kobj or not grp:
        return
    group, _, attrs = sysfs_services._group(k, grp)
    for attr in sysfs_services._attr_list(k, attrs):
        _remove(k, kobj, attr, group)


@table.service("int sysfs_add_file_to_group(struct kobject *kobj, const struct attribute *attr, const char *group)")
def sysfs_add_file_to_group(k, kobj: int, attr: int, group: int) -> int:
    """One attribute into a group's directory (the kobject's own for NULL); -ENOENT."""
    name = _name(k, group)
    if name and not _group_exists(k, kobj, name):
        return -k.errno.ENOENT
    return _add(k, kobj, attr, name)


@table.service("void sysfs_remove_file_from_group(struct kobject *kobj, const struct attribute *attr, "
               "const char *group)")
def sysfs_remove_file_from_group(k, kobj: int, attr: int, group: int) -> None:
    """One attribute out of a group's directory."""
    if kobj and attr:
        _remove(k, kobj, attr, _name(k, group))


def _bin_files(k) -> dict[int, dict[str, int]]:
    m = model(k)
    if not hasattr(m, "bin_files"):
        m.bin_files = {}
    return m.bin_files


@table.service("int device_create_bin_file(struct device *dev, const struct bin_attribute *attr)")
def device_create_bin_file(k, dev: int, attr: int) -> int:
    """A binary attribute file of the device; -EINVAL for NULL, -EEXIST for a name taken."""
    if not dev or not attr:
        return -k.errno.EINVAL
    kobj = dev + _off(k, "struct device", "kobj")
    name = sysfs_services._attr(k, attr)[0]          # struct bin_attribute begins with its attribute
    files = _bin_files(k).setdefault(kobj, {})
    if name in files or name in model(k).files.get(kobj, {}):
        model(k).warn(f"sysfs: cannot create duplicate filename '/devices/{driver_core.device_name(k, dev)}/{name}'")
        return -k.errno.EEXIST
    files[name] = attr
    return 0


@table.service("void device_remove_bin_file(struct device *dev, const struct bin_attribute *attr)")
def device_remove_bin_file(k, dev: int, attr: int) -> None:
    """Remove the device's binary attribute (NULL device ignored)."""
    if dev and attr:
        _bin_files(k).get(dev + _off(k, "struct device", "kobj"), {}).pop(sysfs_services._attr(k, attr)[0], None)
