"""debugfs (fs/debugfs/inode.c, file.c; 6.1): the directories and files drivers put under
/sys/kernel/debug.

Every entry is a real `struct dentry` (its name in d_iname or a kernel string, d_parent,
d_inode) with a `struct inode` (mode, i_private = the creator's data, i_fop = its
file_operations) in guest memory, so a driver that walks d_parent or reads
file_inode(file)->i_private finds what the kernel would give it; d_fsdata holds the real
fops with DEBUGFS_FSDATA_IS_REAL_FOPS_BIT as debugfs keeps it. Top-level entries hang off
the debugfs root dentry ("/"). As in the kernel, creating under an ERR_PTR parent returns
that parent, a name already present under the parent is ERR_PTR(-EEXIST) with debugfs's
message, and debugfs_remove() takes a whole subtree. The value files (debugfs_create_u32,
_x8, _bool, _blob, ...) read as the kernel's attribute files print them
(/sys/kernel/debug/PATH through `read_value`); files with a module's own fops are listed but
not opened from kemu's console. What a module leaves behind is removed when it goes, so
nothing keeps pointing into its freed data; d_name's hash is left 0 (kemu has no dcache to
look names up in).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kemu.kernel import ServiceTable

from .owner import owning_module

table = ServiceTable("debugfs")

S_IFMT, S_IFDIR, S_IFREG, S_IFLNK = 0o170000, 0o040000, 0o100000, 0o120000
DIR_MODE = S_IFDIR | 0o755
EEXIST, ENOENT = 17, 2
MAX_ERRNO = 4095
FSDATA_IS_REAL_FOPS_BIT = 1


@dataclass
class Node:
    """One debugfs entry: its dentry and inode in guest memory, what it shows."""
    name: str
    dentry: int
    inode: int
    parent: "Node | None"
    mode: int
    kind: str = "dir"                   # dir, file, symlink, or a value kind (u32, x8, bool, blob ...)
    value: int = 0                      # the variable (or blob wrapper) a value file shows
    target: str = ""                    # a symlink's destination
    name_block: int = 0                 # heap string for a name too long for d_iname
    children: dict = field(default_factory=dict)
    module: object = None

    @property
    def path(self) -> str:
        if self.parent is None:
            return ""
        return f"{self.parent.path}/{self.name}"


class DebugFs:
    """The tree, by dentry address."""

    def __init__(self, k) -> None:
        self.k = k
        self.nodes: dict[int, Node] = {}
        self.root = self._make("/", None, DIR_MODE, 0, 0)

    def _make(self, name: str, parent: Node | None, mode: int, data: int, fops: int) -> Node:
        k, lay, mem = self.k, self.k.linux.layout, self.k.machine.mem
        dentry = k.heap.alloc(lay.size("struct dentry"), "dentry", zero=True)
        inode = k.heap.alloc(lay.size("struct inode"), "inode", zero=True)
        raw = name.encode("latin-1")
        inline = lay.field_size("struct dentry", "d_iname")
        name_block = 0
        if len(raw) < inline:
            text = dentry + lay.offset("struct dentry", "d_iname")
        else:
            text = name_block = k.heap.alloc(len(raw) + 1, "dentry name", zero=True)
        mem.write(text, raw + b"\0")
        qstr = dentry + lay.offset("struct dentry", "d_name")
        mem.write_u64(qstr + lay.offset("struct qstr", "hash_len"), len(raw) << 32)
        mem.write_ptr(qstr + lay.offset("struct qstr", "name"), text)
        mem.write_ptr(dentry + lay.offset("struct dentry", "d_parent"), parent.dentry if parent else dentry)
        mem.write_ptr(dentry + lay.offset("struct dentry", "d_inode"), inode)
        if fops:
            mem.write_ptr(dentry + lay.offset("struct dentry", "d_fsdata"), fops | FSDATA_IS_REAL_FOPS_BIT)
            mem.write_ptr(inode + lay.offset("struct inode", "i_fop"), fops)
        mem.write_u16(inode + lay.offset("struct inode", "i_mode"), mode & 0xFFFF)
        mem.write_ptr(inode + lay.offset("struct inode", "i_private"), data)
        node = Node(name, dentry, inode, parent, mode, name_block=name_block)
        self.nodes[dentry] = node
        if parent is not None:
            parent.children[name] = node
        return node

    def parent_of(self, parent: int) -> Node | None:
        return self.root if not parent else self.nodes.get(parent)

    def create(self, name: str, mode: int, parent: int, data: int, fops: int, module) -> "Node | int":
        """start_creating + the inode: the new node, or a negative errno."""
        k = self.k
        where = self.parent_of(parent)
        if where is None:
            return -ENOENT
        if name in where.children:
            kind = "Directory" if where.children[name].kind == "dir" else "File"
            prep = "with parent" if kind == "Directory" else "in directory"
            k.linux.pr(f"debugfs: {kind} '{name}' {prep} '{where.name}' already present!", 3)
            return -EEXIST
        node = self._make(name, where, mode, data, fops)
        node.module = module
        if module is not None:
            module.on_unload(f"debugfs {node.path}", lambda: self.remove(node, forget=False))
        return node

    def remove(self, node: Node, forget: bool = True) -> None:
        """debugfs_remove: the node and everything under it."""
        if node.dentry not in self.nodes or node is self.root:
            return
        for child in list(node.children.values()):
            self.remove(child, forget)
        if node.parent is not None:
            node.parent.children.pop(node.name, None)
        del self.nodes[node.dentry]
        if forget and node.module is not None:
            node.module.forget_undo(f"debugfs {node.path}")
        for block in (node.dentry, node.inode, node.name_block):
            if block:
                self.k.heap.free(block)

    def lookup(self, path: str) -> Node | None:
        node = self.root
        for part in [p for p in path.split("/") if p]:
            node = node.children.get(part)
            if node is None:
                return None
        return node


def debugfs(k) -> DebugFs:
    reg = k.linux.__dict__.get("debugfs")
    if reg is None:
        reg = k.linux.__dict__["debugfs"] = DebugFs(k)
    return reg


def _is_err(k, ptr: int) -> bool:
    mask = (1 << (8 * k.machine.word_size)) - 1
    return ptr > mask - MAX_ERRNO


def _err_ptr(k, errno: int) -> int:
    return (-errno) & ((1 << (8 * k.machine.word_size)) - 1)


def _create(k, name: int, mode: int, parent: int, data: int, fops: int, call, kind: str = "file",
            value: int = 0) -> int:
    if _is_err(k, parent):
        return parent
    if not mode & S_IFMT:
        mode |= S_IFREG
    got = debugfs(k).create(k.read_str(name, 256).decode("latin-1"), mode, parent, data, fops,
                            owning_module(k, call))
    if isinstance(got, int):
        return _err_ptr(k, -got)
    got.kind, got.value = kind, value
    return got.dentry


@table.service("struct dentry *debugfs_create_dir(const char *name, struct dentry *parent)", needs_call=True)
def debugfs_create_dir(k, name: int, parent: int, call=None) -> int:
    """A directory (drwxr-xr-x) under parent (NULL: the debugfs root)."""
    return _create(k, name, DIR_MODE, parent, 0, 0, call, "dir")


@table.service("struct dentry *debugfs_create_file(const char *name, umode_t mode, struct dentry *parent, "
               "void *data, const struct file_operations *fops)", needs_call=True)
def debugfs_create_file(k, name: int, mode: int, parent: int, data: int, fops: int, call=None) -> int:
    """A file whose opens reach fops with inode->i_private = data."""
    return _create(k, name, mode, parent, data, fops, call)


@table.service("struct dentry *debugfs_create_file_unsafe(const char *name, umode_t mode, "
               "struct dentry *parent, void *data, const struct file_operations *fops)", needs_call=True)
def debugfs_create_file_unsafe(k, name: int, mode: int, parent: int, data: int, fops: int, call=None) -> int:
    """debugfs_create_file without the removal-protecting proxy (the same entry here)."""
    return _create(k, name, mode, parent, data, fops, call)


@table.service("void debugfs_create_file_size(const char *name, umode_t mode, struct dentry *parent, "
               "void *data, const struct file_operations *fops, loff_t file_size)", needs_call=True)
def debugfs_create_file_size(k, name: int, mode: int, parent: int, data: int, fops: int, file_size: int,
                             call=None) -> None:
    """debugfs_create_file with the inode's size set (i_size)."""
    dentry = _create(k, name, mode, parent, data, fops, call)
    if not _is_err(k, dentry):
        node = debugfs(k).nodes[dentry]
        k.machine.mem.write_u64(node.inode + k.linux.layout.offset("struct inode", "i_size"), file_size)


