"""Managed device resources (drivers/base/devres.c): what a driver allocates with devm_* in
probe is released by the driver core, newest first, when the driver unbinds (after remove)
or its probe fails.

A devres is a block of `size` bytes with a release function (or none, for devm_kmalloc);
__devres_alloc_node makes one, devres_add attaches it to a device, devres_free frees one
never attached; devres_find/get/remove/destroy/release look one up by release function and
an optional match callback. devres groups (devres_open_group ...) are markers in the
device's list: releasing a group releases what was added after its opening marker (up to
its closing one). devm_kmalloc & co. are devres without a release; devm_add_action's
resource calls action(data) when released.

The lists live in Python (`DevresLists`, one per booted Linux), keyed by the struct device
address; the blocks are kernel heap blocks charged to the module that asked, so a module
that never lets them go is seen leaking them.
"""
from __future__ import annotations

from dataclasses import dataclass

from kemu.kernel import ServiceTable

table = ServiceTable("devres")

GFP_ZERO = 0x100
ZERO_SIZE_PTR = 16


@dataclass(eq=False)
class Devres:
    data: int                  # what the driver sees
    release: int               # dr_release_t, 0 for none
    name: str
    action: tuple[int, int] | None = None     # devm_add_action: (action, data)
    group: object = None       # a group marker instead of a resource: ("open"|"close", id)


class DevresLists:
    """device address -> its managed resources, oldest first; unattached ones by address."""

    def __init__(self, linux):
        self.linux = linux
        self.lists: dict[int, list[Devres]] = {}
        self.loose: dict[int, Devres] = {}
        self.next_group = 1

    def release_all(self, dev: int) -> int:
        """devres_release_all: release every resource of `dev`, newest first; how many."""
        entries = self.lists.pop(dev, [])
        count = 0
        for dr in reversed(entries):
            if dr.group is None:
                self.release_one(dev, dr)
                count += 1
        return count

    def release_one(self, dev: int, dr: Devres) -> None:
        """Run a resource's release (or action) and free its block."""
        linux, heap = self.linux, self.linux.kernel.heap
        if dr.action is not None:
            linux.call_kernel_word(dr.action[0], dr.action[1], what="devm action")
        elif dr.release:
            linux.call_kernel_word(dr.release, dev, dr.data, what=f"devres release {dr.name}")
        if dr.data in heap:
            heap.free(dr.data)


def lists(k) -> DevresLists:
    linux = k.linux
    if not hasattr(linux, "devres"):
        linux.devres = DevresLists(linux)
    return linux.devres


def _caller(call) -> int | None:
    return call.return_address if call is not None else None


def _warn(k, text: str) -> None:
    k.linux.pr("------------[ cut here ]------------", 4)
    k.linux.pr(text, 4)
    k.linux.add_taint("W")


def _new(k, size: int, gfp: int, release: int, name: str, call) -> int:
    data = k.heap.alloc(max(size, 1), f"devres {name}", zero=bool(gfp & GFP_ZERO), caller=_caller(call))
    if data:
        lists(k).loose[data] = Devres(data, release, name)
    return data


@table.service("void *__devres_alloc_node(void (*release)(struct device *, void *), size_t size, gfp_t gfp, int nid, const char *name)",
               needs_call=True)
def __devres_alloc_node(k, release: int, size: int, gfp: int, nid: int, name: int, call=None) -> int:
    """A devres block of `size` bytes (zeroed: devres_alloc always passes __GFP_ZERO)."""
    text = k.read_str(name, 128).decode("latin-1") if name else ""
    return _new(k, size, gfp | GFP_ZERO, release, text, call)


@table.service("void devres_add(struct device *dev, void *res)")
def devres_add(k, dev: int, res: int) -> None:
    """Attach a devres to a device: released when the device's driver unbinds."""
    dr = lists(k).loose.pop(res, None)
    if dr is None:
        _warn(k, f"devres_add: {res:#x} is not an unattached devres")
        return
    lists(k).lists.setdefault(dev, []).append(dr)


