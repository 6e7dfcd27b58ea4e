"""The ACPI tables and namespace as modules query them (ACPICA's tbxface.c, nsxfeval.c,
nsxfname.c, evxfregn.c; drivers/acpi/{glue,ec,osi,osl}.c and x86/utils.c in Linux 6.1).

kemu's machine runs with ACPI enabled (acpi_disabled is 0, the acpi bus exists) but carries
no firmware tables and runs no AML: the table manager is empty and the namespace holds only
its root (`Namespace`; ACPICA's predefined scopes \\_SB_, \\_TZ_ … and a DSDT's devices are
not modelled, so the ACPI bus has no devices either). There is no embedded controller (q35
has none).

* acpi_get_table(sig, instance, &table): AE_BAD_PARAMETER without a signature or out
  pointer, else `*table` = NULL and AE_NOT_FOUND for any table kemu does not have (all);
* acpi_walk_namespace / acpi_get_devices: the callbacks run for each matching object below
  the start node, depth first, to max_depth (an unknown type, max_depth 0, no callback:
  AE_BAD_PARAMETER; a handle that is not a node: AE_BAD_PARAMETER); here nothing is below;
* acpi_get_handle(parent, path, &h): "\\" is the root; other paths are looked up
  (AE_NOT_FOUND); a relative path without parent is AE_BAD_PARAMETER; acpi_has_method is
  its success; acpi_dev_present(hid, uid, hrv): a device with that _HID is present: none;
* acpi_install_address_space_handler / acpi_remove_address_space_handler: one handler per
  (node, space id), AE_ALREADY_EXISTS for a second, AE_NOT_EXIST removing one not there; a
  module's handlers go when it goes;
* register_acpi_bus_type / unregister_acpi_bus_type (glue.c): a type with match and
  find_companion joins bus_type_list ("ACPI: bus type NAME registered"), else -ENODEV;
* acpi_osi_is_win8: whether the firmware asked _OSI("Windows 2012") or later: no AML ran,
  false; acpi_resources_are_enforced: acpi_enforce_resources is "strict" by default, true;
  acpi_quirk_skip_acpi_ac_and_battery: the quirk applies to a list of x86 Android tablets
  matched by DMI: this machine is not one;
* ec_read / ec_write: -ENODEV, no embedded controller.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..kernel_state import state
from ..list_head import init_list, list_add_tail, list_del_init
from .dmi import FIELD, dmi

#: ACPICA's typedefs (include/acpi/actypes.h): acpi_status/acpi_object_type are u32,
#: acpi_adr_space_type u8, handles, strings and callbacks pointers
ACPI_TYPEDEFS = {"acpi_status": (4, 4, False, False), "acpi_object_type": (4, 4, False, False),
                 "acpi_adr_space_type": (1, 1, False, False), "acpi_handle": (4, 8, False, True),
                 "acpi_string": (4, 8, False, True), "acpi_walk_callback": (4, 8, False, True),
                 "acpi_adr_space_handler": (4, 8, False, True), "acpi_adr_space_setup": (4, 8, False, True)}
table = ServiceTable("acpi_namespace", ACPI_TYPEDEFS)

AE_OK, AE_NOT_FOUND, AE_NOT_EXIST, AE_ALREADY_EXISTS = 0x0000, 0x0005, 0x0006, 0x0007
AE_BAD_PARAMETER = 0x1001
ACPI_TYPE_ANY, ACPI_TYPE_DEVICE, ACPI_TYPE_LOCAL_MAX = 0x00, 0x06, 0x1E
ACPI_TYPE_PROCESSOR, ACPI_TYPE_THERMAL = 0x0C, 0x0D

#: (DMI_SYS_VENDOR, DMI_PRODUCT_NAME) of the tablets acpi_quirk_skip_dmi_ids gives
#: ACPI_QUIRK_SKIP_ACPI_AC_AND_BATTERY
AC_BATTERY_QUIRK_SYSTEMS = (("ASUSTeK COMPUTER INC.", "ME176C"), ("ASUSTeK COMPUTER INC.", "TF103C"),
                            ("Intel Corp.", "VALLEYVIEW C0 PLATFORM"), ("Insyde", "CHERRYVIEW D1 PLATFORM"))


class Node:
    """One namespace object: its 4-character name, ACPI type, children and a handle (an
    address in kernel memory standing for the acpi_namespace_node)."""

    def __init__(self, linux, name: str, kind: int, parent: "Node | None") -> None:
        self.name, self.kind, self.parent = name, kind, parent
        self.children: list[Node] = []
        self.handle = linux.machine.alloc("kdata", 16, 16)
        linux.machine.mem.write(self.handle, name.encode().ljust(16, b"\0")[:16])


class Namespace:
    """The ACPI namespace, the address-space handlers installed in it and the glue's
    bus_type_list."""

    def __init__(self, linux) -> None:
        self.linux = linux
        self.root = Node(linux, "\\", ACPI_TYPE_DEVICE, None)
        self.nodes = {self.root.handle: self.root}
        self.handlers: dict[tuple[int, int], tuple[int, int, int]] = {}   # (node, space) -> handler, setup, ctx
        m = linux.machine
        self.bus_types = m.alloc("kdata", 2 * m.word_size, m.word_size)
        init_list(linux.kernel, self.bus_types)

    def node(self, handle: int) -> Node | None:
        """acpi_ns_validate_handle: NULL and ACPI_ROOT_OBJECT are the root."""
        if handle in (0, (1 << (8 * self.linux.machine.word_size)) - 1):
            return self.root
        return self.nodes.get(handle)

    def lookup(self, start: Node, path: str) -> Node | None:
        node = self.root if path.startswith("\\") else start
        path = path.lstrip("\\")
        while path.startswith("^"):
            node, path = node.parent or node, path[1:]
        for part in filter(None, path.split(".")):
            node = next((c for c in node.children if c.name == part.ljust(4, "_")), None)
            if node is None:
                return None
        return node

    def walk(self, start: Node, max_depth: int):
        """(node, depth) below `start`, depth first, to max_depth levels."""
        def visit(node: Node, depth: int):
            for child in node.children:
                yield child, depth
                if depth < max_depth:
                    yield from visit(child, depth + 1)
        yield from visit(start, 1)


def ns(k) -> Namespace:
    return state(k, "acpi_namespace", Namespace)


@table.service("acpi_status acpi_get_table(char *signature, u32 instance, struct acpi_table_header **out_table)")
def acpi_get_table(k, signature: int, instance: int, out_table: int) -> int:
    """Find a firmware table by signature: the machine has none."""
    if not signature or not out_table:
        return AE_BAD_PARAMETER
    k.machine.mem.write_ptr(out_table, 0)
    return AE_NOT_FOUND


@table.service("void acpi_put_table(struct acpi_table_header *table)")
def acpi_put_table(k, table_: int) -> None:
    """Drop a reference acpi_get_table gave: none was given (NULL is allowed)."""


def _walk(k, kind: int, start: int, max_depth: int, descending: int, ascending: int, context: int,
          return_value: int, hid: bytes | None = None) -> int:
    space = ns(k)
    node = space.node(start)
    if kind > ACPI_TYPE_LOCAL_MAX or not max_depth or (not descending and not ascending) or node is None:
        return AE_BAD_PARAMETER
    for child, depth in list(space.walk(node, max_depth)):
        if kind != ACPI_TYPE_ANY and child.kind != kind:
            continue
        if hid is not None:
            continue                         # no node carries a _HID: no AML
        for fn in (descending, ascending):
            if fn:
                status = k.linux.call_kernel_word(fn, child.handle, depth, context, return_value,
                                                  what="acpi_walk_namespace: callback") & 0xFFFFFFFF
                if status not in (AE_OK, 0x000F, 0x0011):     # AE_CTRL_DEPTH, AE_CTRL_TERMINATE
                    return status
    return AE_OK


@table.service("acpi_status acpi_walk_namespace(acpi_object_type type, acpi_handle start_object, u32 max_depth, "
               "acpi_walk_callback descending_callback, acpi_walk_callback ascending_callback, void *context, "
               "void **return_value)")
def acpi_walk_namespace(k, kind: int, start: int, max_depth: int, descending: int, ascending: int,
                        context: int, return_value: int) -> int:
    """Call the callbacks for each object of `type` below `start_object`."""
    return _walk(k, kind, start, max_depth, descending, ascending, context, return_value)


@table.service("acpi_status acpi_get_devices(const char *HID, acpi_walk_callback user_function, void *context, "
               "void **return_value)")
def acpi_get_devices(k, hid: int, user_function: int, context: int, return_value: int) -> int:
    """Call `user_function` for each present device (with that _HID when one is given)."""
    if not user_function:
        return AE_BAD_PARAMETER
    want = k.read_str(hid, 16) if hid else None
    return _walk(k, ACPI_TYPE_DEVICE, 0, 0xFFFFFFFF, user_function, 0, context, return_value, want)


@table.service("acpi_status acpi_get_handle(acpi_handle parent, acpi_string pathname, acpi_handle *ret_handle)")
def acpi_get_handle(k, parent: int, pathname: int, ret_handle: int) -> int:
    """The handle of `pathname` (absolute, or relative to `parent`)."""
    if not ret_handle or not pathname:
        return AE_BAD_PARAMETER
    space = ns(k)
    start = space.node(parent) if parent else None
    if parent and start is None:
        return AE_BAD_PARAMETER
    path = k.read_str(pathname, 256).decode("latin-1")
    if not path.startswith("\\") and start is None:
        return AE_BAD_PARAMETER
    found = space.lookup(start or space.root, path)
    if found is None:
        return AE_NOT_FOUND
    k.machine.mem.write_ptr(ret_handle, found.handle)
    return AE_OK


@table.service("bool acpi_has_method(acpi_handle handle, char *name)")
def acpi_has_method(k, handle: int, name: int) -> int:
    """Whether `name` exists relative to `handle`."""
    space = ns(k)
    start = space.node(handle)
    if start is None or not name:
        return 0
    return int(space.lookup(start, k.read_str(name, 256).decode("latin-1")) is not None)


@table.service("bool acpi_dev_present(const char *hid, const char *uid, s64 hrv)")
def acpi_dev_present(k, hid: int, uid: int, hrv: int) -> int:
    """Whether a present ACPI device has this _HID (and _UID, _HRV): no device has one."""
    return 0


@table.service("bool acpi_osi_is_win8(void)")
def acpi_osi_is_win8(k) -> int:
    """Whether the firmware's _OSI queries reached Windows 8: no AML ran."""
    return 0


