"""sysfs as modules build it: kobject directories and attribute files under /sys, read and
written through the kobject's own sysfs_ops (fs/sysfs/file.c, lib/kobject.c, 6.1).

A directory belongs to a kobject (kobject_create_and_add, kobject_init_and_add) or is a
named attribute group's subdirectory. An attribute file is a `struct attribute` the module
registered on a kobject; reading it calls `ktype->sysfs_ops->show(kobj, attr, page)` with a
zeroed page of kernel memory and returns what show() put there (its return value is the
length, or a negative errno); writing copies the data into a page (NUL-terminated, at most
PAGE_SIZE - 1 bytes) and calls `store(kobj, attr, page, count)`. kobj_sysfs_ops's show and
store are kemu's (services/sysfs.py): they call the `struct kobj_attribute`'s own show/store
around the attribute. The roots modules hang things on (kernel_kobj, mm_kobj, fs_kobj,
firmware_kobj) are kobjects made at boot for /sys/kernel, /sys/kernel/mm, /sys/fs and
/sys/firmware.

Permissions are the attribute's mode: opening for reading needs a read bit and a show,
for writing a write bit and a store (EACCES otherwise, as the VFS refuses it).
"""
from __future__ import annotations

from dataclasses import dataclass, field

PAGE_SIZE = 4096
S_IRUGO = 0o444
S_IWUGO = 0o222
ROOTS = (("kernel_kobj", "/sys/kernel"), ("mm_kobj", "/sys/kernel/mm"), ("fs_kobj", "/sys/fs"),
         ("firmware_kobj", "/sys/firmware"))


@dataclass
class SysfsDir:
    path: str
    kobj: int                       # the kobject the files in it are shown through
    group: int = 0                  # the attribute_group of a group's subdirectory


@dataclass
class SysfsAttr:
    path: str
    kobj: int
    attr: int                       # struct attribute *
    mode: int


@dataclass
class SysfsFile:
    """One open attribute file: its text made by show() on the first read, or writes passed
    to store()."""
    sysfs: "Sysfs"
    node: SysfsAttr
    text: bytes | None = None
    offset: int = 0
    errors: list = field(default_factory=list)

    def read(self, n: int) -> bytes:
        if self.text is None:
            self.text = self.sysfs.show(self.node)
        data = self.text[self.offset:self.offset + n]
        self.offset += len(data)
        return data

    def write(self, data: bytes) -> int:
        return self.sysfs.store(self.node, data)

    def close(self) -> None:
        pass


class Sysfs:
    """The /sys tree of kobject directories and attribute files."""

    def __init__(self, system) -> None:
        self.system = system
        self.dirs: dict[str, SysfsDir] = {}
        self.files: dict[str, SysfsAttr] = {}
        self.kobj_paths: dict[int, str] = {}
        self.links: dict[str, str] = {}         # symlink path -> the path it points at
        self.notified: dict[str, int] = {}      # attribute path -> sysfs_notify calls on it
        self.dynamic_ktype = 0          # set by services/sysfs.py's setup

    # --- the tree ----------------------------------------------------------------------------
    def path_of(self, kobj: int) -> str | None:
        return self.kobj_paths.get(kobj)

    def add_dir(self, path: str, kobj: int, group: int = 0) -> bool:
        """False if the path exists already."""
        if path in self.dirs or path in self.files:
            return False
        self.dirs[path] = SysfsDir(path, kobj, group)
        if not group:
            self.kobj_paths[kobj] = path
        return True

    def remove_dir(self, path: str) -> None:
        """Remove a directory and everything under it."""
        prefix = path + "/"
        for p in [p for p in self.files if p.startswith(prefix)]:
            del self.files[p]
        for p in [p for p in self.links if p.startswith(prefix)]:
            del self.links[p]
        for p in [p for p in self.dirs if p == path or p.startswith(prefix)]:
            d = self.dirs.pop(p)
            if not d.group and self.kobj_paths.get(d.kobj) == p:
                del self.kobj_paths[d.kobj]

    def add_file(self, dir_path: str, kobj: int, attr: int, name: str, mode: int) -> bool:
        path = f"{dir_path}/{name}"
        if path in self.files or path in self.dirs:
            return False
        self.files[path] = SysfsAttr(path, kobj, attr, mode)
        return True

    def remove_file(self, dir_path: str, name: str) -> None:
        self.files.pop(f"{dir_path}/{name}", None)

    def add_link(self, dir_path: str, name: str, target: str) -> bool:
        """A symlink `name` in a directory, pointing at `target`; False if the name is taken."""
        path = f"{dir_path}/{name}"
        if path in self.files or path in self.dirs or path in self.links:
            return False
        self.links[path] = target
        return True

    def remove_link(self, dir_path: str, name: str) -> bool:
        return self.links.pop(f"{dir_path}/{name}", None) is not None

    def listing(self, path: str) -> list[str] | None:
        """Names in a directory, sorted; None if it is not one."""
        if path not in self.dirs:
            return None
        prefix = path + "/"
        names = {p[len(prefix):].split("/")[0] for p in [*self.files, *self.dirs, *self.links]
                 if p.startswith(prefix)}
        return sorted(names)

    # --- files -------------------------------------------------------------------------------
    def open(self, path: str, mode) -> SysfsFile | None:
        """An open attribute file, None if `path` is none; EACCES as the VFS decides it."""
        node = self.files.get(path)
        if node is None:
            return None
        e = self.system.errno
        writing = mode in ("w", "rw", "a", 1, 2)
        reading = mode in ("r", "rw", 0, 2)
        show, store = self._ops(node.kobj)
        if writing and (not node.mode & S_IWUGO or not store):
            raise e.error("EACCES", path)
        if reading and (not node.mode & S_IRUGO or not show):
            raise e.error("EACCES", path)
        return SysfsFile(self, node)

    def _ops(self, kobj: int) -> tuple[int, int]:
        """(show, store) of the kobject's ktype's sysfs_ops."""
        mem, word = self.system.machine.mem, self.system.machine.word_size
        ktype = mem.read_ptr(kobj + self.system.layout.offset("struct kobject", "ktype"))
        ops = mem.read_ptr(ktype + word) if ktype else 0          # kobj_type.sysfs_ops
        if not ops:
            return 0, 0
        return mem.read_ptr(ops), mem.read_ptr(ops + word)

    def _page(self) -> int:
        k = self.system.kernel
        return k.heap.alloc(PAGE_SIZE, "sysfs page", zero=True, align=PAGE_SIZE)

    def _result(self, value: int, path: str) -> int:
        """show/store's ssize_t (a signed C int from call_kernel_pointer): -errno raises."""
        if value < 0:
            raise self.system.errno.error(self.system.errno_name(-value), path)
        return value

    def show(self, node: SysfsAttr) -> bytes:
        show, _ = self._ops(node.kobj)
        page = self._page()
        try:
            n = self._result(self.system.call_kernel_pointer(show, node.kobj, node.attr, page,
                                                             what="sysfs show"), node.path)
            if n > PAGE_SIZE:
                n = PAGE_SIZE
            return self.system.machine.mem.read(page, n)
        finally:
            self.system.kernel.heap.free(page)

    def store(self, node: SysfsAttr, data: bytes) -> int:
        _, store = self._ops(node.kobj)
        data = bytes(data[:PAGE_SIZE - 1])
        page = self._page()
        try:
            self.system.machine.mem.write(page, data)
            return self._result(self.system.call_kernel_pointer(store, node.kobj, node.attr, page, len(data),
                                                                what="sysfs store"), node.path)
        finally:
            self.system.kernel.heap.free(page)
