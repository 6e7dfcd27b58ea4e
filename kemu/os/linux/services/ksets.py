"""ksets, kobject names and uevents, sysfs links and mount points (lib/kobject.c,
lib/kobject_uevent.c, fs/sysfs/{symlink,file,dir}.c, 6.1), on kemu's /sys tree
(kemu/os/linux/sysfs.py) and the kobject services of services/sysfs.py.

* kset_create_and_add(name, uevent_ops, parent): a heap kset of the kernel's kset_ktype
  (release frees it, sysfs_ops kobj_sysfs_ops) with an empty list, its directory under the
  parent's (/sys when NULL); NULL when the name is taken. kset_register does the same for a
  kset the caller embeds (named with kobject_set_name). A kobject later added with this kset
  and no parent goes under the kset's directory and joins kset->list (services/sysfs.py).
  kset_unregister removes the directory and drops the reference (the last one releases).
* kobject_set_name: a printf name ('/' becomes '!'), the old one freed.
* kobject_uevent / add_uevent_var: the event goes to the kset above the kobject (-EINVAL
  when there is none, as the kernel's "attempted to send uevent without kset"); the kset's
  uevent_ops filter() may drop it, uevent() adds variables to a struct kobj_uevent_env.
  Nobody listens on kemu's machine (no udev, no uevent_helper): the event is recorded in
  `linux.uevents` ("ACTION@DEVPATH" and its variables) and 0 is returned.
* sysfs_create_link / sysfs_remove_link: a symlink in the kobject's directory to the
  target's; -EEXIST when the name is taken, -ENOENT when either has no directory.
* sysfs_notify: poll() waiters of the attribute are woken (none in kemu); the call is
  counted on the attribute's file.
* sysfs_create_mount_point / sysfs_remove_mount_point: an empty directory for a filesystem
  to be mounted on (/sys/fs/fuse/connections, /sys/kernel/config).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list
from . import sysfs as sysfs_services
from .driver_core import model

table = ServiceTable("ksets")

#: include/linux/kobject.h: enum kobject_action and the names the events carry
KOBJ_ACTIONS = ("add", "remove", "change", "move", "online", "offline", "bind", "unbind")
UEVENT_NUM_ENVP, UEVENT_BUFFER_SIZE = 64, 2048


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _kset_kobj(k, kset: int) -> int:
    return kset + _off(k, "struct kset", "kobj")


def _kset_ktype(k) -> int:
    """The kernel's kset_ktype: release = kset_release (kfree), sysfs_ops = kobj_sysfs_ops."""
    linux = k.linux
    if not getattr(linux, "kset_ktype", 0):
        ktype = kdata_zeroed(k, linux.layout.size("struct kobj_type"))
        k.machine.mem.write_ptr(ktype + _off(k, "struct kobj_type", "release"), k.installed["__kemu_kset_release"][1])
        k.machine.mem.write_ptr(ktype + _off(k, "struct kobj_type", "sysfs_ops"), linux.data.get("kobj_sysfs_ops") or 0)
        linux.kset_ktype = ktype
    return linux.kset_ktype


def kdata_zeroed(k, size: int) -> int:
    """A zeroed block of the kernel's own data (for objects the kernel defines statically)."""
    addr = k.machine.alloc("kdata", size, 16)
    k.machine.mem.write(addr, bytes(size))
    return addr


@table.service("void __kemu_kset_release(struct kobject *kobj)")
def __kemu_kset_release(k, kobj: int) -> None:
    """kset_release: free a kset kset_create_and_add made (its name goes in kobject_put)."""
    kset = kobj - _off(k, "struct kset", "kobj")
    if kset in k.heap:
        k.heap.free(kset)


def _register(k, kset: int) -> int:
    """kset_register's work: kset_init (list, reference 1), the directory, the ADD uevent."""
    mem = k.machine.mem
    kobj = _kset_kobj(k, kset)
    init_list(k, kset + _off(k, "struct kset", "list"))
    init_list(k, kobj + _off(k, "struct kobject", "entry"))
    mem.write_u32(kobj + _off(k, "struct kobject", "kref"), 1)
    name = sysfs_services._name(k, kobj)
    err = sysfs_services._add(k, kobj, mem.read_ptr(kobj + _off(k, "struct kobject", "parent")), name)
    if err:
        return err
    kobject_uevent(k, kobj, 0)
    return 0