@table.service("void devres_free(void *res)")
def devres_free(k, res: int) -> None:
    """Free a devres never attached (NULL ignored)."""
    if not res:
        return
    dr = lists(k).loose.pop(res, None)
    if dr is None:
        _warn(k, f"devres_free: {res:#x} is attached to a device (or not a devres)")
        return
    k.heap.free(res)


def _find(k, dev: int, release: int, match: int, match_data: int) -> Devres | None:
    for dr in reversed(lists(k).lists.get(dev, [])):
        if dr.group is not None or dr.release != release or dr.action is not None:
            continue
        if match and not k.linux.call_kernel_pointer(match, dev, dr.data, match_data, what="devres match"):
            continue
        return dr
    return None


@table.service("void *devres_find(struct device *dev, void (*release)(struct device *, void *), int (*match)(struct device *, void *, void *), void *match_data)")
def devres_find(k, dev: int, release: int, match: int, match_data: int) -> int:
    """The newest devres of `dev` with that release function the match accepts, or NULL."""
    dr = _find(k, dev, release, match, match_data)
    return dr.data if dr else 0


@table.service("void *devres_get(struct device *dev, void *new_res, int (*match)(struct device *, void *, void *), void *match_data)")
def devres_get(k, dev: int, new_res: int, match: int, match_data: int) -> int:
    """A matching devres if there is one (new_res freed), else new_res attached."""
    new = lists(k).loose.get(new_res)
    old = _find(k, dev, new.release, match, match_data) if new else None
    if old is not None:
        devres_free(k, new_res)
        return old.data
    devres_add(k, dev, new_res)
    return new_res


@table.service("void *devres_remove(struct device *dev, void (*release)(struct device *, void *), int (*match)(struct device *, void *, void *), void *match_data)")
def devres_remove(k, dev: int, release: int, match: int, match_data: int) -> int:
    """Detach the matching devres (not freed, not released); NULL if none."""
    dr = _find(k, dev, release, match, match_data)
    if dr is None:
        return 0
    lists(k).lists[dev].remove(dr)
    lists(k).loose[dr.data] = dr
    return dr.data


@table.service("int devres_destroy(struct device *dev, void (*release)(struct device *, void *), int (*match)(struct device *, void *, void *), void *match_data)")
def devres_destroy(k, dev: int, release: int, match: int, match_data: int) -> int:
    """Detach and free the matching devres without releasing it; -ENOENT if none."""
    res = devres_remove(k, dev, release, match, match_data)
    if not res:
        return -k.errno.ENOENT
    devres_free(k, res)
    return 0


@table.service("int devres_release(struct device *dev, void (*release)(struct device *, void *), int (*match)(struct device *, void *, void *), void *match_data)")
def devres_release(k, dev: int, release: int, match: int, match_data: int) -> int:
    """Detach, release and free the matching devres; -ENOENT if none."""
    dr = _find(k, dev, release, match, match_data)
    if dr is None:
        return -k.errno.ENOENT
    lists(k).lists[dev].remove(dr)
    lists(k).release_one(dev, dr)
    return 0


# --- devm_k* ----------------------------------------------------------------------------------

def _managed(k, dev: int, size: int, gfp: int, call, name: str = "devm_kzalloc_release") -> int:
    if not size:
        return ZERO_SIZE_PTR
    data = _new(k, size, gfp, 0, name, call)
    if data:
        devres_add(k, dev, data)
    return data


@table.service("void *devm_kmalloc(struct device *dev, size_t size, gfp_t gfp)", needs_call=True)
def devm_kmalloc(k, dev: int, size: int, gfp: int, call=None) -> int:
    """Memory freed when the driver unbinds; ZERO_SIZE_PTR for 0 bytes, zeroed for __GFP_ZERO."""
    return _managed(k, dev, size, gfp, call)


