"""/proc entries (fs/proc/generic.c) and seq_file (fs/seq_file.c).

seq_read runs the module's seq_operations through their pointers — start, show, next … stop —
collecting what show prints with seq_printf/seq_puts, and hands the text out from the file
position. single_open's iterator is the kernel's own start/next/stop, here three services."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("seq_file")

SEQ_SKIP = 1
MAX_OUTPUT = 1 << 20          # bytes one seq_file may produce before kemu calls it runaway
MAX_ERRNO = 4095


def _seq(k, file: int) -> int:
    return k.machine.mem.read_ptr(file + k.linux.layout.offset("struct file", "private_data"))


@table.service("struct proc_dir_entry *proc_create(const char *name, umode_t mode, "
               "struct proc_dir_entry *parent, const struct proc_ops *proc_ops)", needs_call=True)
def proc_create(k, name: int, mode: int, parent: int, proc_ops: int, call=None) -> int:
    """A /proc file whose operations are proc_ops; NULL if the name is taken."""
    text = k.read_str(name, 256).decode("latin-1")
    return k.linux.proc_entries.create(text, mode, parent, proc_ops, k.loader.module_at(call.return_address))


@table.service("struct proc_dir_entry *proc_create_data(const char *name, umode_t mode, "
               "struct proc_dir_entry *parent, const struct proc_ops *proc_ops, void *data)", needs_call=True)
def proc_create_data(k, name: int, mode: int, parent: int, proc_ops: int, data: int, call=None) -> int:
    """proc_create with a pointer the open function finds with pde_data(inode)."""
    text = k.read_str(name, 256).decode("latin-1")
    return k.linux.proc_entries.create(text, mode, parent, proc_ops, k.loader.module_at(call.return_address),
                                       data)


@table.service("struct proc_dir_entry *proc_mkdir(const char *name, struct proc_dir_entry *parent)",
               needs_call=True)
def proc_mkdir(k, name: int, parent: int, call=None) -> int:
    """A /proc directory for a module's entries."""
    text = k.read_str(name, 256).decode("latin-1")
    return k.linux.proc_entries.create(text, 0o40555, parent, 0, k.loader.module_at(call.return_address))


@table.service("void remove_proc_entry(const char *name, struct proc_dir_entry *parent)")
def remove_proc_entry(k, name: int, parent: int) -> None:
    """Remove the entry `name` under parent (NULL: /proc)."""
    k.linux.proc_entries.remove(k.read_str(name, 256).decode("latin-1"), parent)


@table.service("void proc_remove(struct proc_dir_entry *de)")
def proc_remove(k, de: int) -> None:
    """Remove an entry (and what lies under it) by its pointer."""
    k.linux.proc_entries.remove_pde(de)


@table.service("int seq_open(struct file *file, const struct seq_operations *op)")
def seq_open(k, file: int, op: int) -> int:
    """A seq_file for this open file, iterating with `op` (file->private_data)."""
    lay, mem = k.linux.layout, k.machine.mem
    seq = k.heap.alloc(lay.size("struct seq_file"), "seq_file", zero=True)
    mem.write_ptr(seq + lay.offset("struct seq_file", "op"), op)
    mem.write_ptr(seq + lay.offset("struct seq_file", "file"), file)
    mem.write_ptr(file + lay.offset("struct file", "private_data"), seq)
    return 0


@table.service("void *__kemu_single_start(struct seq_file *p, loff_t *pos)")
def __kemu_single_start(k, p: int, pos: int) -> int:
    """single_open's start: one record (SEQ_START_TOKEN) at position 0."""
    return 0 if k.machine.mem.read_u64(pos) else 1


@table.service("void *__kemu_single_next(struct seq_file *p, void *v, loff_t *pos)")
def __kemu_single_next(k, p: int, v: int, pos: int) -> int:
    """single_open's next: past the one record."""
    k.machine.mem.write_u64(pos, k.machine.mem.read_u64(pos) + 1)
    return 0


@table.service("void __kemu_single_stop(struct seq_file *p, void *v)")
def __kemu_single_stop(k, p: int, v: int) -> None:
    """single_open's stop: nothing to release."""


@table.service("int single_open(struct file *file, int (*show)(struct seq_file *, void *), void *data)")
def single_open(k, file: int, show: int, data: int) -> int:
    """A seq_file whose only record is what `show` prints; data becomes m->private."""
    lay, mem, inst = k.linux.layout, k.machine.mem, k.installed
    op = k.heap.alloc(lay.size("struct seq_operations"), "seq_file", zero=True)
    for field, name in (("start", "__kemu_single_start"), ("next", "__kemu_single_next"),
                        ("stop", "__kemu_single_stop")):
        mem.write_ptr(op + lay.offset("struct seq_operations", field), inst[name][1])
    mem.write_ptr(op + lay.offset("struct seq_operations", "show"), show)
    seq_open(k, file, op)
    mem.write_ptr(_seq(k, file) + lay.offset("struct seq_file", "private"), data)
    return 0


