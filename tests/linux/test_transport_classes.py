"""Attribute containers and transport classes (services/transport_class.py) through their
stubs, with a container whose match() accepts every device (guest code: return 1): a
matching device gets a class device named like it, made visible by transport_add_device,
and gone with transport_remove_device/transport_destroy_device; a busy container refuses
to unregister."""
from __future__ import annotations

from kemu.os.linux.services import driver_core, transport_class

from .blk_helpers import call, off

EBUSY = 16
RETURN_1 = b"\xb8\x01\x00\x00\x00\xc3"          # mov eax, 1; ret


def new(linux, struct: str) -> int:
    return linux.kernel.heap.alloc(linux.layout.size(struct), "test", zero=True)


def transport(linux) -> tuple[int, int]:
    """A registered transport class named "tc" and a container of it matching every device."""
    mem = linux.machine.mem
    tclass, cont = new(linux, "struct transport_class"), new(linux, "struct transport_container")
    name = linux.kernel.heap.alloc(8, "test")
    mem.write(name, b"tc\0")
    cls = tclass + off(linux, "struct transport_class", "class")
    mem.write_ptr(cls + off(linux, "struct class", "name"), name)
    match = linux.machine.alloc("ktext", 16)
    mem.write(match, RETURN_1)
    mem.write_ptr(cont + off(linux, "struct attribute_container", "class"), cls)
    mem.write_ptr(cont + off(linux, "struct attribute_container", "match"), match)
    assert call(linux, "transport_class_register", tclass) == 0
    assert call(linux, "attribute_container_register", cont) == 0
    return tclass, cont


def device(linux, name: bytes) -> int:
    dev = new(linux, "struct device")
    call(linux, "device_initialize", dev)
    driver_core._set_name(linux.kernel, dev, name.decode(), None)
    return dev


def test_a_registered_container_is_on_the_list_and_unregisters_when_empty(linux):
    _, cont = transport(linux)
    assert transport_class.containers(linux.kernel).order == [cont]
    assert call(linux, "attribute_container_unregister", cont) == 0
    assert transport_class.containers(linux.kernel).order == []


def test_setup_gives_a_matching_device_a_class_device_named_like_it(linux):
    _, cont = transport(linux)
    dev = device(linux, b"host0")
    call(linux, "transport_setup_device", dev)
    [ic] = transport_class.containers(linux.kernel).classdevs[cont]
    classdev = transport_class._classdev(linux.kernel, ic)
    assert linux.machine.mem.read_ptr(classdev + off(linux, "struct device", "parent")) == dev
    assert transport_class.device_name(linux.kernel, classdev) == "host0"


def test_a_container_with_class_devices_refuses_to_unregister(linux):
    _, cont = transport(linux)
    call(linux, "transport_setup_device", device(linux, b"host0"))
    assert call(linux, "attribute_container_unregister", cont) == -EBUSY


def test_add_remove_destroy_take_the_class_device_through_sysfs_and_free_it(linux):
    _, cont = transport(linux)
    dev = device(linux, b"host0")
    before = len(linux.kernel.heap)
    call(linux, "transport_setup_device", dev)
    assert call(linux, "transport_add_device", dev) == 0
    [ic] = transport_class.containers(linux.kernel).classdevs[cont]
    assert transport_class._classdev(linux.kernel, ic) in linux.driver_model.devices
    call(linux, "transport_configure_device", dev)
    call(linux, "transport_remove_device", dev)
    assert transport_class._classdev(linux.kernel, ic) not in linux.driver_model.devices
    call(linux, "transport_destroy_device", dev)
    assert transport_class.containers(linux.kernel).classdevs[cont] == [] and len(linux.kernel.heap) == before
    assert call(linux, "attribute_container_unregister", cont) == 0


def test_transport_class_register_refuses_a_taken_name(linux):
    tclass, _ = transport(linux)
    other = new(linux, "struct transport_class")
    name_slot = off(linux, "struct class", "name")
    linux.machine.mem.write_ptr(other + name_slot, linux.machine.mem.read_ptr(tclass + name_slot))
    assert call(linux, "transport_class_register", other) == -17
