"""Kernel functions the Debian corpus run (`kemu corpus`) found blocking the most modules,
each as the kernel does it:

* `__list_add_valid` / `__list_del_entry_valid` (lib/list_debug.c, Debian builds with
  CONFIG_DEBUG_LIST): every list_add/list_del in a module asks them first; they check the
  neighbours' links, and on corruption WARN with the kernel's text and answer false (the
  operation is then skipped), else true;
* `strsep` (lib/string.c): split a string in place at the first of some delimiters;
* `proc_mkdir_mode` / `proc_mkdir_data` / `_proc_mkdir` (fs/proc/generic.c): /proc
  directories with a mode or a data pointer, beside proc_mkdir in seq_file.py;
* `__class_register` / `class_unregister` (drivers/base/class.c): classes a module defines
  statically, refused when the name is taken;
* the sysctl registrations (kernel/sysctl.c, net/sysctl_net.c): a header per table, given
  back on unregister or when the module goes.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("corpus_common")

#: LIST_POISON1/2 (include/linux/poison.h): 0x100/0x122 plus POISON_POINTER_DELTA, which
#: x86-64 sets to 0xdead000000000000 and i386 leaves 0
LIST_POISON = {"x86_64": (0xDEAD000000000100, 0xDEAD000000000122), "i386": (0x100, 0x122)}
S_IFDIR = 0o040000


def _corruption(k, text: str) -> bool:
    """CHECK_DATA_CORRUPTION without BUG_ON_DATA_CORRUPTION: a WARN, and false."""
    k.linux.pr("------------[ cut here ]------------", 4)
    k.linux.pr(text, 4)
    k.linux.add_taint("W")
    return False


def _px(k, value: int) -> str:
    return f"{value:0{2 * k.machine.word_size}x}"


@table.service("bool __list_add_valid(struct list_head *new, struct list_head *prev, struct list_head *next)")
def __list_add_valid(k, new: int, prev: int, next: int) -> int:
    """May `new` go between `prev` and `next`? (they must point at each other, new be neither)"""
    mem = k.machine.mem
    if not prev:
        return _corruption(k, "list_add corruption. prev is NULL.")
    if not next:
        return _corruption(k, "list_add corruption. next is NULL.")
    next_prev, prev_next = mem.read_ptr(next + k.machine.word_size), mem.read_ptr(prev)
    if next_prev != prev:
        return _corruption(k, f"list_add corruption. next->prev should be prev ({_px(k, prev)}), "
                              f"but was {_px(k, next_prev)}. (next={_px(k, next)}).")
    if prev_next != next:
        return _corruption(k, f"list_add corruption. prev->next should be next ({_px(k, next)}), "
                              f"but was {_px(k, prev_next)}. (prev={_px(k, prev)}).")
    if new == prev or new == next:
        return _corruption(k, f"list_add double add: new={_px(k, new)}, prev={_px(k, prev)}, "
                              f"next={_px(k, next)}.")
    return True


@table.service("bool __list_del_entry_valid(struct list_head *entry)")
def __list_del_entry_valid(k, entry: int) -> int:
    """May `entry` be unlinked? (its neighbours must point back at it, it not be poisoned)"""
    mem, word = k.machine.mem, k.machine.word_size
    nxt, prev = mem.read_ptr(entry), mem.read_ptr(entry + word)
    poison1, poison2 = LIST_POISON[k.machine.arch]
    if not nxt:
        return _corruption(k, f"list_del corruption, {_px(k, entry)}->next is NULL")
    if not prev:
        return _corruption(k, f"list_del corruption, {_px(k, entry)}->prev is NULL")
    if nxt == poison1:
        return _corruption(k, f"list_del corruption, {_px(k, entry)}->next is LIST_POISON1 ({_px(k, poison1)})")
    if prev == poison2:
        return _corruption(k, f"list_del corruption, {_px(k, entry)}->prev is LIST_POISON2 ({_px(k, poison2)})")
    prev_next, next_prev = mem.read_ptr(prev), mem.read_ptr(nxt + word)
    if prev_next != entry:
        return _corruption(k, f"list_del corruption. prev->next should be {_px(k, entry)}, but was "
                              f"{_px(k, prev_next)}. (prev={_px(k, prev)})")
    if next_prev != entry:
        return _corruption(k, f"list_del corruption. next->prev should be {_px(k, entry)}, but was "
                              f"{_px(k, next_prev)}. (next={_px(k, nxt)})")
    return True


@table.service("char *strsep(char **s, const char *ct)")
def strsep(k, s: int, ct: int) -> int:
    """The token at *s up to the first byte of `ct` (NUL-terminated there); *s moves past it,
    or becomes NULL after the last token. NULL when *s already is."""
    mem = k.machine.mem
    begin = mem.read_ptr(s)
    if not begin:
        return 0
    text, delims = k.read_str(begin), set(k.read_str(ct))
    cut = next((i for i, b in enumerate(text) if b in delims), None)
    if cut is None:
        mem.write_ptr(s, 0)
    else:
        mem.write(begin + cut, b"\0")
        mem.write_ptr(s, begin + cut + 1)
    return begin


@table.service("struct proc_dir_entry *proc_mkdir_mode(const char *name, umode_t mode, "
               "struct proc_dir_entry *parent)", needs_call=True)
def proc_mkdir_mode(k, name: int, mode: int, parent: int, call=None) -> int:
    """A /proc directory with the given permission bits; NULL if the name is taken."""
    text = k.read_str(name, 256).decode("latin-1")
    return k.linux.proc_entries.create(text, S_IFDIR | (mode & 0o7777 or 0o555), parent, 0,
                                       k.loader.module_at(call.return_address))


@table.service("struct proc_dir_entry *proc_mkdir_data(const char *name, umode_t mode, "
               "struct proc_dir_entry *parent, void *data)", needs_call=True)
def proc_mkdir_data(k, name: int, mode: int, parent: int, data: int, call=None) -> int:
    """proc_mkdir_mode with a data pointer for the entries' open functions."""
    text = k.read_str(name, 256).decode("latin-1")
    return k.linux.proc_entries.create(text, S_IFDIR | (mode & 0o7777 or 0o555), parent, 0,
                                       k.loader.module_at(call.return_address), data)


