"""Power capping control types (drivers/powercap/powercap_sys.c, 6.1): a driver such as
intel_rapl_msr registers a control type ("intel-rapl") as a device of the powercap class,
then hangs its power zones under it.

* powercap_register_control_type(ct, name, ops): NULL name -EINVAL; a caller-provided
  struct needs ops with a release callback (-EINVAL), and is zeroed; with NULL the struct is
  kzalloc'd and marked `allocated`. Its device (class powercap, named `name`) is registered,
  it goes on the kernel's list of control types, and it is returned (an ERR_PTR on failure).
* powercap_unregister_control_type: -EINVAL while zones are still registered (nr_zones),
  -ENODEV for one not on the list; else it leaves the list and its device is unregistered;
  the last reference runs the class release (powercap_release): kfree for an allocated
  struct, else ops->release.
A control type its module leaves registered is taken off the list at unload and reported.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

from ..registry import Registry
from .device_refs import _kref, _name_slot, device_initialize, put_device
from .driver_core import device_add, device_unregister
from .memory import GFP_ZERO, _alloc
from .owner import owning_module

table = ServiceTable("powercap")

STRUCT = "struct powercap_control_type"


def _off(k, field: str, struct: str = STRUCT) -> int:
    return k.linux.layout.offset(struct, field)


def control_types(k) -> Registry:
    """powercap_cntrl_list, named by the control type's device name."""
    reg = k.linux.__dict__.get("powercap_control_types")
    if reg is None:
        def name(ct: int) -> str:
            ptr = k.machine.mem.read_ptr(_name_slot(k, ct + _off(k, "dev")))
            return k.read_str(ptr, 128).decode("latin-1") if ptr else ""
        reg = k.linux.powercap_control_types = Registry(k, "powercap control type", STRUCT, "node", name)
    return reg


def powercap_class(k) -> int:
    """The built-in struct class "powercap" devices of this class point at."""
    cls = k.linux.__dict__.get("powercap_class")
    if cls is None:
        size = k.linux.layout.size("struct class")
        cls = k.machine.alloc("kdata", size + 16, 16)
        k.machine.mem.write(cls, bytes(size) + b"powercap".ljust(16, b"\0"))
        k.machine.mem.write_ptr(cls + k.linux.layout.offset("struct class", "name"), cls + size)
        k.linux.powercap_class = cls
    return cls


def _err(k, errno: int) -> int:
    return (-errno) & ((1 << (8 * k.machine.word_size)) - 1)


@table.service("struct powercap_control_type *powercap_register_control_type("
               "struct powercap_control_type *control_type, const char *name, "
               "const struct powercap_control_type_ops *ops)", needs_call=True)
def powercap_register_control_type(k, ct: int, name: int, ops: int, call=None) -> int:
    """Register a control type (see the module docstring); the struct or an ERR_PTR."""
    mem, lay = k.machine.mem, k.linux.layout
    if not name:
        return _err(k, k.linux.errno.EINVAL)
    size = lay.size(STRUCT)
    if ct:
        if not ops or not mem.read_ptr(ops + _off(k, "release", "struct powercap_control_type_ops")):
            return _err(k, k.linux.errno.EINVAL)
        mem.write(ct, bytes(size))
    else:
        ct = _alloc(k, size, GFP_ZERO, "kmalloc", call)
        if not ct:
            return _err(k, k.linux.errno.ENOMEM)
        mem.write_int(ct + _off(k, "allocated"), 1, 1)
    mem.write_ptr(ct + _off(k, "ops"), ops)
    node = ct + _off(k, "node")
    mem.write_ptr(node, node)
    mem.write_ptr(node + k.machine.word_size, node)
    dev = ct + _off(k, "dev")
    mem.write_ptr(dev + lay.offset("struct device", "class"), powercap_class(k))
    text = k.read_str(name, 128)
    label = k.heap.alloc(len(text) + 1, "kobject name", caller=call.return_address)
    mem.write(label, text + b"\0")
    device_initialize(k, dev)
    mem.write_ptr(_name_slot(k, dev), label)
    err = device_add(k, dev, call=call)
    if err:
        put_device(k, dev)
        _release(k, ct)
        return _err(k, -err)
    control_types(k).add(ct, owning_module(k, call))
    return ct


def _release(k, ct: int) -> None:
    """powercap_release for a control type whose device lost its last reference."""
    mem = k.machine.mem
    if mem.read_u32(_kref(k, ct + _off(k, "dev"))):
        return
    if mem.read_int(ct + _off(k, "allocated"), 1):
        k.heap.free(ct)
        return
    ops = mem.read_ptr(ct + _off(k, "ops"))
    release = mem.read_ptr(ops + _off(k, "release", "struct powercap_control_type_ops")) if ops else 0
    if release:
        k.linux.call_kernel_word(release, ct, what="powercap control type release")


@table.service("int powercap_unregister_control_type(struct powercap_control_type *instance)")
def powercap_unregister_control_type(k, ct: int) -> int:
    """Unregister a control type: -EINVAL with zones left, -ENODEV if not registered."""
    if ct < 4096:
        raise KernelPanic(f"BUG: kernel NULL pointer dereference, address: {ct:#x} "
                          "(powercap_unregister_control_type)")
    if k.machine.mem.read_u32(ct + _off(k, "nr_zones")):
        k.linux.pr("powercap: Zones of this type still not freed", 3)
        return -k.linux.errno.EINVAL
    if not control_types(k).remove(ct):
        return -k.linux.errno.ENODEV
    device_unregister(k, ct + _off(k, "dev"))
    _release(k, ct)
    return 0