@table.service("struct kset *kset_create_and_add(const char *name, const struct kset_uevent_ops *u, "
               "struct kobject *parent_kobj)", needs_call=True)
def kset_create_and_add(k, name: int, uevent_ops: int, parent: int, call=None) -> int:
    """A new kset with its /sys directory under the parent's; NULL if the name is taken."""
    mem = k.machine.mem
    size = k.linux.layout.size("struct kset")
    kset = k.heap.alloc(size, "kset", zero=True, caller=call.return_address if call else None)
    if not kset:
        return 0
    kobj = _kset_kobj(k, kset)
    text = k.read_str(name, 256).decode("latin-1") if name else ""
    if text:
        sysfs_services._set_name(k, kobj, text.replace("/", "!"))
    mem.write_ptr(kset + _off(k, "struct kset", "uevent_ops"), uevent_ops)
    mem.write_ptr(kobj + _off(k, "struct kobject", "parent"), parent)
    mem.write_ptr(kobj + _off(k, "struct kobject", "ktype"), _kset_ktype(k))
    err = _register(k, kset) if text else -k.errno.EINVAL
    if not err:
        return kset
    if not text:
        k.linux.pr("kobject: (%#x): attempted to be registered with empty name!" % kobj, 3)
    name_ptr = mem.read_ptr(kobj + _off(k, "struct kobject", "name"))
    if name_ptr:
        k.heap.free(name_ptr)
    k.heap.free(kset)
    return 0


@table.service("int kset_register(struct kset *k)")
def kset_register(k, kset: int) -> int:
    """Register a kset the caller embeds, named and typed: its directory (under kobj.parent
    or its own kset's) and the ADD uevent; -EINVAL for NULL or a kset without a ktype
    ("must have a ktype")."""
    if not kset:
        return -k.errno.EINVAL
    if not k.machine.mem.read_ptr(_kset_kobj(k, kset) + _off(k, "struct kobject", "ktype")):
        k.linux.pr("kobject: must have a ktype", 3)
        return -k.errno.EINVAL
    return _register(k, kset)


@table.service("void kset_unregister(struct kset *k)")
def kset_unregister(k, kset: int) -> None:
    """kobject_del + kobject_put of the kset's kobject (NULL ignored)."""
    if not kset:
        return
    kobj = _kset_kobj(k, kset)
    sysfs_services.kobject_del(k, kobj)
    sysfs_services.kobject_put(k, kobj)


@table.service("int kobject_set_name(struct kobject *kobj, const char *fmt, ...)")
def kobject_set_name(k, kobj: int, fmt: int, args) -> int:
    """Name the kobject from a format ('/' becomes '!'); the old name is freed. -EINVAL for
    an empty name with a previous one kept (kobject_set_name_vargs)."""
    mem = k.machine.mem
    slot = kobj + _off(k, "struct kobject", "name")
    old = mem.read_ptr(slot)
    if old and not fmt:
        return 0
    name = k.linux.format(fmt, args).decode("latin-1").replace("/", "!")
    sysfs_services._set_name(k, kobj, name)
    if old and old in k.heap:
        k.heap.free(old)
    return 0


# --- uevents ------------------------------------------------------------------------------------

def _uevents(k) -> list:
    linux = k.linux
    if not hasattr(linux, "uevents"):
        linux.uevents = []
    return linux.uevents


def _top_kset(k, kobj: int) -> tuple[int, int]:
    """(kset, the kobject holding it): the first kset on the way up from kobj, else (0, 0)."""
    mem, at = k.machine.mem, kobj
    for _ in range(64):
        kset = mem.read_ptr(at + _off(k, "struct kobject", "kset"))
        if kset:
            return kset, at
        at = mem.read_ptr(at + _off(k, "struct kobject", "parent"))
        if not at:
            break
    return 0, 0