@table.service("bool acpi_resources_are_enforced(void)")
def acpi_resources_are_enforced(k) -> int:
    """acpi_enforce_resources is ENFORCE_RESOURCES_STRICT (no acpi_enforce_resources= given)."""
    return 1


@table.service("bool acpi_quirk_skip_acpi_ac_and_battery(void)")
def acpi_quirk_skip_acpi_ac_and_battery(k) -> int:
    """Whether this is one of the tablets whose ACPI AC and battery must be skipped."""
    d = dmi(k)
    me = (d.info(FIELD["DMI_SYS_VENDOR"]), d.info(FIELD["DMI_PRODUCT_NAME"]))
    return int(me in AC_BATTERY_QUIRK_SYSTEMS)


@table.service("acpi_status acpi_install_address_space_handler(acpi_handle device, acpi_adr_space_type space_id, "
               "acpi_adr_space_handler handler, acpi_adr_space_setup setup, void *context)")
def acpi_install_address_space_handler(k, device: int, space_id: int, handler: int, setup: int,
                                       context: int) -> int:
    """Install the handler for operation regions of `space_id` at a device (or the root)."""
    space = ns(k)
    node = space.node(device)
    if node is None or node.kind not in (ACPI_TYPE_DEVICE, ACPI_TYPE_PROCESSOR, ACPI_TYPE_THERMAL):
        return AE_BAD_PARAMETER
    key = (node.handle, space_id & 0xFF)
    if key in space.handlers:
        return AE_ALREADY_EXISTS
    space.handlers[key] = (handler, setup, context)
    module = k.linux.module_at(handler)
    if module is not None:
        module.on_unload(f"acpi address space handler {key}", lambda: space.handlers.pop(key, None))
    return AE_OK


