"""kobjects and sysfs attribute files (lib/kobject.c, fs/sysfs/file.c, group.c, 6.1): what a
module calls to put files under /sys; the tree itself is kemu/os/linux/sysfs.py's.

* kobject_create_and_add(name, parent): a heap kobject of dynamic_kobj_ktype (sysfs_ops =
  kobj_sysfs_ops, release frees it), reference count 1, its directory under the parent's
  (/sys when parent is NULL); NULL when the name is taken (after sysfs's duplicate-name
  report) or missing. kobject_init_and_add does the same for a kobject the caller embeds,
  with the caller's ktype and a printf name.
* kobject_get/kobject_put: the last put removes the directory (kobject_del) and calls the
  ktype's release(); kobject_del removes the directory at once.
* sysfs_create_file_ns / sysfs_create_files / sysfs_create_group(s): attribute files in the
  kobject's directory (a named group gets a subdirectory; is_visible() may hide an attribute
  or change its mode); -EEXIST for a name taken, -EINVAL for a kobject with no directory.
* sysfs_emit / sysfs_emit_at: formatting into the PAGE_SIZE buffer show() was given.
* kobj_sysfs_ops: the kernel's kobj_attr_show/kobj_attr_store, calling the struct
  kobj_attribute's show/store (-EIO when it has none).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import list_add_tail, list_del_init, list_empty
from ..sysfs import PAGE_SIZE, ROOTS
from . import driver_core

table = ServiceTable("sysfs")


def _fs(k):
    return k.linux.sysfs


def _lay(k):
    return k.linux.layout


def _koff(k, field: str) -> int:
    return _lay(k).offset("struct kobject", field)


def _word(k) -> int:
    return k.machine.word_size


def _name(k, kobj: int) -> str:
    ptr = k.machine.mem.read_ptr(kobj + _koff(k, "name"))
    return k.machine.mem.read_cstr(ptr).decode("latin-1") if ptr else ""


def _duplicate(k, path: str) -> None:
    """sysfs_warn_dup's report (the WARN's stack is not reproduced)."""
    k.linux.pr(f"sysfs: cannot create duplicate filename '{path[len('/sys'):]}'", 3)


def setup(system) -> None:
    """At boot: kobj_sysfs_ops, dynamic_kobj_ktype and the root kobjects (kernel_kobj …)."""
    k, m = system.kernel, system.machine
    word = m.word_size
    ops = system.data.get("kobj_sysfs_ops")
    if ops is not None:
        m.mem.write_ptr(ops, k.installed["__kemu_kobj_attr_show"][1])
        m.mem.write_ptr(ops + word, k.installed["__kemu_kobj_attr_store"][1])
    ktype = m.alloc("kdata", 8 * word, 16)                 # struct kobj_type: release, sysfs_ops, …
    m.mem.write(ktype, bytes(8 * word))
    m.mem.write_ptr(ktype, k.installed["__kemu_dynamic_kobj_release"][1])
    m.mem.write_ptr(ktype + word, ops or 0)
    system.sysfs.dynamic_ktype = ktype
    size = _lay(k).size("struct kobject")
    for var, path in ROOTS:
        addr = system.data.get(var)
        if addr is None:
            continue
        kobj = m.alloc("kdata", size, 16)
        m.mem.write(kobj, bytes(size))
        name = path.rsplit("/", 1)[1].encode() + b"\0"
        name_addr = m.alloc("kdata", len(name), 8)
        m.mem.write(name_addr, name)
        m.mem.write_ptr(kobj + _lay(k).offset("struct kobject", "name"), name_addr)
        m.mem.write_u32(kobj + _lay(k).offset("struct kobject", "kref"), 1)
        m.mem.write_ptr(kobj + _lay(k).offset("struct kobject", "ktype"), ktype)
        system.sysfs.add_dir(path, kobj)
        m.mem.write_ptr(addr, kobj)


def _add(k, kobj: int, parent: int, name: str) -> int:
    """kobject_add_internal: the directory under the parent's; 0 or -errno. A kobject in a
    kset with no parent of its own goes under the kset's directory, and joins its list."""
    fs = _fs(k)
    kset = k.machine.mem.read_ptr(kobj + _koff(k, "kset"))
    if kset and not parent:
        parent = kset + _lay(k).offset("struct kset", "kobj")
    base = fs.path_of(parent) if parent else "/sys"
    if base is None or not name:
        return -k.errno.EINVAL if not name else -k.errno.ENOENT
    path = f"{base}/{name}"
    if not fs.add_dir(path, kobj):
        _duplicate(k, path)
        return -k.errno.EEXIST
    k.machine.mem.write_ptr(kobj + _koff(k, "parent"), parent)
    if parent:
        _kref_add(k, parent, 1)
    if kset:
        _kref_add(k, kset + _lay(k).offset("struct kset", "kobj"), 1)
        list_add_tail(k, kobj + _koff(k, "entry"), kset + _lay(k).offset("struct kset", "list"))
    return 0


