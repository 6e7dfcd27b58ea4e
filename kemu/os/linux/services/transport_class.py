"""Attribute containers and transport classes (drivers/base/attribute_container.c and
transport_class.c, 6.1): how the SCSI transports (sas, fc, iscsi, spi, srp, ata's libata)
hang per-transport class devices and attributes on a host, target or device.

* attribute_container_register puts a container on the kernel's `attribute_container_list`
  (a guest list_head, in registration order) with an empty klist of class devices;
  attribute_container_unregister refuses with -EBUSY while the klist holds any, else takes it
  off the list.
* transport_class_register / _unregister are class_register / class_unregister of the
  embedded struct class (services/corpus_common.py keeps the class registry).
* anon_transport_class_register points the container at the class, marks it
  ATTRIBUTE_CONTAINER_NO_CLASSDEVS and registers it; its setup and remove are the kernel's
  anon_transport_dummy_function, which kemu models as "anonymous" in `Containers.anon`
  (the guest's setup/remove words stay NULL, which the code below treats the same way: not
  called); unregistering a busy one is the kernel's BUG().
* transport_setup_device walks the list: for each container that has class devices and
  whose match(cont, dev) says yes, an internal_container is kzalloc'ed (klist_node, the
  container pointer, a struct device classdev: parent = get_device(dev), class = the
  container's, named like dev), the class's setup(tcont, dev, classdev) is called and the
  classdev is added to the container's klist. transport_add_device device_add's each of dev's
  classdevs with the container's attributes (grp, else attrs[]) and the transport's
  statistics group; transport_configure_device calls configure (for an anonymous container
  with a NULL classdev, as the kernel's trigger does); transport_remove_device calls remove
  and takes the classdev and its files out of sysfs; transport_destroy_device unlinks each
  classdev and drops its reference, whose release drops the parent's and frees the block.

struct internal_container is private to attribute_container.c; kemu lays it out from the
measured klist_node and struct device: node at 0, cont after it, classdev aligned after that.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kemu.kernel import KernelPanic, ServiceTable

from ..list_head import init_list, list_add_tail, list_del_init, list_empty
from . import corpus_common, driver_core
from .blkdev import warn
from .device_refs import device_initialize, device_name, get_device, put_device

table = ServiceTable("transport_class")

NO_CLASSDEVS = 0x01
AC = "struct attribute_container"


@dataclass
class Containers:
    """The kernel's attribute_container_list (guest head) and kemu's view of it."""
    head: int
    order: list[int] = field(default_factory=list)             # registered containers, in list order
    classdevs: dict[int, list[int]] = field(default_factory=dict)   # container -> its ic blocks
    anon: set[int] = field(default_factory=set)                # anonymous transport classes


def containers(k) -> Containers:
    reg = k.linux.__dict__.get("attribute_containers")
    if reg is None:
        head = k.machine.alloc("kdata", 2 * k.machine.word_size, 16)
        init_list(k, head)
        reg = k.linux.__dict__["attribute_containers"] = Containers(head)
    return reg


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _ptr(k, addr: int) -> int:
    return k.machine.mem.read_ptr(addr)


def _klist_head(k, cont: int) -> int:
    return cont + _off(k, AC, "containers") + _off(k, "struct klist", "k_list")


def _flags(k, cont: int) -> int:
    return _ptr(k, cont + _off(k, AC, "flags"))


# --- internal_container ------------------------------------------------------------------------

def _ic_layout(k) -> tuple[int, int, int]:
    """(offset of cont, offset of classdev, size) of struct internal_container."""
    lay, word = k.linux.layout, k.machine.word_size
    cont_at = lay.size("struct klist_node")
    align = lay.align("struct device")
    dev_at = -(-(cont_at + word) // align) * align
    return cont_at, dev_at, dev_at + lay.size("struct device")


def _classdev(k, ic: int) -> int:
    return ic + _ic_layout(k)[1]


def _parent(k, classdev: int) -> int:
    return _ptr(k, classdev + _off(k, "struct device", "parent"))


def _tclass(k, cont: int) -> int:
    """class_to_transport_class(cont->class): the class is the transport_class's first member."""
    return _ptr(k, cont + _off(k, AC, "class")) - _off(k, "struct transport_class", "class")