@table.service("acpi_status acpi_remove_address_space_handler(acpi_handle device, acpi_adr_space_type space_id, "
               "acpi_adr_space_handler handler)")
def acpi_remove_address_space_handler(k, device: int, space_id: int, handler: int) -> int:
    """Remove the handler installed for `space_id` at the device; AE_NOT_EXIST if not there."""
    space = ns(k)
    node = space.node(device)
    if node is None:
        return AE_BAD_PARAMETER
    key = (node.handle, space_id & 0xFF)
    if space.handlers.get(key, (None,))[0] != handler:
        return AE_NOT_EXIST
    del space.handlers[key]
    module = k.linux.module_at(handler)
    if module is not None:
        module.forget_undo(f"acpi address space handler {key}")
    return AE_OK


def _bus_type_name(k, bus_type: int) -> str:
    name = k.machine.mem.read_ptr(bus_type + k.linux.layout.offset("struct acpi_bus_type", "name"))
    return k.read_str(name, 64).decode("utf-8", "replace") if name else "(null)"


def _acpi_disabled(k) -> bool:
    addr = k.linux.data.get("acpi_disabled")
    return bool(addr is not None and k.machine.mem.read_u32(addr))


@table.service("int register_acpi_bus_type(struct acpi_bus_type *type)")
def register_acpi_bus_type(k, bus_type: int) -> int:
    """Add a bus type with match and find_companion to the glue's list; else -ENODEV."""
    if _acpi_disabled(k):
        return -k.errno.ENODEV
    lay, mem = k.linux.layout, k.machine.mem
    if not bus_type or not mem.read_ptr(bus_type + lay.offset("struct acpi_bus_type", "match")) \
            or not mem.read_ptr(bus_type + lay.offset("struct acpi_bus_type", "find_companion")):
        return -k.errno.ENODEV
    node = bus_type + lay.offset("struct acpi_bus_type", "list")
    list_add_tail(k, node, ns(k).bus_types)
    module = k.linux.module_at(bus_type)
    if module is not None:
        module.on_unload(f"acpi bus type {bus_type:#x}", lambda: list_del_init(k, node))
    k.linux.pr(f"ACPI: bus type {_bus_type_name(k, bus_type)} registered", 6)
    return 0


@table.service("int unregister_acpi_bus_type(struct acpi_bus_type *type)")
def unregister_acpi_bus_type(k, bus_type: int) -> int:
    """Take the bus type off the glue's list (NULL: nothing); always 0."""
    if _acpi_disabled(k) or not bus_type:
        return 0
    list_del_init(k, bus_type + k.linux.layout.offset("struct acpi_bus_type", "list"))
    module = k.linux.module_at(bus_type)
    if module is not None:
        module.forget_undo(f"acpi bus type {bus_type:#x}")
    k.linux.pr(f"ACPI: bus type {_bus_type_name(k, bus_type)} unregistered", 6)
    return 0


@table.service("int ec_read(u8 addr, u8 *val)")
def ec_read(k, addr: int, val: int) -> int:
    """Read an embedded-controller register: there is no EC, -ENODEV."""
    return -k.errno.ENODEV


@table.service("int ec_write(u8 addr, u8 val)")
def ec_write(k, addr: int, val: int) -> int:
    """Write an embedded-controller register: there is no EC, -ENODEV."""
    return -k.errno.ENODEV