def _env_vars(k, env: int) -> list[str]:
    mem, word = k.machine.mem, k.machine.word_size
    n = mem.read_u32(env + _off(k, "struct kobj_uevent_env", "envp_idx"))
    return [k.read_str(mem.read_ptr(env + _off(k, "struct kobj_uevent_env", "envp") + i * word), 2048)
            .decode("latin-1") for i in range(min(n, UEVENT_NUM_ENVP))]


def add_var(k, env: int, text: bytes) -> int:
    """add_uevent_var's work: the text appended to env->buf, a pointer to it in envp; -ENOMEM
    when either is full ("add_uevent_var: too many keys" / "buffer size too small")."""
    mem, word = k.machine.mem, k.machine.word_size
    idx_at = env + _off(k, "struct kobj_uevent_env", "envp_idx")
    len_at = env + _off(k, "struct kobj_uevent_env", "buflen")
    idx, buflen = mem.read_u32(idx_at), mem.read_u32(len_at)
    if idx >= UEVENT_NUM_ENVP:
        k.linux.pr("add_uevent_var: too many keys", 4)
        return -k.errno.ENOMEM
    if buflen + len(text) + 1 > UEVENT_BUFFER_SIZE:
        k.linux.pr("add_uevent_var: buffer size too small", 4)
        return -k.errno.ENOMEM
    at = env + _off(k, "struct kobj_uevent_env", "buf") + buflen
    mem.write(at, text + b"\0")
    mem.write_ptr(env + _off(k, "struct kobj_uevent_env", "envp") + idx * word, at)
    mem.write_u32(idx_at, idx + 1)
    mem.write_u32(len_at, buflen + len(text) + 1)
    return 0


@table.service("int add_uevent_var(struct kobj_uevent_env *env, const char *format, ...)")
def add_uevent_var(k, env: int, fmt: int, args) -> int:
    """Add a KEY=value to a uevent's environment; -ENOMEM when it is full."""
    return add_var(k, env, k.linux.format(fmt, args))


def _devpath(k, kobj: int) -> str:
    path = k.linux.sysfs.path_of(kobj)
    if path is not None:
        return path[len("/sys"):]
    return "/" + sysfs_services._name(k, kobj)


@table.service("int kobject_uevent(struct kobject *kobj, enum kobject_action action)")
def kobject_uevent(k, kobj: int, action: int) -> int:
    """Send a uevent for the kobject through its kset's uevent_ops (filter, name, uevent);
    -EINVAL without a kset above it or for an unknown action; 0 otherwise (no listener)."""
    if not kobj or action >= len(KOBJ_ACTIONS):
        return -k.errno.EINVAL
    kset, top = _top_kset(k, kobj)
    if not kset:
        return -k.errno.EINVAL
    mem = k.machine.mem
    ops = mem.read_ptr(kset + _off(k, "struct kset", "uevent_ops"))
    op = {f: mem.read_ptr(ops + _off(k, "struct kset_uevent_ops", f)) if ops else 0
          for f in ("filter", "name", "uevent")}
    if op["filter"] and not k.linux.call_kernel_pointer(op["filter"], kobj, what="uevent filter"):
        return 0                                       # "filtered out by kset"
    subsystem = sysfs_services._name(k, _kset_kobj(k, kset))
    if op["name"]:
        ptr = k.linux.call_kernel_word(op["name"], kobj, what="uevent name")
        subsystem = k.read_str(ptr, 256).decode("latin-1") if ptr else subsystem
    if not subsystem:
        return 0                                       # "unset subsystem caused the event to drop"
    size = k.linux.layout.size("struct kobj_uevent_env")
    env = k.heap.alloc(size, "kobj_uevent_env", zero=True)
    try:
        devpath = _devpath(k, kobj)
        for text in (f"ACTION={KOBJ_ACTIONS[action]}", f"DEVPATH={devpath}", f"SUBSYSTEM={subsystem}"):
            add_var(k, env, text.encode("latin-1"))
        if op["uevent"]:
            ret = k.linux.call_kernel_pointer(op["uevent"], kobj, env, what="uevent")
            if ret:
                return ret
        _uevents(k).append((f"{KOBJ_ACTIONS[action]}@{devpath}", _env_vars(k, env)))
    finally:
        k.heap.free(env)
    return 0


