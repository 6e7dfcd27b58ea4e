"""/proc/net files of a namespace as modules make them (fs/proc/proc_net.c in Linux 6.1).

`proc_create_net_data(name, mode, parent, ops, state_size, data)` is proc_create_seq_private
for the namespace's /proc/net: with no parent the entry goes in /proc/net (kemu's one
namespace, init_net); it is NULL when the name is taken there, as the kernel's is. The entry
remembers its seq_operations and per-open state size like any proc_create_seq* entry
(services/proc_seq.py). Not yet done: the kernel's seq_open_net also stores the namespace in
the state's struct seq_net_private, which show functions read through seq_file_net().
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import proc_seq, proc_single
from .owner import owning_module

table = ServiceTable("proc_net")


@table.service("struct proc_dir_entry *proc_create_net_data(const char *name, umode_t mode, "
               "struct proc_dir_entry *parent, const struct seq_operations *ops, "
               "unsigned int state_size, void *data)", needs_call=True)
def proc_create_net_data(k, name: int, mode: int, parent: int, ops: int, state_size: int, data: int,
                         call=None) -> int:
    """A seq_file entry in /proc/net (or under `parent`); NULL if the name is taken."""
    text = k.read_str(name, 256).decode("latin-1")
    module = owning_module(k, call)
    pde = k.linux.proc_entries.create(text if parent else f"net/{text}", mode, parent,
                                      proc_seq._seq_ops(k), module, data)
    if pde:
        proc_seq._entries(k)[pde] = (ops, state_size)
    return pde


@table.service("struct proc_dir_entry *proc_create_net_single(const char *name, umode_t mode, "
               "struct proc_dir_entry *parent, int (*show)(struct seq_file *, void *), void *data)",
               needs_call=True)
def proc_create_net_single(k, name: int, mode: int, parent: int, show: int, data: int, call=None) -> int:
    """A single_open file in /proc/net (or under `parent`) printed by show(); NULL if taken."""
    word = k.machine.word_size
    pair = k.heap.alloc(2 * word, "proc_dir_entry", zero=True)
    k.machine.mem.write_ptr(pair, show)
    k.machine.mem.write_ptr(pair + word, data)
    text = k.read_str(name, 256).decode("latin-1")
    module = owning_module(k, call)
    pde = k.linux.proc_entries.create(text if parent else f"net/{text}", mode, parent,
                                      proc_single._single_ops(k), module, pair)
    if not pde:
        k.heap.free(pair)
    elif module is not None:
        module.on_unload("proc single data", lambda: k.heap.free(pair) if pair in k.heap else None)
    return pde
