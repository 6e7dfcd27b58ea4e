"""The kernel's list of filesystem types (fs/filesystems.c) and /proc/filesystems.

Built-in types come first, in the order Debian's 6.1 kernel registers them at boot (the
ones its configuration builds in: CONFIG_PROC_FS, TMPFS, CGROUPS, CPUSETS, DEVTMPFS,
DEBUG_FS, TRACING, SECURITYFS, BPF_SYSCALL, HUGETLBFS, UNIX98_PTYS, POSIX_MQUEUE, PSTORE =y);
a module's `struct file_system_type` is appended by register_filesystem and chained through
its `next` field as the kernel chains them."""
from __future__ import annotations

from dataclasses import dataclass

FS_REQUIRES_DEV = 1
BUILTIN = ("sysfs", "tmpfs", "bdev", "proc", "cgroup", "cgroup2", "cpuset", "devtmpfs", "debugfs", "tracefs",
           "securityfs", "sockfs", "bpf", "pipefs", "ramfs", "hugetlbfs", "devpts", "mqueue", "pstore")


@dataclass
class FsType:
    addr: int              # struct file_system_type (0 for a built-in one)
    name: str
    requires_dev: bool
    module: object = None


class FileSystems:
    def __init__(self, system):
        self.system = system
        self.types: list[FsType] = [FsType(0, name, False) for name in BUILTIN]

    def _off(self, field: str) -> int:
        return self.system.layout.offset("struct file_system_type", field)

    def register(self, fs: int, module) -> int:
        """0, or -EBUSY when this structure is already on a list or the name is taken."""
        s, mem = self.system, self.system.machine.mem
        name = s.kernel.read_str(mem.read_ptr(fs + self._off("name")), 64).decode("latin-1")
        if mem.read_ptr(fs + self._off("next")) or any(t.name == name or t.addr == fs for t in self.types):
            return -s.errno.EBUSY
        if "." in name:
            from kemu.kernel import KernelPanic
            raise KernelPanic(f"kernel BUG at fs/filesystems.c: register_filesystem: '.' in {name!r}")
        flags = mem.read_u32(fs + self._off("fs_flags"))
        last = next((t for t in reversed(self.types) if t.addr), None)
        if last is not None:
            mem.write_ptr(last.addr + self._off("next"), fs)
        entry = FsType(fs, name, bool(flags & FS_REQUIRES_DEV), module)
        self.types.append(entry)
        if module is not None:
            module.on_unload(f"filesystem {name}", lambda: self._unlink(entry))
        return 0

    def _unlink(self, entry: FsType) -> None:
        if entry not in self.types:
            return
        mem = self.system.machine.mem
        i = self.types.index(entry)
        before = next((t for t in reversed(self.types[:i]) if t.addr), None)
        if before is not None:
            mem.write_ptr(before.addr + self._off("next"), mem.read_ptr(entry.addr + self._off("next")))
        mem.write_ptr(entry.addr + self._off("next"), 0)
        self.types.remove(entry)

    def unregister(self, fs: int) -> int:
        """0, or -EINVAL for a type that is not registered."""
        entry = next((t for t in self.types if t.addr == fs and fs), None)
        if entry is None:
            return -self.system.errno.EINVAL
        self._unlink(entry)
        if entry.module is not None:
            entry.module.forget_undo(f"filesystem {entry.name}")
        return 0

    def proc_filesystems(self) -> str:
        """/proc/filesystems: "nodev" for a type that needs no block device, a tab, the name."""
        return "".join(f"{'' if t.requires_dev else 'nodev'}\t{t.name}\n" for t in self.types)