# --- links, notifications, mount points ---------------------------------------------------------

def _dir_of(k, kobj: int) -> str | None:
    """The /sys directory of a kobject (NULL: /sys itself), None if it has none."""
    return k.linux.sysfs.path_of(kobj) if kobj else "/sys"


def _link_table(k) -> dict[int, dict[str, int]]:
    """Links on driver-model kobjects (devices, drivers), which live outside the /sys tree."""
    m = model(k)
    if not hasattr(m, "links"):
        m.links = {}
    return m.links


@table.service("int sysfs_create_link(struct kobject *kobj, struct kobject *target, const char *name)")
def sysfs_create_link(k, kobj: int, target: int, name: int) -> int:
    """A symlink `name` in kobj's directory to target's; -EEXIST (after sysfs's duplicate
    report) when the name is taken, -ENOENT for a target with no directory."""
    if not target or not name:
        return -k.errno.EINVAL
    text = k.read_str(name, 256).decode("latin-1")
    fs = k.linux.sysfs
    where, dest = _dir_of(k, kobj), fs.path_of(target)
    if where is None or dest is None:
        links = _link_table(k).setdefault(kobj, {})     # a device's or driver's kobject
        if text in links:
            model(k).warn(f"sysfs: cannot create duplicate filename '{text}'")
            return -k.errno.EEXIST
        links[text] = target
        return 0
    if not fs.add_link(where, text, dest):
        sysfs_services._duplicate(k, f"{where}/{text}")
        return -k.errno.EEXIST
    return 0


@table.service("void sysfs_remove_link(struct kobject *kobj, const char *name)")
def sysfs_remove_link(k, kobj: int, name: int) -> None:
    """Remove the symlink (a missing one is ignored, as kernfs_remove_by_name answers -ENOENT)."""
    text = k.read_str(name, 256).decode("latin-1") if name else ""
    where = _dir_of(k, kobj)
    if where is not None and k.linux.sysfs.remove_link(where, text):
        return
    _link_table(k).get(kobj, {}).pop(text, None)


@table.service("void sysfs_notify(struct kobject *kobj, const char *dir, const char *attr)")
def sysfs_notify(k, kobj: int, directory: int, attr: int) -> None:
    """Wake poll() waiters of an attribute file (kemu has none); counted on the file."""
    where = _dir_of(k, kobj)
    parts = [k.read_str(p, 256).decode("latin-1") for p in (directory, attr) if p]
    if where is not None:
        path = "/".join([where, *parts])
        if path in k.linux.sysfs.files:
            k.linux.sysfs.notified[path] = k.linux.sysfs.notified.get(path, 0) + 1
        return
    path = "/".join(parts)
    if path in model(k).files.get(kobj, {}):
        counts = k.linux.sysfs.notified
        counts[f"{kobj:#x}:{path}"] = counts.get(f"{kobj:#x}:{path}", 0) + 1


MOUNT_POINT = -1          # SysfsDir.group of an empty mount-point directory (no kobject of its own)


@table.service("int sysfs_create_mount_point(struct kobject *parent_kobj, const char *name)")
def sysfs_create_mount_point(k, parent: int, name: int) -> int:
    """An empty directory `name` under the parent's; -EEXIST when taken."""
    where = _dir_of(k, parent)
    if where is None:
        return -k.errno.ENOENT
    path = f"{where}/{k.read_str(name, 256).decode('latin-1')}"
    if not k.linux.sysfs.add_dir(path, parent, MOUNT_POINT):
        sysfs_services._duplicate(k, path)
        return -k.errno.EEXIST
    return 0


@table.service("void sysfs_remove_mount_point(struct kobject *parent_kobj, const char *name)")
def sysfs_remove_mount_point(k, parent: int, name: int) -> None:
    """Remove the mount-point directory."""
    where = _dir_of(k, parent)
    if where is not None:
        k.linux.sysfs.remove_dir(f"{where}/{k.read_str(name, 256).decode('latin-1')}")