def _kref_add(k, kobj: int, delta: int) -> int:
    at = kobj + _koff(k, "kref")
    value = (k.machine.mem.read_u32(at) + delta) & 0xFFFFFFFF
    k.machine.mem.write_u32(at, value)
    return value


def _set_name(k, kobj: int, name: str) -> None:
    data = name.encode("latin-1") + b"\0"
    addr = k.heap.alloc(len(data), "kobject name")
    k.machine.mem.write(addr, data)
    k.machine.mem.write_ptr(kobj + _koff(k, "name"), addr)


@table.service("struct kobject *kobject_create_and_add(const char *name, struct kobject *parent)")
def kobject_create_and_add(k, name: int, parent: int) -> int:
    """A new dynamic kobject with its directory; NULL on failure."""
    size = _lay(k).size("struct kobject")
    kobj = k.heap.alloc(size, "kobject", zero=True)
    text = k.machine.mem.read_cstr(name).decode("latin-1") if name else ""
    mem = k.machine.mem
    mem.write_u32(kobj + _koff(k, "kref"), 1)
    mem.write_ptr(kobj + _koff(k, "ktype"), _fs(k).dynamic_ktype)
    if text:
        _set_name(k, kobj, text)
    err = _add(k, kobj, parent, text)
    if err < 0:
        k.linux.pr(f"kobject_create_and_add: kobject_add error: {err}", 4)
        __kemu_dynamic_kobj_release(k, kobj)
        return 0
    return kobj


@table.service("int kobject_init_and_add(struct kobject *kobj, const struct kobj_type *ktype, "
               "struct kobject *parent, const char *fmt, ...)")
def kobject_init_and_add(k, kobj: int, ktype: int, parent: int, fmt: int, args) -> int:
    """kobject_init + kobject_add of an embedded kobject; 0 or -errno (the caller must still
    kobject_put it on failure, as in the kernel)."""
    k.check_length(kobj, _lay(k).size("struct kobject"), "write")
    mem = k.machine.mem
    kset = mem.read_ptr(kobj + _koff(k, "kset"))        # the caller's to set before (kobject.h)
    mem.write(kobj, bytes(_lay(k).size("struct kobject")))
    mem.write_ptr(kobj + _koff(k, "kset"), kset)
    mem.write_u32(kobj + _koff(k, "kref"), 1)
    mem.write_ptr(kobj + _koff(k, "ktype"), ktype)
    name = k.linux.format(fmt, args).decode("latin-1").replace("/", "!")
    _set_name(k, kobj, name)
    return _add(k, kobj, parent, name)


@table.service("struct kobject *kobject_get(struct kobject *kobj)")
def kobject_get(k, kobj: int) -> int:
    """Take a reference."""
    if kobj:
        _kref_add(k, kobj, 1)
    return kobj


@table.service("void kobject_del(struct kobject *kobj)")
def kobject_del(k, kobj: int) -> None:
    """Remove the kobject's directory (and what is in it); drop its parent reference."""
    if not kobj:
        return
    fs = _fs(k)
    path = fs.path_of(kobj)
    if path is not None:
        fs.remove_dir(path)
    kset = k.machine.mem.read_ptr(kobj + _koff(k, "kset"))
    entry = kobj + _koff(k, "entry")
    if kset and k.machine.mem.read_ptr(entry) and not list_empty(k, entry):
        list_del_init(k, entry)                          # kobj_kset_leave
        kobject_put(k, kset + _lay(k).offset("struct kset", "kobj"))
    parent = k.machine.mem.read_ptr(kobj + _koff(k, "parent"))
    if parent:
        k.machine.mem.write_ptr(kobj + _koff(k, "parent"), 0)
        kobject_put(k, parent)