def _managed_entry(k, dev: int, p: int) -> Devres | None:
    return next((dr for dr in lists(k).lists.get(dev, []) if dr.data == p and dr.release == 0
                 and dr.action is None and dr.group is None), None)


@table.service("void devm_kfree(struct device *dev, const void *p)")
def devm_kfree(k, dev: int, p: int) -> None:
    """Free devm_kmalloc'd memory early (NULL/ZERO_SIZE_PTR ignored; a stranger WARNs)."""
    if p <= ZERO_SIZE_PTR:
        return
    dr = _managed_entry(k, dev, p)
    if dr is None:
        _warn(k, f"devm_kfree: {p:#x} is not managed memory of this device")
        return
    lists(k).lists[dev].remove(dr)
    k.heap.free(p)


@table.service("void *devm_krealloc(struct device *dev, void *ptr, size_t new_size, gfp_t gfp)", needs_call=True)
def devm_krealloc(k, dev: int, ptr: int, new_size: int, gfp: int, call=None) -> int:
    """Resize managed memory: a new block with the old contents, the old one freed."""
    if not new_size:
        devm_kfree(k, dev, ptr)
        return ZERO_SIZE_PTR
    if ptr <= ZERO_SIZE_PTR:
        return _managed(k, dev, new_size, gfp, call)
    old = _managed_entry(k, dev, ptr)
    if old is None:
        _warn(k, f"devm_krealloc: {ptr:#x} is not managed memory of this device")
        return 0
    new = _managed(k, dev, new_size, gfp, call)
    if new:
        size = k.heap.size_of(ptr)
        k.machine.mem.write(new, k.machine.mem.read(ptr, min(size, new_size)))
        devm_kfree(k, dev, ptr)
    return new


@table.service("char *devm_kstrdup(struct device *dev, const char *s, gfp_t gfp)", needs_call=True)
def devm_kstrdup(k, dev: int, s: int, gfp: int, call=None) -> int:
    """A managed copy of a string (NULL for NULL)."""
    if not s:
        return 0
    text = k.read_str(s) + b"\0"
    data = _managed(k, dev, len(text), gfp, call)
    if data:
        k.machine.mem.write(data, text)
    return data


@table.service("const char *devm_kstrdup_const(struct device *dev, const char *s, gfp_t gfp)", needs_call=True)
def devm_kstrdup_const(k, dev: int, s: int, gfp: int, call=None) -> int:
    """devm_kstrdup (kemu does not tell .rodata strings apart: always a copy)."""
    return devm_kstrdup(k, dev, s, gfp, call=call)


@table.service("void *devm_kmemdup(struct device *dev, const void *src, size_t len, gfp_t gfp)", needs_call=True)
def devm_kmemdup(k, dev: int, src: int, len: int, gfp: int, call=None) -> int:
    """A managed copy of `len` bytes."""
    data = _managed(k, dev, len, gfp, call)
    if data > ZERO_SIZE_PTR:
        k.machine.mem.write(data, k.machine.mem.read(src, len))
    return data


@table.service("char *devm_kasprintf(struct device *dev, gfp_t gfp, const char *fmt, ...)", needs_call=True)
def devm_kasprintf(k, dev: int, gfp: int, fmt: int, args, call=None) -> int:
    """A managed formatted string."""
    text = k.linux.format(fmt, args) + b"\0"
    data = _managed(k, dev, len(text), gfp, call)
    if data:
        k.machine.mem.write(data, text)
    return data


# --- actions ----------------------------------------------------------------------------------

@table.service("int devm_add_action(struct device *dev, void (*action)(void *), void *data)", needs_call=True)
def devm_add_action(k, dev: int, action: int, data: int, call=None) -> int:
    """action(data) when the driver unbinds; -ENOMEM if the record cannot be allocated."""
    res = _new(k, 2 * k.machine.word_size, GFP_ZERO, 0, "devm_action_release", call)
    if not res:
        return -k.errno.ENOMEM
    lists(k).loose[res].action = (action, data)
    devres_add(k, dev, res)
    return 0


