"""What a module sets on its /proc entries after making them, and the removals and links
beyond proc_create/proc_mkdir (fs/proc/generic.c, 6.1): proc_set_size, proc_set_user,
proc_symlink, remove_proc_subtree. They work on the /proc model of proc_entries.py."""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("proc_attrs")

S_IFLNK = 0o120000
ENOENT = 2


def _entry(k, de: int, what: str):
    entry = k.linux.proc_entries.by_pde(de)
    if entry is None:
        raise KernelPanic(f"{what}: {de:#x} is not a proc_dir_entry")
    return entry


@table.service("void proc_set_size(struct proc_dir_entry *de, loff_t size)")
def proc_set_size(k, de: int, size: int) -> None:
    """The size the entry's inode reports (ALSA sets its info files' sizes)."""
    _entry(k, de, "proc_set_size").size = size


@table.service("void proc_set_user(struct proc_dir_entry *de, unsigned int uid, unsigned int gid)")
def proc_set_user(k, de: int, uid: int, gid: int) -> None:
    """The entry's owner (kuid_t/kgid_t are one-u32 structs, passed as that u32)."""
    entry = _entry(k, de, "proc_set_user")
    entry.uid, entry.gid = uid & 0xFFFFFFFF, gid & 0xFFFFFFFF


@table.service("struct proc_dir_entry *proc_symlink(const char *name, struct proc_dir_entry *parent, "
               "const char *dest)", needs_call=True)
def proc_symlink(k, name: int, parent: int, dest: int, call=None) -> int:
    """A symbolic link in /proc pointing at dest; NULL if the name is taken."""
    text = k.read_str(name, 256).decode("latin-1")
    target = k.read_str(dest, 4096).decode("latin-1")
    pde = k.linux.proc_entries.create(text, S_IFLNK | 0o777, parent, 0,
                                      k.loader.module_at(call.return_address))
    if pde:
        k.linux.proc_entries.by_pde(pde).target = target
    return pde


@table.service("int remove_proc_subtree(const char *name, struct proc_dir_entry *parent)")
def remove_proc_subtree(k, name: int, parent: int) -> int:
    """Remove an entry and everything under it: 0, or -ENOENT if there is no such entry."""
    entries = k.linux.proc_entries
    base = entries._parent_path(parent)
    entry = entries.entries.get(f"{base}/{k.read_str(name, 256).decode('latin-1')}") if base else None
    if entry is None:
        return -ENOENT
    entries._drop(entry)
    return 0
