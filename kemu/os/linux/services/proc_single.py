"""proc_create_single_data (fs/proc/generic.c): a /proc file made of one show() function.

The kernel gives such an entry its own proc_ops (proc_single_open → single_open with the
entry's show and data, seq_read, seq_lseek, single_release). kemu builds that proc_ops once
in kernel memory from its seq_file services, and keeps each entry's (show, data) pair in a
small kernel block the entry's inode carries (i_private), which its open reads."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import seq_file
from .owner import owning_module

table = ServiceTable("proc_single")


def _single_ops(k) -> int:
    linux = k.linux
    ops = linux.proc_single_ops
    if not ops:
        lay, mem = linux.layout, k.machine.mem
        ops = k.machine.alloc("kdata", lay.size("struct proc_ops"), 16)
        mem.write(ops, bytes(lay.size("struct proc_ops")))
        for field, name in (("proc_open", "__kemu_proc_single_open"), ("proc_read", "seq_read"),
                            ("proc_lseek", "seq_lseek"), ("proc_release", "single_release")):
            mem.write_ptr(ops + lay.offset("struct proc_ops", field), k.installed[name][1])
        linux.proc_single_ops = ops
    return ops


@table.service("struct proc_dir_entry *proc_create_single_data(const char *name, umode_t mode, "
               "struct proc_dir_entry *parent, int (*show)(struct seq_file *, void *), void *data)",
               needs_call=True)
def proc_create_single_data(k, name: int, mode: int, parent: int, show: int, data: int, call=None) -> int:
    """A /proc file whose text is what show(m, data) prints; NULL if the name is taken."""
    word = k.machine.word_size
    pair = k.heap.alloc(2 * word, "proc_dir_entry", zero=True)
    k.machine.mem.write_ptr(pair, show)
    k.machine.mem.write_ptr(pair + word, data)
    module = owning_module(k, call)
    pde = k.linux.proc_entries.create(k.read_str(name, 256).decode("latin-1"), mode, parent, _single_ops(k),
                                      module, pair)
    if not pde:
        k.heap.free(pair)
    elif module is not None:
        module.on_unload("proc single data", lambda: k.heap.free(pair))
    return pde


@table.service("int __kemu_proc_single_open(struct inode *inode, struct file *file)")
def __kemu_proc_single_open(k, inode: int, file: int) -> int:
    """proc_single_open: single_open with the entry's show and data."""
    lay, mem = k.linux.layout, k.machine.mem
    pair = mem.read_ptr(inode + lay.offset("struct inode", "i_private"))
    return seq_file.single_open(k, file, mem.read_ptr(pair), mem.read_ptr(pair + k.machine.word_size))