def _take_action(k, dev: int, action: int, data: int) -> Devres | None:
    dr = next((d for d in reversed(lists(k).lists.get(dev, [])) if d.action == (action, data)), None)
    if dr is not None:
        lists(k).lists[dev].remove(dr)
    return dr


@table.service("void devm_remove_action(struct device *dev, void (*action)(void *), void *data)")
def devm_remove_action(k, dev: int, action: int, data: int) -> None:
    """Forget an action without running it (WARN if there is none)."""
    dr = _take_action(k, dev, action, data)
    if dr is None:
        _warn(k, "devm_remove_action: no such action")
        return
    k.heap.free(dr.data)


@table.service("void devm_release_action(struct device *dev, void (*action)(void *), void *data)")
def devm_release_action(k, dev: int, action: int, data: int) -> None:
    """Run an action now and forget it (WARN if there is none)."""
    dr = _take_action(k, dev, action, data)
    if dr is None:
        _warn(k, "devm_release_action: no such action")
        return
    lists(k).release_one(dev, dr)


# --- groups -----------------------------------------------------------------------------------

@table.service("void *devres_open_group(struct device *dev, void *id, gfp_t gfp)")
def devres_open_group(k, dev: int, id: int, gfp: int) -> int:
    """Open a group (its id: `id`, or a new one for NULL)."""
    if not id:
        id = k.heap.alloc(1, "devres group", zero=True)
    lists(k).lists.setdefault(dev, []).append(Devres(0, 0, "group", group=("open", id)))
    return id


def _group_span(k, dev: int, id: int) -> tuple[int, int] | None:
    """(index of the group's opening marker, index of its closing one or the list's end)."""
    entries = lists(k).lists.get(dev, [])
    gid = id or _latest_open(entries)
    opened = next((i for i, d in enumerate(entries) if d.group == ("open", gid)), None)
    if opened is None:
        return None
    closed = next((i for i in range(opened + 1, len(entries)) if entries[i].group == ("close", gid)), len(entries))
    return opened, closed


def _latest_open(entries: list[Devres]) -> int:
    closed = {d.group[1] for d in entries if d.group is not None and d.group[0] == "close"}
    opened = [d.group[1] for d in entries if d.group is not None and d.group[0] == "open" and d.group[1] not in closed]
    return opened[-1] if opened else -1


@table.service("void devres_close_group(struct device *dev, void *id)")
def devres_close_group(k, dev: int, id: int) -> None:
    """Close a group (NULL: the latest open one)."""
    entries = lists(k).lists.get(dev, [])
    gid = id or _latest_open(entries)
    if _group_span(k, dev, gid) is None:
        _warn(k, "devres_close_group: no such group")
        return
    entries.append(Devres(0, 0, "group", group=("close", gid)))


def _drop_group(k, dev: int, id: int, release: bool) -> int:
    span = _group_span(k, dev, id)
    if span is None:
        _warn(k, f"devres group {id:#x} not found")
        return -k.errno.ENOENT
    entries = lists(k).lists[dev]
    opened, closed = span
    gid = entries[opened].group[1]
    inside = entries[opened + 1:closed]
    end = closed + 1 if closed < len(entries) else closed
    if release:
        del entries[opened:end]
        count = 0
        for dr in reversed(inside):
            if dr.group is None:
                lists(k).release_one(dev, dr)
                count += 1
        result = count
    else:
        del entries[closed:end]
        del entries[opened]
        result = 0
    if gid in k.heap:
        k.heap.free(gid)
    return result


@table.service("int devres_release_group(struct device *dev, void *id)")
def devres_release_group(k, dev: int, id: int) -> int:
    """Release what the group holds, newest first; how many (-ENOENT: no such group)."""
    return _drop_group(k, dev, id, True)


@table.service("void devres_remove_group(struct device *dev, void *id)")
def devres_remove_group(k, dev: int, id: int) -> None:
    """Remove the group's markers; its resources stay with the device."""
    _drop_group(k, dev, id, False)