def _call_hook(k, cont: int, hook: str, dev: int, classdev: int) -> int:
    """tclass->setup/configure/remove(tcont, dev, classdev) if the class has one."""
    fn = _ptr(k, _tclass(k, cont) + _off(k, "struct transport_class", hook))
    if not fn:
        return 0
    return k.linux.call_kernel_pointer(fn, cont, dev, classdev, what=f"transport class {hook}")


def _match(k, cont: int, dev: int) -> bool:
    match = _ptr(k, cont + _off(k, AC, "match"))
    if not match:
        raise KernelPanic(f"attribute container {cont:#x} has no match function")
    return k.linux.call_kernel_pointer(match, cont, dev, what="attribute container match") != 0


def _matching(k, dev: int):
    """The registered containers, in list order, whose match accepts dev."""
    for cont in list(containers(k).order):
        if _match(k, cont, dev):
            yield cont


def _ics_of(k, cont: int, dev: int) -> list[int]:
    return [ic for ic in containers(k).classdevs.get(cont, []) if _parent(k, _classdev(k, ic)) == dev]


# --- containers --------------------------------------------------------------------------------

def container_register(k, cont: int, module) -> int:
    """attribute_container_register: INIT the node and klist, add to the list's tail."""
    reg = containers(k)
    if not cont:
        raise KernelPanic("attribute_container_register: NULL container")
    if cont in reg.order:
        warn(k, f"list_add double add: new={cont:#x}, prev={cont:#x}, next={reg.head:#x}.")
        return 0
    mem = k.machine.mem
    klist = cont + _off(k, AC, "containers")
    mem.write(klist, bytes(k.linux.layout.size("struct klist")))
    init_list(k, _klist_head(k, cont))
    list_add_tail(k, cont + _off(k, AC, "node"), reg.head)
    reg.order.append(cont)
    reg.classdevs[cont] = []
    if module is not None:
        module.on_unload(f"attribute container {cont:#x}", lambda: _drop(k, cont))
    return 0


def _drop(k, cont: int) -> None:
    reg = containers(k)
    if cont in reg.order:
        reg.order.remove(cont)
        reg.classdevs.pop(cont, None)
        list_del_init(k, cont + _off(k, AC, "node"))


def container_unregister(k, cont: int) -> int:
    """attribute_container_unregister: -EBUSY while class devices remain, else off the list."""
    reg = containers(k)
    if cont not in reg.order:
        warn(k, f"attribute_container_unregister: container {cont:#x} is not registered")
        return 0
    if reg.classdevs.get(cont) or not list_empty(k, _klist_head(k, cont)):
        return -k.errno.EBUSY
    _drop(k, cont)
    for m in k.loader.modules:
        m.forget_undo(f"attribute container {cont:#x}")
    return 0


def _module(k, call):
    return k.loader.module_at(call.return_address) if call is not None else None


@table.service("int attribute_container_register(struct attribute_container *cont)", needs_call=True)
def attribute_container_register(k, cont: int, call=None) -> int:
    """Register a container (0)."""
    return container_register(k, cont, _module(k, call))


@table.service("int attribute_container_unregister(struct attribute_container *cont)")
def attribute_container_unregister(k, cont: int) -> int:
    """Unregister an empty container; -EBUSY while it still holds class devices."""
    return container_unregister(k, cont)


# --- transport classes --------------------------------------------------------------------------

@table.service("int transport_class_register(struct transport_class *tclass)", needs_call=True)
def transport_class_register(k, tclass: int, call=None) -> int:
    """class_register of the transport class's struct class (-EEXIST for a taken name)."""
    return corpus_common.__class_register(k, tclass + _off(k, "struct transport_class", "class"), 0, call=call)


