"""Filesystem type registration (fs/filesystems.c). The RCU waits a filesystem module's exit
makes before destroying its inode cache are rcu_callbacks.py's."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .owner import owning_module

table = ServiceTable("filesystems")


@table.service("int register_filesystem(struct file_system_type *fs)", needs_call=True)
def register_filesystem(k, fs: int, call=None) -> int:
    """Add the type to the kernel's list (mount -t NAME finds it); -EBUSY if the name is
    taken or the structure is already on a list."""
    owner = k.machine.mem.read_ptr(fs + k.linux.layout.offset("struct file_system_type", "owner"))
    return k.linux.filesystems.register(fs, owning_module(k, call, owner))


@table.service("int unregister_filesystem(struct file_system_type *fs)")
def unregister_filesystem(k, fs: int) -> int:
    """Take the type off the list; -EINVAL if it is not on it."""
    return k.linux.filesystems.unregister(fs)
