"""Input devices' allocation (drivers/input/input.c; 6.1): input_allocate_device and
input_free_device.

input_allocate_device gives a zeroed `struct input_dev` whose embedded struct device is
initialized (one reference) and named "input<N>" from a counter starting at 0, its mutex,
event lock and timer set up, and its handle and device-list nodes empty lists.
input_free_device drops that reference; the last one releases the device as
input_dev_release does: the polling, absolute-axis and event-value buffers an input
function hung on it are freed, then the struct and its name. (Registration,
input_register_device, is not kemu's yet: a device is never offered to the input handlers
of services/registries.py.) A managed device (devm_input_allocate_device) must not be freed
by hand: that is the kernel's WARN.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list
from .device_refs import device_initialize

table = ServiceTable("input_dev")

OWNED_BUFFERS = ("poller", "absinfo", "vals", "mt", "ff")


def _off(k, field: str) -> int:
    return k.linux.layout.offset("struct input_dev", field)


def _name_slot(k, dev: int) -> int:
    lay = k.linux.layout
    return dev + _off(k, "dev") + lay.offset("struct device", "kobj") + lay.offset("struct kobject", "name")


@table.service("struct input_dev *input_allocate_device(void)", needs_call=True)
def input_allocate_device(k, call=None) -> int:
    """A new input device (see the module docstring)."""
    lay, mem = k.linux.layout, k.machine.mem
    dev = k.heap.alloc(lay.size("struct input_dev"), "kmalloc", zero=True, caller=call.return_address)
    device_initialize(k, dev + _off(k, "dev"))
    init_list(k, dev + _off(k, "mutex") + lay.offset("struct mutex", "wait_list"))
    init_list(k, dev + _off(k, "h_list"))
    init_list(k, dev + _off(k, "node"))
    number = k.linux.__dict__.get("input_no", -1) + 1
    k.linux.__dict__["input_no"] = number
    name = f"input{number}".encode()
    text = k.heap.alloc(len(name) + 1, "kobject name", caller=call.return_address)
    mem.write(text, name + b"\0")
    mem.write_ptr(_name_slot(k, dev), text)
    return dev


@table.service("void input_free_device(struct input_dev *dev)")
def input_free_device(k, dev: int) -> None:
    """Drop the allocation's reference; the last frees the device (NULL: nothing)."""
    if not dev:
        return
    lay, mem = k.linux.layout, k.machine.mem
    if mem.read_u8(dev + _off(k, "devres_managed")):
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr("WARNING: input_free_device: freeing a managed (devm) input device", 4)
        k.linux.add_taint("W")
    kref = dev + _off(k, "dev") + lay.offset("struct device", "kobj") + lay.offset("struct kobject", "kref")
    count = mem.read_u32(kref)
    if count == 0 or dev not in k.heap:
        k.linux.pr(f"WARNING: input_free_device: {dev:#x} is not a live input device", 4)
        return
    mem.write_u32(kref, count - 1)
    if count > 1:
        return
    for field in OWNED_BUFFERS:
        buf = mem.read_ptr(dev + _off(k, field))
        if buf and buf in k.heap:
            k.heap.free(buf)
    name = mem.read_ptr(_name_slot(k, dev))
    if name and name in k.heap:
        k.heap.free(name)
    k.heap.free(dev)