def _generate(k, seq: int) -> bytes | int:
    """Run the iterator once from position 0: the whole text, or a negative errno."""
    lay, mem, linux = k.linux.layout, k.machine.mem, k.linux
    op = mem.read_ptr(seq + lay.offset("struct seq_file", "op"))
    fn = {f: mem.read_ptr(op + lay.offset("struct seq_operations", f)) for f in ("start", "next", "stop", "show")}
    pos = k.heap.alloc(8, "seq_file", zero=True)
    linux.seq_output[seq] = bytearray()
    out = bytearray()
    word = (1 << (8 * k.word_size)) - 1
    try:
        p = linux.call_kernel_word(fn["start"], seq, pos, what="seq_file start")
        while p and p < word - MAX_ERRNO + 1:
            before = len(linux.seq_output[seq])
            ret = linux.call_kernel_pointer(fn["show"], seq, p, what="seq_file show")
            if ret < 0:
                return ret
            if ret == SEQ_SKIP:
                del linux.seq_output[seq][before:]
            if len(linux.seq_output[seq]) > MAX_OUTPUT:
                break
            p = linux.call_kernel_word(fn["next"], seq, p, pos, what="seq_file next")
        linux.call_kernel_pointer(fn["stop"], seq, p, what="seq_file stop")
        if p and p >= word - MAX_ERRNO + 1:
            return p - word - 1
        out = linux.seq_output.pop(seq)
    finally:
        linux.seq_output.pop(seq, None)
        k.heap.free(pos)
    return bytes(out)


@table.service("ssize_t seq_read(struct file *file, char *buf, size_t size, loff_t *ppos)")
def seq_read(k, file: int, buf: int, size: int, ppos: int) -> int:
    """Read the records' text from *ppos (generated on the first read of this open)."""
    seq, linux = _seq(k, file), k.linux
    text = linux.seq_text.get(seq)
    if text is None:
        text = _generate(k, seq)
        if isinstance(text, int):
            return text
        linux.seq_text[seq] = text
    pos = k.machine.mem.read_u64(ppos)
    chunk = text[pos:pos + size]
    if chunk:
        if not (k.user.contains(buf, len(chunk)) and k.machine.mem.is_mapped(buf, len(chunk))):
            return -k.errno.EFAULT
        k.machine.mem.write(buf, chunk)
        k.machine.mem.write_u64(ppos, pos + len(chunk))
    return len(chunk)


@table.service("loff_t seq_lseek(struct file *file, loff_t offset, int whence)")
def seq_lseek(k, file: int, offset: int, whence: int) -> int:
    """SEEK_SET and SEEK_CUR within the text; -EINVAL otherwise."""
    at = file + k.linux.layout.offset("struct file", "f_pos")
    offset = offset - (1 << 64) if offset >> 63 else offset
    new = {0: offset, 1: k.machine.mem.read_u64(at) + offset}.get(whence)
    if new is None or new < 0:
        return -k.errno.EINVAL
    k.machine.mem.write_u64(at, new)
    return new


@table.service("int seq_release(struct inode *inode, struct file *file)")
def seq_release(k, inode: int, file: int) -> int:
    """Free the seq_file seq_open made."""
    seq = _seq(k, file)
    k.linux.seq_text.pop(seq, None)
    k.heap.free(seq)
    return 0


@table.service("int single_release(struct inode *inode, struct file *file)")
def single_release(k, inode: int, file: int) -> int:
    """Free what single_open made."""
    seq = _seq(k, file)
    op = k.machine.mem.read_ptr(seq + k.linux.layout.offset("struct seq_file", "op"))
    seq_release(k, inode, file)
    k.heap.free(op)
    return 0


def _append(k, m: int, data: bytes) -> None:
    out = k.linux.seq_output.get(m)
    if out is not None:
        out += data


@table.service("void seq_printf(struct seq_file *m, const char *fmt, ...)")
def seq_printf(k, m: int, fmt: int, args) -> None:
    """Formatted text into the record being shown."""
    _append(k, m, k.linux.format(fmt, args))


@table.service("void seq_puts(struct seq_file *m, const char *s)")
def seq_puts(k, m: int, s: int) -> None:
    """A string into the record being shown."""
    _append(k, m, k.read_str(s))


@table.service("void seq_putc(struct seq_file *m, char c)")
def seq_putc(k, m: int, c: int) -> None:
    """One character into the record being shown."""
    _append(k, m, bytes([c & 0xFF]))


@table.service("int seq_write(struct seq_file *seq, const void *data, size_t len)")
def seq_write(k, seq: int, data: int, length: int) -> int:
    """Bytes into the record being shown."""
    k.check_length(data, length, "read")
    _append(k, seq, k.machine.mem.read(data, length))
    return 0