@table.service("struct proc_dir_entry *_proc_mkdir(const char *name, umode_t mode, "
               "struct proc_dir_entry *parent, void *data, bool force_lookup)", needs_call=True)
def _proc_mkdir(k, name: int, mode: int, parent: int, data: int, force_lookup: int, call=None) -> int:
    """proc_mkdir_data with the lookup flag proc_net_mkdir passes (no dentry cache in kemu)."""
    return proc_mkdir_data(k, name, mode, parent, data, call=call)


# --- static classes (drivers/base/class.c) ----------------------------------------------------

def _registered_classes(k) -> dict[int, str]:
    """struct class address -> name, for classes modules registered themselves."""
    linux = k.linux
    if not hasattr(linux, "registered_classes"):
        linux.registered_classes = {}
    return linux.registered_classes


@table.service("int __class_register(struct class *cls, struct lock_class_key *key)", needs_call=True)
def __class_register(k, cls: int, key: int, call=None) -> int:
    """Register a class the module defined statically (class_register): -EEXIST when a class
    of that name exists already (made by class_create or registered), else 0."""
    lay = k.linux.layout
    name = k.read_str(k.machine.mem.read_ptr(cls + lay.offset("struct class", "name")), 64).decode("latin-1")
    classes = _registered_classes(k)
    if name in classes.values() or name in k.linux.chrdevs.classes.values():
        k.linux.pr(f"kobject_add_internal failed for {name} with -EEXIST, don't try to register "
                   "things with the same name in the same directory.", 3)
        return -k.errno.EEXIST
    classes[cls] = name
    module = k.loader.module_at(call.return_address)
    if module is not None:
        module.on_unload(f"class {name}", lambda: classes.pop(cls, None))
    return 0


@table.service("void class_unregister(struct class *cls)")
def class_unregister(k, cls: int) -> None:
    """Unregister a class registered with class_register."""
    name = _registered_classes(k).pop(cls, None)
    if name is not None:
        for m in k.loader.modules:
            m.forget_undo(f"class {name}")


# --- sysctl tables (kernel/sysctl.c) ----------------------------------------------------------


def _sysctl_headers(k) -> dict[int, str]:
    linux = k.linux
    if not hasattr(linux, "sysctl_headers"):
        linux.sysctl_headers = {}
    return linux.sysctl_headers


def _register_sysctl(k, path: str, table_addr: int, call) -> int:
    """The header keeps the table in ctl_table_arg: per-net users (sctp, nf_conntrack) kmemdup
    their table, and at exit kfree header->ctl_table_arg after unregistering."""
    lay = k.linux.layout
    header = k.heap.alloc(lay.size("struct ctl_table_header"), "sysctl", zero=True, caller=call.return_address)
    k.machine.mem.write_ptr(header + lay.offset("struct ctl_table_header", "ctl_table_arg"), table_addr)
    headers = _sysctl_headers(k)
    headers[header] = path
    module = k.loader.module_at(call.return_address)
    if module is not None:
        def undo() -> None:
            if headers.pop(header, None) is not None:
                k.heap.free(header)
        module.on_unload(f"sysctl {header:#x}", undo)
    return header


@table.service("struct ctl_table_header *register_sysctl_table(struct ctl_table *table)", needs_call=True)
def register_sysctl_table(k, table_addr: int, call=None) -> int:
    """Register a sysctl table under /proc/sys; the header unregister_sysctl_table takes."""
    return _register_sysctl(k, "", table_addr, call)


@table.service("struct ctl_table_header *register_sysctl(const char *path, struct ctl_table *table)",
               needs_call=True)
def register_sysctl(k, path: int, table_addr: int, call=None) -> int:
    """Register a sysctl table at /proc/sys/PATH."""
    return _register_sysctl(k, k.read_str(path, 256).decode("latin-1"), table_addr, call)


@table.service("struct ctl_table_header *register_net_sysctl(struct net *net, const char *path, "
               "struct ctl_table *table)", needs_call=True)
def register_net_sysctl(k, net: int, path: int, table_addr: int, call=None) -> int:
    """Register a per-network-namespace sysctl table at /proc/sys/PATH (kemu has one
    namespace); unregister_net_sysctl_table takes the header back."""
    return _register_sysctl(k, k.read_str(path, 256).decode("latin-1"), table_addr, call)


@table.service("void unregister_net_sysctl_table(struct ctl_table_header *header)")
def unregister_net_sysctl_table(k, header: int) -> None:
    """Unregister a table register_net_sysctl made."""
    unregister_sysctl_table(k, header)


@table.service("void unregister_sysctl_table(struct ctl_table_header *header)")
def unregister_sysctl_table(k, header: int) -> None:
    """Unregister a sysctl table (NULL is ignored)."""
    if _sysctl_headers(k).pop(header, None) is not None:
        k.heap.free(header)
        for m in k.loader.modules:
            m.forget_undo(f"sysctl {header:#x}")