@table.service("struct dentry *debugfs_create_symlink(const char *name, struct dentry *parent, "
               "const char *target)", needs_call=True)
def debugfs_create_symlink(k, name: int, parent: int, target: int, call=None) -> int:
    """A symbolic link to `target` (lrwxrwxrwx)."""
    dentry = _create(k, name, S_IFLNK | 0o777, parent, 0, 0, call, "symlink")
    if not _is_err(k, dentry):
        debugfs(k).nodes[dentry].target = k.read_str(target, 4096).decode("latin-1")
    return dentry


@table.service("void debugfs_remove(struct dentry *dentry)")
def debugfs_remove(k, dentry: int) -> None:
    """Remove an entry and everything under it; NULL and ERR_PTRs are ignored."""
    if not dentry or _is_err(k, dentry):
        return
    reg = debugfs(k)
    node = reg.nodes.get(dentry)
    if node is not None:
        reg.remove(node)


@table.service("struct dentry *debugfs_lookup(const char *name, struct dentry *parent)")
def debugfs_lookup(k, name: int, parent: int) -> int:
    """The entry `name` under parent (NULL: the root), or NULL."""
    where = debugfs(k).parent_of(parent)
    node = where.children.get(k.read_str(name, 256).decode("latin-1")) if where else None
    return node.dentry if node else 0