@table.service("void kobject_put(struct kobject *kobj)")
def kobject_put(k, kobj: int) -> None:
    """Drop a reference; the last one removes the directory and calls the ktype's release()."""
    if not kobj:
        return
    if _kref_add(k, kobj, -1) != 0:
        return
    name = _name(k, kobj)
    kobject_del(k, kobj)
    ktype = k.machine.mem.read_ptr(kobj + _koff(k, "ktype"))
    release = k.machine.mem.read_ptr(ktype) if ktype else 0
    if not release:                             # kobject_cleanup's pr_debug; the name is still freed
        k.linux.pr(f"kobject: '{name}' ({kobj:#x}): does not have a release() function, "
                   "it is broken and must be fixed. See Documentation/core-api/kobject.rst.", 7)
        name_ptr = k.machine.mem.read_ptr(kobj + _koff(k, "name"))
        if name_ptr and name_ptr in k.heap:
            k.heap.free(name_ptr)
        return
    if release == k.installed["__kemu_dynamic_kobj_release"][1]:
        __kemu_dynamic_kobj_release(k, kobj)
        return
    name_ptr = k.machine.mem.read_ptr(kobj + _koff(k, "name"))
    k.linux.call_kernel_pointer(release, kobj, what="kobject release")
    if name_ptr:
        k.heap.free(name_ptr)                   # kobject_cleanup's kfree_const of the name


@table.service("void __kemu_dynamic_kobj_release(struct kobject *kobj)")
def __kemu_dynamic_kobj_release(k, kobj: int) -> None:
    """dynamic_kobj_release: free a kobject_create_and_add one (and its name)."""
    name = k.machine.mem.read_ptr(kobj + _koff(k, "name"))
    k.heap.free(kobj)
    if name:
        k.heap.free(name)


# --- attribute files --------------------------------------------------------------------------

def _attr(k, attr: int) -> tuple[str, int]:
    """(name, mode) of a struct attribute."""
    mem = k.machine.mem
    name = mem.read_ptr(attr)
    return (mem.read_cstr(name).decode("latin-1") if name else ""), mem.read_u16(attr + _word(k))


def _create_file(k, kobj: int, dir_path: str, attr: int, mode: int | None = None) -> int:
    name, own_mode = _attr(k, attr)
    if not name:
        return -k.errno.EINVAL
    if not _fs(k).add_file(dir_path, kobj, attr, name, own_mode if mode is None else mode):
        _duplicate(k, f"{dir_path}/{name}")
        return -k.errno.EEXIST
    return 0


@table.service("int sysfs_create_file_ns(struct kobject *kobj, const struct attribute *attr, const void *ns)")
def sysfs_create_file_ns(k, kobj: int, attr: int, ns: int) -> int:
    """An attribute file in the kobject's directory."""
    path = _fs(k).path_of(kobj) if kobj else None
    if path is None or not attr:
        return -k.errno.EINVAL
    return _create_file(k, kobj, path, attr)


@table.service("void sysfs_remove_file_ns(struct kobject *kobj, const struct attribute *attr, const void *ns)")
def sysfs_remove_file_ns(k, kobj: int, attr: int, ns: int) -> None:
    path = _fs(k).path_of(kobj)
    if path is not None and attr:
        _fs(k).remove_file(path, _attr(k, attr)[0])


def _attr_list(k, array: int) -> list[int]:
    """A NULL-terminated array of struct attribute pointers."""
    out, mem, word = [], k.machine.mem, _word(k)
    while array and len(out) < 4096:
        a = mem.read_ptr(array + word * len(out))
        if not a:
            break
        out.append(a)
    return out


@table.service("int sysfs_create_files(struct kobject *kobj, const struct attribute * const *ptr)")
def sysfs_create_files(k, kobj: int, ptr: int) -> int:
    """Each attribute of the NULL-terminated list; on an error the ones made are removed."""
    made = []
    for attr in _attr_list(k, ptr):
        err = sysfs_create_file_ns(k, kobj, attr, 0)
        if err:
            for a in made:
                sysfs_remove_file_ns(k, kobj, a, 0)
            return err
        made.append(attr)
    return 0


@table.service("void sysfs_remove_files(struct kobject *kobj, const struct attribute * const *ptr)")
def sysfs_remove_files(k, kobj: int, ptr: int) -> None:
    for attr in _attr_list(k, ptr):
        sysfs_remove_file_ns(k, kobj, attr, 0)


def _group(k, grp: int) -> tuple[str, int, int]:
    """(name, is_visible, attrs) of a struct attribute_group: name, is_visible,
    is_bin_visible, attrs, bin_attrs."""
    mem, word = k.machine.mem, _word(k)
    name = mem.read_ptr(grp)
    return ((mem.read_cstr(name).decode("latin-1") if name else ""), mem.read_ptr(grp + word),
            mem.read_ptr(grp + 3 * word))


