"""Entries modules add to /proc (proc_create), and the open files that reach them through
their proc_ops with a real struct inode and struct file in guest memory."""
from __future__ import annotations

from dataclasses import dataclass

from kemu.kernel import GuestCrash

S_IFDIR = 0o040000


@dataclass
class ProcEntry:
    name: str
    path: str
    mode: int
    parent: int
    ops: int
    pde: int
    data: int
    size: int = 0          # proc_set_size: the i_size a stat shows
    uid: int = 0           # proc_set_user: the owner (init_user_ns ids)
    gid: int = 0
    target: str = ""       # proc_symlink: where the link points


class ProcEntries:
    def __init__(self, system):
        self.system = system
        self.entries: dict[str, ProcEntry] = {}
        self.open_inodes: dict[int, ProcEntry] = {}     # inode of an open file -> its entry (PDE())

    def _parent_path(self, parent: int) -> str | None:
        if not parent:
            return "/proc"
        for e in self.entries.values():
            if e.pde == parent:
                return e.path
        return None

    def create(self, name: str, mode: int, parent: int, ops: int, module, data: int = 0) -> int:
        k = self.system.kernel
        base = self._parent_path(parent)
        if base is None or not name:
            return 0
        path = f"{base}/{name}"
        if path in self.entries:
            self.system.pr(f"proc_dir_entry '{base[1:]}/{name}' already registered", 4)
            return 0
        pde = k.heap.alloc(64, "proc_dir_entry", zero=True)
        entry = ProcEntry(name, path, mode, parent, ops, pde, data)
        self.entries[path] = entry
        if module is not None:
            module.on_unload(f"/proc entry {path}", lambda: self._drop(entry))
        return pde

    def _drop(self, entry: ProcEntry) -> None:
        for path in [p for p in self.entries if p == entry.path or p.startswith(entry.path + "/")]:
            gone = self.entries.pop(path)
            self.system.kernel.heap.free(gone.pde)
            for m in self.system.kernel.loader.modules:
                m.forget_undo(f"/proc entry {path}")

    def remove(self, name: str, parent: int) -> None:
        base = self._parent_path(parent)
        entry = self.entries.get(f"{base}/{name}") if base else None
        if entry is None:
            self.system.pr("------------[ cut here ]------------", 4)   # WARN(1, "name '%s'")
            self.system.pr(f"name '{name}'", 4)
            return
        self._drop(entry)

    def remove_pde(self, pde: int) -> None:
        for e in list(self.entries.values()):
            if e.pde == pde:
                self._drop(e)
                return

    def by_pde(self, pde: int) -> ProcEntry | None:
        """The entry whose proc_dir_entry is at `pde`."""
        return next((e for e in self.entries.values() if e.pde == pde), None)

    def lookup_dir(self, path: str) -> int:
        """The proc_dir_entry of the directory at `path`, 0 if there is none."""
        e = self.entries.get(path)
        return e.pde if e is not None and e.mode & S_IFDIR else 0

    def lookup(self, path: str) -> ProcEntry | None:
        e = self.entries.get(path)
        return e if e is not None and not e.mode & S_IFDIR and e.ops else None


class ProcFile:
    """One open of a module's /proc entry."""

    def __init__(self, system, entry: ProcEntry):
        self.system, self.entry = system, entry
        k, lay, mem = system.kernel, system.layout, system.machine.mem
        self.inode = k.heap.alloc(lay.size("struct inode"), "inode", zero=True)
        self.file = k.heap.alloc(lay.size("struct file"), "file", zero=True)
        mem.write_u16(self.inode + lay.offset("struct inode", "i_mode"), 0o100000 | (entry.mode & 0o7777))
        mem.write_ptr(self.inode + lay.offset("struct inode", "i_private"), entry.data)
        mem.write_ptr(self.file + lay.offset("struct file", "f_inode"), self.inode)
        mem.write_u32(self.file + lay.offset("struct file", "f_mode"), 1)
        system.proc_entries.open_inodes[self.inode] = entry
        op = self._op("proc_open")
        if op:
            try:
                ret = system.call_kernel_pointer(op, self.inode, self.file, what=f"{entry.path}: open")
            except GuestCrash:
                self._free()
                raise
            if ret:
                self._free()
                raise system.errno.error(system.errno_name(-ret), entry.path)

    def _op(self, name: str) -> int:
        lay = self.system.layout
        return self.system.machine.mem.read_ptr(self.entry.ops + lay.offset("struct proc_ops", name))

    def read(self, n: int) -> bytes:
        s = self.system
        op = self._op("proc_read")
        if not op:
            raise s.errno.error("EINVAL", self.entry.path)
        pos = self.file + s.layout.offset("struct file", "f_pos")
        with s.kernel.user.buffer(max(n, 1)) as buf:
            ret = s.call_kernel_word(op, self.file, buf, n, pos, what=f"{self.entry.path}: read")
            bits = 8 * s.machine.word_size
            ret = ret - (1 << bits) if ret >> (bits - 1) else ret
            if ret < 0:
                raise s.errno.error(s.errno_name(-ret), self.entry.path)
            return s.machine.mem.read(buf, ret)

    def close(self) -> None:
        op = self._op("proc_release")
        try:
            if op:
                self.system.call_kernel_pointer(op, self.inode, self.file, what=f"{self.entry.path}: release")
        finally:
            self._free()

    def _free(self) -> None:
        self.system.proc_entries.open_inodes.pop(self.inode, None)
        self.system.kernel.heap.free(self.file)
        self.system.kernel.heap.free(self.inode)