@table.service("void debugfs_lookup_and_remove(const char *name, struct dentry *parent)")
def debugfs_lookup_and_remove(k, name: int, parent: int) -> None:
    """debugfs_remove of the entry `name` under parent, if there is one."""
    debugfs_remove(k, debugfs_lookup(k, name, parent))


@table.service("bool debugfs_initialized(void)")
def debugfs_initialized(k) -> int:
    """debugfs is registered at boot: true."""
    return 1


def _value_service(kind: str, ctype: str):
    @table.service(f"void debugfs_create_{kind}(const char *name, umode_t mode, struct dentry *parent, "
                   f"{ctype} *value)", needs_call=True)
    def create(k, name: int, mode: int, parent: int, value: int, call=None) -> None:
        _create(k, name, mode, parent, value, 0, call, kind, value)
    create.__doc__ = f"A file showing the {ctype} at `value` as the kernel's fops_{kind} prints it."
    return create


VALUE_KINDS = {"u8": "u8", "u16": "u16", "u32": "u32", "u64": "u64", "ulong": "unsigned long",
               "x8": "u8", "x16": "u16", "x32": "u32", "x64": "u64", "size_t": "size_t",
               "atomic_t": "int", "bool": "bool"}
for _kind, _ctype in VALUE_KINDS.items():
    globals()[f"debugfs_create_{_kind}"] = _value_service(_kind, _ctype)


@table.service("struct dentry *debugfs_create_blob(const char *name, umode_t mode, struct dentry *parent, "
               "struct debugfs_blob_wrapper *blob)", needs_call=True)
def debugfs_create_blob(k, name: int, mode: int, parent: int, blob: int, call=None) -> int:
    """A read-only file showing the bytes the blob wrapper points at."""
    return _create(k, name, mode, parent, blob, 0, call, "blob", blob)


def read_value(system, path: str) -> str | None:
    """The text of /sys/kernel/debug/PATH for a value or blob file (None otherwise)."""
    k = system.kernel
    reg = k.linux.__dict__.get("debugfs")
    node = reg.lookup(path) if reg is not None else None
    if node is None or node.kind in ("dir", "file", "symlink"):
        return None
    mem, word, addr = k.machine.mem, k.machine.word_size, node.value
    sizes = {"u8": 1, "x8": 1, "u16": 2, "x16": 2, "u32": 4, "x32": 4, "u64": 8, "x64": 8,
             "ulong": word, "size_t": word, "atomic_t": 4, "bool": 1}
    if node.kind == "blob":
        lay = system.layout
        data = mem.read_ptr(addr + lay.offset("struct debugfs_blob_wrapper", "data"))
        size = mem.read_ptr(addr + lay.offset("struct debugfs_blob_wrapper", "size"))
        return mem.read(data, size).decode("latin-1") if size else ""
    size = sizes[node.kind]
    raw = mem.read_int(addr, size)
    if node.kind == "bool":
        return "Y\n" if raw else "N\n"
    if node.kind.startswith("x"):
        return f"0x{raw:0{2 * size}x}\n"
    if node.kind == "atomic_t":
        return f"{raw - (1 << 32) if raw & 0x80000000 else raw}\n"
    return f"{raw}\n"