@table.service("int sysfs_create_group(struct kobject *kobj, const struct attribute_group *grp)")
def sysfs_create_group(k, kobj: int, grp: int) -> int:
    """The group's attributes in the kobject's directory, or in a subdirectory named after it;
    a kobject of the driver model (a device's, a driver's) has its files kept by driver_core."""
    fs = _fs(k)
    base = fs.path_of(kobj) if kobj else None
    if base is None and kobj:
        return driver_core.create_group(k, kobj, grp)     # a device's or driver's kobject
    if base is None or not grp:
        return -k.errno.EINVAL
    name, is_visible, attrs = _group(k, grp)
    path = f"{base}/{name}" if name else base
    if name and not fs.add_dir(path, kobj, grp):
        _duplicate(k, path)
        return -k.errno.EEXIST
    made = []
    for i, attr in enumerate(_attr_list(k, attrs)):
        mode = None
        if is_visible:
            mode = k.linux.call_kernel_pointer(is_visible, kobj, attr, i, what="is_visible") & 0xFFFF
            if not mode:
                continue
        err = _create_file(k, kobj, path, attr, mode)
        if err:
            for a in made:
                fs.remove_file(path, _attr(k, a)[0])
            if name:
                fs.remove_dir(path)
            return err
        made.append(attr)
    return 0


@table.service("void sysfs_remove_group(struct kobject *kobj, const struct attribute_group *grp)")
def sysfs_remove_group(k, kobj: int, grp: int) -> None:
    fs = _fs(k)
    base = fs.path_of(kobj) if kobj else None
    if base is None and kobj and grp:
        driver_core.remove_group(k, kobj, grp)              # a device's or driver's kobject
        return
    if base is None or not grp:
        return
    name, _, attrs = _group(k, grp)
    if name:
        fs.remove_dir(f"{base}/{name}")
        return
    for attr in _attr_list(k, attrs):
        fs.remove_file(base, _attr(k, attr)[0])


@table.service("int sysfs_create_groups(struct kobject *kobj, const struct attribute_group **groups)")
def sysfs_create_groups(k, kobj: int, groups: int) -> int:
    made = []
    for grp in _attr_list(k, groups):
        err = sysfs_create_group(k, kobj, grp)
        if err:
            for g in made:
                sysfs_remove_group(k, kobj, g)
            return err
        made.append(grp)
    return 0


@table.service("void sysfs_remove_groups(struct kobject *kobj, const struct attribute_group **groups)")
def sysfs_remove_groups(k, kobj: int, groups: int) -> None:
    for grp in _attr_list(k, groups):
        sysfs_remove_group(k, kobj, grp)


# --- show/store helpers -------------------------------------------------------------------------

@table.service("int sysfs_emit(char *buf, const char *fmt, ...)")
def sysfs_emit(k, buf: int, fmt: int, args) -> int:
    """scnprintf into show()'s page; buf must be the page's start (WARN and 0 otherwise)."""
    return _emit(k, buf, 0, fmt, args)


@table.service("int sysfs_emit_at(char *buf, int at, const char *fmt, ...)")
def sysfs_emit_at(k, buf: int, at: int, fmt: int, args) -> int:
    """scnprintf at offset `at` of show()'s page."""
    at = at - (1 << 32) if at & 0x80000000 else at
    return _emit(k, buf, at, fmt, args)


def _emit(k, buf: int, at: int, fmt: int, args) -> int:
    if buf & (PAGE_SIZE - 1) or at < 0 or at >= PAGE_SIZE:
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr(f"invalid sysfs_emit{'_at' if at else ''}: buf:{buf:#x} at:{at}", 4)
        return 0
    text = k.linux.format(fmt, args)[:PAGE_SIZE - at - 1]
    k.machine.mem.write(buf + at, text + b"\0")
    return len(text)


@table.service("ssize_t __kemu_kobj_attr_show(struct kobject *kobj, struct attribute *attr, char *buf)")
def __kemu_kobj_attr_show(k, kobj: int, attr: int, buf: int) -> int:
    """kobj_attr_show: the struct kobj_attribute's show(kobj, kattr, buf), -EIO without one."""
    show = k.machine.mem.read_ptr(attr + 2 * _word(k))
    if not show:
        return -k.errno.EIO
    return k.linux.call_kernel_pointer(show, kobj, attr, buf, what="kobj_attribute show")


@table.service("ssize_t __kemu_kobj_attr_store(struct kobject *kobj, struct attribute *attr, const char *buf, "
               "size_t count)")
def __kemu_kobj_attr_store(k, kobj: int, attr: int, buf: int, count: int) -> int:
    """kobj_attr_store: the struct kobj_attribute's store(kobj, kattr, buf, count), -EIO without one."""
    store = k.machine.mem.read_ptr(attr + 3 * _word(k))
    if not store:
        return -k.errno.EIO
    return k.linux.call_kernel_pointer(store, kobj, attr, buf, count, what="kobj_attribute store")
