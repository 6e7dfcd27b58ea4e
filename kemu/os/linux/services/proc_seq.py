"""/proc files driven by a module's seq_operations (fs/proc/generic.c's proc_create_seq*,
fs/seq_file.c's *_private helpers, 6.1).

proc_create_seq_private(name, mode, parent, ops, state_size, data) is behind the
proc_create_seq() and proc_create_seq_data() macros: the entry remembers the seq_operations
and the size of a per-open private state, and gets the kernel's own proc_ops (proc_seq_open,
seq_read, seq_lseek, proc_seq_release). Opening it is seq_open, or seq_open_private with a
zeroed state of `state_size` bytes in seq->private; `data` is what pde_data() gives the
module's functions (inode->i_private). kemu builds that proc_ops once in kernel memory from
these services and keeps each entry's (ops, state_size) by its proc_dir_entry, which the
open finds from the inode (PDE(inode), proc_entries.open_inodes).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import seq_file
from .owner import owning_module

table = ServiceTable("proc_seq")

ENOMEM = 12


def _entries(k) -> dict[int, tuple[int, int]]:
    """proc_dir_entry -> (seq_operations, state_size) of the seq entries."""
    return k.linux.__dict__.setdefault("proc_seq_entries", {})


def _seq_ops(k) -> int:
    """The proc_ops every proc_create_seq* entry shares (made on first use)."""
    linux = k.linux
    ops = linux.__dict__.get("proc_seq_ops")
    if not ops:
        lay, mem = linux.layout, k.machine.mem
        size = lay.size("struct proc_ops")
        ops = k.machine.alloc("kdata", size, 16)
        mem.write(ops, bytes(size))
        for field, name in (("proc_open", "__kemu_proc_seq_open"), ("proc_read", "seq_read"),
                            ("proc_lseek", "seq_lseek"), ("proc_release", "__kemu_proc_seq_release")):
            mem.write_ptr(ops + lay.offset("struct proc_ops", field), k.installed[name][1])
        linux.__dict__["proc_seq_ops"] = ops
    return ops


@table.service("struct proc_dir_entry *proc_create_seq_private(const char *name, umode_t mode, "
               "struct proc_dir_entry *parent, const struct seq_operations *ops, "
               "unsigned int state_size, void *data)", needs_call=True)
def proc_create_seq_private(k, name: int, mode: int, parent: int, ops: int, state_size: int, data: int,
                            call=None) -> int:
    """A /proc file iterated by `ops`, each open with a zeroed private state of state_size
    bytes (none for 0); NULL if the name is taken or the parent unknown."""
    module = owning_module(k, call)
    pde = k.linux.proc_entries.create(k.read_str(name, 256).decode("latin-1"), mode, parent, _seq_ops(k),
                                      module, data)
    if pde:
        _entries(k)[pde] = (ops, state_size)
    return pde


def _entry(k, inode: int) -> tuple[int, int]:
    entry = k.linux.proc_entries.open_inodes.get(inode)
    return _entries(k).get(entry.pde, (0, 0)) if entry is not None else (0, 0)


@table.service("int __kemu_proc_seq_open(struct inode *inode, struct file *file)")
def __kemu_proc_seq_open(k, inode: int, file: int) -> int:
    """proc_seq_open: seq_open_private with the entry's state size, else seq_open."""
    ops, state_size = _entry(k, inode)
    if state_size:
        return seq_open_private(k, file, ops, state_size)
    return seq_file.seq_open(k, file, ops)


@table.service("int __kemu_proc_seq_release(struct inode *inode, struct file *file)")
def __kemu_proc_seq_release(k, inode: int, file: int) -> int:
    """proc_seq_release: seq_release_private when the entry has a state, else seq_release."""
    _, state_size = _entry(k, inode)
    if state_size:
        return seq_release_private(k, inode, file)
    return seq_file.seq_release(k, inode, file)


def _seq_private(k, file: int) -> int:
    lay = k.linux.layout
    seq = k.machine.mem.read_ptr(file + lay.offset("struct file", "private_data"))
    return seq + lay.offset("struct seq_file", "private")


@table.service("void *__seq_open_private(struct file *f, const struct seq_operations *ops, int psize)")
def __seq_open_private(k, f: int, ops: int, psize: int) -> int:
    """seq_open with a zeroed `psize`-byte state in seq->private; that state (NULL on failure)."""
    private = k.heap.alloc(max(psize, 0), "kmalloc", zero=True)
    if seq_file.seq_open(k, f, ops):
        k.heap.free(private)
        return 0
    k.machine.mem.write_ptr(_seq_private(k, f), private)
    return private


@table.service("int seq_open_private(struct file *filp, const struct seq_operations *ops, int psize)")
def seq_open_private(k, filp: int, ops: int, psize: int) -> int:
    """__seq_open_private, as 0 or -ENOMEM."""
    return 0 if __seq_open_private(k, filp, ops, psize) else -ENOMEM


@table.service("int seq_release_private(struct inode *inode, struct file *file)")
def seq_release_private(k, inode: int, file: int) -> int:
    """Free seq->private, then the seq_file (seq_release)."""
    at = _seq_private(k, file)
    private = k.machine.mem.read_ptr(at)
    if private:
        k.heap.free(private)
    k.machine.mem.write_ptr(at, 0)
    return seq_file.seq_release(k, inode, file)


LIST_WALK_LIMIT = 1 << 20           # a list longer than this is a corrupted (cyclic) one


@table.service("struct list_head *seq_list_start(struct list_head *head, loff_t pos)")
def seq_list_start(k, head: int, pos: int) -> int:
    """The pos-th entry of the list (0 first), NULL past its end."""
    mem = k.machine.mem
    node = mem.read_ptr(head)
    for _ in range(LIST_WALK_LIMIT):
        if node == head:
            return 0
        if pos == 0:
            return node
        pos -= 1
        node = mem.read_ptr(node)
    return 0


@table.service("struct list_head *seq_list_start_head(struct list_head *head, loff_t pos)")
def seq_list_start_head(k, head: int, pos: int) -> int:
    """The head itself for position 0 (a header line), else entry pos-1."""
    return head if not pos else seq_list_start(k, head, pos - 1)


@table.service("struct list_head *seq_list_next(void *v, struct list_head *head, loff_t *ppos)")
def seq_list_next(k, v: int, head: int, ppos: int) -> int:
    """The entry after v (NULL at the end), advancing *ppos."""
    mem = k.machine.mem
    mem.write_u64(ppos, (mem.read_u64(ppos) + 1) & (2**64 - 1))
    nxt = mem.read_ptr(v)
    return 0 if nxt == head else nxt