@table.service("void transport_class_unregister(struct transport_class *tclass)")
def transport_class_unregister(k, tclass: int) -> None:
    """class_unregister of the embedded class."""
    corpus_common.class_unregister(k, tclass + _off(k, "struct transport_class", "class"))


@table.service("int anon_transport_class_register(struct anon_transport_class *atc)", needs_call=True)
def anon_transport_class_register(k, atc: int, call=None) -> int:
    """An anonymous class: its container (no class devices) registered, setup/remove dummies."""
    mem = k.machine.mem
    cont = atc + _off(k, "struct anon_transport_class", "container")
    tclass = atc + _off(k, "struct anon_transport_class", "tclass")
    mem.write_ptr(cont + _off(k, AC, "class"), tclass + _off(k, "struct transport_class", "class"))
    mem.write_ptr(cont + _off(k, AC, "flags"), _flags(k, cont) | NO_CLASSDEVS)
    error = container_register(k, cont, _module(k, call))
    if error:
        return error
    for hook in ("setup", "remove"):
        mem.write_ptr(tclass + _off(k, "struct transport_class", hook), 0)
    containers(k).anon.add(tclass)
    return 0


@table.service("void anon_transport_class_unregister(struct anon_transport_class *atc)")
def anon_transport_class_unregister(k, atc: int) -> None:
    """Unregister the anonymous class's container; a busy one is the kernel's BUG()."""
    if container_unregister(k, atc + _off(k, "struct anon_transport_class", "container")):
        raise KernelPanic("kernel BUG at drivers/base/transport_class.c: anon transport class still in use")
    containers(k).anon.discard(atc + _off(k, "struct anon_transport_class", "tclass"))


# --- devices -----------------------------------------------------------------------------------

def _is_anon(k, cont: int) -> bool:
    return _tclass(k, cont) in containers(k).anon


@table.service("void transport_setup_device(struct device *dev)", needs_call=True)
def transport_setup_device(k, dev: int, call=None) -> None:
    """A class device for dev in every matching container that has them, set up by its class."""
    mem, reg = k.machine.mem, containers(k)
    cont_at, dev_at, size = _ic_layout(k)
    for cont in _matching(k, dev):
        if _flags(k, cont) & NO_CLASSDEVS:
            continue
        ic = k.heap.alloc(size, "kmalloc", zero=True, caller=call.return_address if call else None)
        mem.write_ptr(ic + cont_at, cont)
        classdev = ic + dev_at
        device_initialize(k, classdev)
        mem.write_ptr(classdev + _off(k, "struct device", "parent"), get_device(k, dev))
        mem.write_ptr(classdev + _off(k, "struct device", "class"), _ptr(k, cont + _off(k, AC, "class")))
        driver_core._set_name(k, classdev, device_name(k, dev), call.return_address if call else None)
        _call_hook(k, cont, "setup", dev, classdev)
        node = ic + _off(k, "struct klist_node", "n_node")
        mem.write_ptr(ic + _off(k, "struct klist_node", "n_klist"), cont + _off(k, AC, "containers"))
        list_add_tail(k, node, _klist_head(k, cont))
        reg.classdevs[cont].append(ic)


def _statistics(k, cont: int) -> int:
    return _ptr(k, cont + _off(k, "struct transport_container", "statistics"))


def _add_attrs(k, cont: int, classdev: int) -> int:
    """attribute_container_add_attrs: the container's group, else its NULL-ended attrs[]."""
    kobj = classdev + _off(k, "struct device", "kobj")
    grp = _ptr(k, cont + _off(k, AC, "grp"))
    if grp:
        return driver_core.create_group(k, kobj, grp)
    attrs = _ptr(k, cont + _off(k, AC, "attrs"))
    i = 0
    while attrs and (attr := _ptr(k, attrs + i * k.machine.word_size)):
        error = driver_core.device_create_file(k, classdev, attr)
        if error:
            return error
        i += 1
    return 0


def _add_classdev(k, cont: int, classdev: int, call) -> int:
    """transport_add_class_device: device_add, the container's attributes, the statistics."""
    error = driver_core.add_device(k, classdev, _module(k, call), call.return_address if call else None)
    if error:
        return error
    error = _add_attrs(k, cont, classdev)
    if not error and _statistics(k, cont):
        error = driver_core.create_group(k, classdev + _off(k, "struct device", "kobj"), _statistics(k, cont))
    if error:
        _del_classdev(k, cont, classdev)
    return error


def _del_classdev(k, cont: int, classdev: int) -> None:
    """attribute_container_class_device_del: the files and the device leave sysfs."""
    driver_core.device_del(k, classdev)


def _remove_classdev(k, cont: int, dev: int, classdev: int) -> None:
    """transport_remove_classdev: the class's remove, then (not anonymous) out of sysfs."""
    _call_hook(k, cont, "remove", dev, classdev)
    if not _is_anon(k, cont):
        if _statistics(k, cont):
            driver_core.remove_group(k, classdev + _off(k, "struct device", "kobj"), _statistics(k, cont))
        _del_classdev(k, cont, classdev)


@table.service("int transport_add_device(struct device *dev)", needs_call=True)
def transport_add_device(k, dev: int, call=None) -> int:
    """Make dev's class devices visible (attribute_container_device_trigger_safe): on an
    error the ones added so far are removed again and the error returned."""
    done: list[tuple[int, int]] = []
    for cont in _matching(k, dev):
        if _flags(k, cont) & NO_CLASSDEVS:
            continue
        for ic in _ics_of(k, cont, dev):
            error = _add_classdev(k, cont, _classdev(k, ic), call)
            if error:
                for c, cd in reversed(done):
                    _remove_classdev(k, c, dev, cd)
                return error
            done.append((cont, _classdev(k, ic)))
    return 0


def _trigger(k, dev: int, action) -> None:
    """attribute_container_device_trigger: action(cont, classdev) for dev's class devices;
    a container without class devices gets one call with NULL."""
    for cont in _matching(k, dev):
        if _flags(k, cont) & NO_CLASSDEVS:
            action(cont, 0)
            continue
        for ic in _ics_of(k, cont, dev):
            action(cont, _classdev(k, ic))


@table.service("void transport_configure_device(struct device *dev)")
def transport_configure_device(k, dev: int) -> None:
    """Each class's configure(tcont, dev, classdev)."""
    _trigger(k, dev, lambda cont, classdev: _call_hook(k, cont, "configure", dev, classdev))


@table.service("void transport_remove_device(struct device *dev)")
def transport_remove_device(k, dev: int) -> None:
    """Each class's remove, and dev's class devices leave sysfs."""
    _trigger(k, dev, lambda cont, classdev: _remove_classdev(k, cont, dev, classdev))


@table.service("void transport_destroy_device(struct device *dev)")
def transport_destroy_device(k, dev: int) -> None:
    """Unlink dev's class devices and drop their references: the last one frees the
    internal container and drops the reference it held on dev."""
    reg = containers(k)
    for cont in list(reg.order):
        if _flags(k, cont) & NO_CLASSDEVS or not _match(k, cont, dev):
            continue
        for ic in _ics_of(k, cont, dev):
            reg.classdevs[cont].remove(ic)
            list_del_init(k, ic + _off(k, "struct klist_node", "n_node"))
            if not _is_anon(k, cont):
                _put_classdev(k, ic)


def _put_classdev(k, ic: int) -> None:
    """put_device(classdev); at zero attribute_container_release: put the parent, kfree ic."""
    classdev = _classdev(k, ic)
    kref = classdev + _off(k, "struct device", "kobj") + _off(k, "struct kobject", "kref")
    put_device(k, classdev)
    if k.machine.mem.read_u32(kref) == 0:
        put_device(k, _parent(k, classdev))
        k.heap.free(ic)
