"""In-kernel mounts of a module's own filesystem: superblocks, inodes and dentries in guest
memory (fs/super.c, fs/inode.c, fs/dcache.c, fs/libfs.c in 6.1), enough for a filesystem
such as configfs to mount itself with kern_mount/simple_pin_fs and build its tree.

The filesystem's code does the filesystem's part for real: its init_fs_context, get_tree,
fill_super, its inodes' and dentries' operations. kemu does the VFS's part: a superblock per
single-instance type (get_tree_single), inodes as new_inode() makes them (i_sb, i_count 1,
nlink 1, i_mapping = &i_data, an initialised i_rwsem), dentries with their names, parent,
d_subdirs/d_child links, d_lockref count and d_op from the superblock's s_d_op, and the
reference counting that frees them: dput of the last reference to an unhashed (or, per
d_op->d_delete, unwanted) dentry kills it, calling d_op->d_release and d_iput (or iput);
iput of the last reference evicts the inode through s_op->evict_inode and frees it through
s_op->destroy_inode/free_inode, or kemu's heap. The last mntput deactivates the superblock:
fs_type->kill_sb runs (kill_litter_super drops the pinned dentries, then every dentry and
inode left goes), and inodes still referenced then are 6.1's "VFS: Busy inodes after
unmount" report. Reference counts live in guest memory, where inline dget() changes them.

Nothing is looked up by name: there is no dcache hash (d_name.hash is 0), as no path walk
reaches these mounts from kemu's console.
"""
from __future__ import annotations

from .list_head import init_list, list_add_tail, list_del_init
from .services.driver_basics import __init_rwsem as init_rwsem

S_IFMT, S_IFDIR, S_IFREG, S_IFLNK = 0o170000, 0o040000, 0o100000, 0o120000
DCACHE_ENTRY_TYPE = 0x00700000
DCACHE_DIRECTORY_TYPE, DCACHE_REGULAR_TYPE = 0x00200000, 0x00400000
DCACHE_SPECIAL_TYPE, DCACHE_SYMLINK_TYPE = 0x00500000, 0x00600000
DCACHE_OP_HASH, DCACHE_OP_COMPARE, DCACHE_OP_REVALIDATE, DCACHE_OP_DELETE = 0x1, 0x2, 0x4, 0x8
SB_KERNMOUNT, SB_ACTIVE, SB_BORN = 1 << 22, 1 << 30, 1 << 29
MAX_ERRNO = 4095


class Vfs:
    """The superblocks, inodes, dentries and mounts modules have made."""

    def __init__(self, linux) -> None:
        self.linux = linux
        self.k = linux.kernel
        self.mem = linux.machine.mem
        self.lay = linux.layout
        self.word = linux.machine.word_size
        self.supers: dict[int, list[int]] = {}        # superblock -> its inodes
        self.single: dict[int, int] = {}               # fs_type -> its one superblock (get_tree_single)
        self.hashed: set[int] = set()                  # dentries d_add/d_make_root put in the tree
        self.dentries: set[int] = set()
        self.names: dict[int, int] = {}                # dentry -> heap block of a long name
        self.mounts: dict[int, int] = {}               # vfsmount -> references (mntget/mntput)
        self.next_ino = 0
        self.empty_ops = linux.machine.alloc("kdata", 512, 16)   # empty_iops / no_open_fops: all NULL
        self.mem.write(self.empty_ops, bytes(512))

    # --- small helpers ------------------------------------------------------------------
    def off(self, struct: str, field: str) -> int:
        return self.lay.offset(f"struct {struct}", field)

    def ptr(self, addr: int, struct: str, field: str) -> int:
        return self.mem.read_ptr(addr + self.off(struct, field))

    def set_ptr(self, addr: int, struct: str, field: str, value: int) -> None:
        self.mem.write_ptr(addr + self.off(struct, field), value)

    def is_err(self, value: int) -> bool:
        return value >= (1 << (8 * self.word)) - MAX_ERRNO

    def signed(self, value: int) -> int:
        value &= (1 << (8 * self.word)) - 1
        return value - (1 << (8 * self.word)) if value >> (8 * self.word - 1) else value

    def err_ptr(self, errno: int) -> int:
        return (1 << (8 * self.word)) - errno

    def call(self, fn: int, *args: int) -> int:
        return self.linux.machine.call(fn, *args)

    def op(self, ops: int, struct: str, field: str) -> int:
        return self.ptr(ops, struct, field) if ops else 0

    # --- inodes -------------------------------------------------------------------------
    def new_inode(self, sb: int) -> int:
        """new_inode(): s_op->alloc_inode or a zeroed struct inode, initialised as
        inode_init_always leaves it, on the superblock's list."""
        alloc = self.op(self.ptr(sb, "super_block", "s_op"), "super_operations", "alloc_inode")
        if alloc:
            inode = self.call(alloc, sb)
            if not inode:
                return 0
        else:
            size = self.lay.size("struct inode")
            inode = self.k.heap.alloc(size, "inode", zero=True)
        mem, i = self.mem, lambda f: inode + self.off("inode", f)     # noqa: E731
        self.set_ptr(inode, "inode", "i_sb", sb)
        mem.write_u8(i("i_blkbits"), mem.read_u8(sb + self.off("super_block", "s_blocksize_bits")))
        mem.write_u32(i("i_count"), 1)
        mem.write_u32(i("__i_nlink"), 1)
        self.set_ptr(inode, "inode", "i_op", self.empty_ops)
        self.set_ptr(inode, "inode", "i_fop", self.empty_ops)
        data = i("i_data")
        self.set_ptr(data, "address_space", "host", inode)
        self.set_ptr(inode, "inode", "i_mapping", data)
        init_rwsem(self.k, i("i_rwsem"), 0, 0)
        init_list(self.k, i("i_sb_list"))
        self.supers.setdefault(sb, []).append(inode)
        return inode

    def iput(self, inode: int) -> None:
        """Drop a reference; the last one evicts and frees the inode (generic_drop_inode:
        nothing keeps an unused inode cached here)."""
        if not inode:
            return
        count_at = inode + self.off("inode", "i_count")
        count = self.mem.read_u32(count_at)
        if count == 0:
            self.linux.pr(f"VFS: iput of an unused inode {inode:#x}", 4)
            return
        self.mem.write_u32(count_at, count - 1)
        if count == 1:
            self.evict(inode)

    def evict(self, inode: int) -> None:
        sb = self.ptr(inode, "inode", "i_sb")
        s_op = self.ptr(sb, "super_block", "s_op")
        evict = self.op(s_op, "super_operations", "evict_inode")
        if evict:
            self.call(evict, inode)
        if inode in self.supers.get(sb, []):
            self.supers[sb].remove(inode)
        destroy = self.op(s_op, "super_operations", "destroy_inode")
        free = self.op(s_op, "super_operations", "free_inode")
        if destroy:
            self.call(destroy, inode)
        elif free:
            self.call(free, inode)
        else:
            self.k.heap.free(inode)

    def inode_type_flags(self, inode: int) -> int:
        mode = self.mem.read_u16(inode + self.off("inode", "i_mode")) & S_IFMT
        return {S_IFDIR: DCACHE_DIRECTORY_TYPE, S_IFREG: DCACHE_REGULAR_TYPE,
                S_IFLNK: DCACHE_SYMLINK_TYPE}.get(mode, DCACHE_SPECIAL_TYPE)

    # --- dentries -----------------------------------------------------------------------
    def count_at(self, dentry: int) -> int:
        return dentry + self.off("dentry", "d_lockref") + self.off("lockref", "count")

    def d_alloc(self, parent: int, name: bytes, sb: int | None = None) -> int:
        """A dentry named `name` under `parent` (0 for a root), count 1, negative."""
        mem, lay = self.mem, self.lay
        dentry = self.k.heap.alloc(lay.size("struct dentry"), "dentry", zero=True)
        inline = dentry + self.off("dentry", "d_iname")
        if len(name) < lay.field_size("struct dentry", "d_iname"):
            mem.write(inline, name + b"\0")
            name_at = inline
        else:
            name_at = self.k.heap.alloc(len(name) + 1, "dentry name")
            mem.write(name_at, name + b"\0")
            self.names[dentry] = name_at
        qstr = dentry + self.off("dentry", "d_name")
        mem.write_u64(qstr + lay.offset("struct qstr", "hash_len"), len(name) << 32)
        mem.write_ptr(qstr + lay.offset("struct qstr", "name"), name_at)
        mem.write_u32(self.count_at(dentry), 1)
        init_list(self.k, dentry + self.off("dentry", "d_subdirs"))
        init_list(self.k, dentry + self.off("dentry", "d_child"))
        if parent:
            sb = self.ptr(parent, "dentry", "d_sb")
            self.dget(parent)
            self.set_ptr(dentry, "dentry", "d_parent", parent)
            list_add_tail(self.k, dentry + self.off("dentry", "d_child"), parent + self.off("dentry", "d_subdirs"))
        else:
            self.set_ptr(dentry, "dentry", "d_parent", dentry)
        self.set_ptr(dentry, "dentry", "d_sb", sb or 0)
        d_op = self.ptr(sb, "super_block", "s_d_op") if sb else 0
        if d_op:
            self.set_d_op(dentry, d_op)
        self.dentries.add(dentry)
        return dentry

    def set_d_op(self, dentry: int, d_op: int) -> None:
        self.set_ptr(dentry, "dentry", "d_op", d_op)
        if self.op(d_op, "dentry_operations", "d_delete"):
            flags_at = dentry + self.off("dentry", "d_flags")
            self.mem.write_u32(flags_at, self.mem.read_u32(flags_at) | DCACHE_OP_DELETE)

    def dget(self, dentry: int) -> int:
        at = self.count_at(dentry)
        self.mem.write_u32(at, self.mem.read_u32(at) + 1)
        return dentry

    def instantiate(self, dentry: int, inode: int) -> None:
        """d_instantiate: the dentry becomes positive, typed from the inode's mode."""
        if not inode:
            return
        flags_at = dentry + self.off("dentry", "d_flags")
        flags = self.mem.read_u32(flags_at) & ~DCACHE_ENTRY_TYPE
        self.mem.write_u32(flags_at, flags | self.inode_type_flags(inode))
        self.set_ptr(dentry, "dentry", "d_inode", inode)

    def make_negative(self, dentry: int) -> None:
        """dentry_unlink_inode: the inode goes (d_op->d_iput or iput), the dentry stays."""
        inode = self.ptr(dentry, "dentry", "d_inode")
        if not inode:
            return
        self.set_ptr(dentry, "dentry", "d_inode", 0)
        flags_at = dentry + self.off("dentry", "d_flags")
        self.mem.write_u32(flags_at, self.mem.read_u32(flags_at) & ~DCACHE_ENTRY_TYPE)
        d_iput = self.op(self.ptr(dentry, "dentry", "d_op"), "dentry_operations", "d_iput")
        if d_iput:
            self.call(d_iput, dentry, inode)
        else:
            self.iput(inode)

    def dput(self, dentry: int) -> None:
        """Drop a reference; the last one kills a dentry that is unhashed or that
        d_op->d_delete does not want kept, then its parent loses the reference it held."""
        while dentry and dentry in self.dentries:
            at = self.count_at(dentry)
            count = self.mem.read_u32(at)
            if count == 0:
                self.linux.pr(f"VFS: dput of an unused dentry {dentry:#x}", 4)
                return
            self.mem.write_u32(at, count - 1)
            if count > 1 or not self.unwanted(dentry):
                return
            dentry = self.kill(dentry)

    def unwanted(self, dentry: int) -> bool:
        if dentry not in self.hashed:
            return True
        d_delete = self.op(self.ptr(dentry, "dentry", "d_op"), "dentry_operations", "d_delete")
        return bool(d_delete and self.call(d_delete, dentry) & 0xFFFFFFFF)

    def kill(self, dentry: int) -> int:
        """__dentry_kill: unhash, drop the inode, unlink from the parent, d_release, free.
        Returns the parent whose reference goes next (0 for a root)."""
        self.hashed.discard(dentry)
        self.make_negative(dentry)
        parent = self.ptr(dentry, "dentry", "d_parent")
        list_del_init(self.k, dentry + self.off("dentry", "d_child"))
        d_release = self.op(self.ptr(dentry, "dentry", "d_op"), "dentry_operations", "d_release")
        if d_release:
            self.call(d_release, dentry)
        self.dentries.discard(dentry)
        name = self.names.pop(dentry, None)
        if name:
            self.k.heap.free(name)
        self.k.heap.free(dentry)
        return 0 if parent == dentry else parent

    def children(self, dentry: int) -> list[int]:
        head = dentry + self.off("dentry", "d_subdirs")
        child_off = self.off("dentry", "d_child")
        out, node = [], self.mem.read_ptr(head)
        while node != head and len(out) < 100_000:
            out.append(node - child_off)
            node = self.mem.read_ptr(node)
        return out

    def drop(self, dentry: int) -> None:
        """d_drop: out of the hash; the last dput then kills it."""
        self.hashed.discard(dentry)

    def delete(self, dentry: int) -> None:
        """d_delete: with no other user the dentry turns negative, else it is only dropped."""
        if self.mem.read_u32(self.count_at(dentry)) == 1:
            self.make_negative(dentry)
        else:
            self.drop(dentry)

    # --- superblocks and mounts ---------------------------------------------------------
    def alloc_super(self, fs_type: int, fc: int) -> int:
        sb = self.k.heap.alloc(self.lay.size("struct super_block"), "super_block", zero=True)
        self.set_ptr(sb, "super_block", "s_type", fs_type)
        self.mem.write_u32(sb + self.off("super_block", "s_flags"),
                           self.mem.read_u32(fc + self.off("fs_context", "sb_flags")))
        self.set_ptr(sb, "super_block", "s_fs_info", self.ptr(fc, "fs_context", "s_fs_info"))
        self.set_ptr(fc, "fs_context", "s_fs_info", 0)        # the superblock owns it now
        self.mem.write_u32(sb + self.off("super_block", "s_count"), 1)
        self.mem.write_u32(sb + self.off("super_block", "s_active"), 1)
        self.mem.write_u32(sb + self.off("super_block", "s_time_gran"), 1_000_000_000)
        self.mem.write_u8(sb + self.off("super_block", "s_blocksize_bits"), 10)
        self.set_ptr(sb, "super_block", "s_blocksize", 1024)
        name = self.mem.read_cstr(self.ptr(fs_type, "file_system_type", "name"), 31)
        self.mem.write(sb + self.off("super_block", "s_id"), name + b"\0")
        self.supers[sb] = []
        return sb

    def get_tree_single(self, fc: int, fill_super: int) -> int:
        """The type's one superblock, filled by `fill_super(sb, fc)` the first time; fc->root
        gets a reference to its root. 0 or the fill's error."""
        fs_type = self.ptr(fc, "fs_context", "fs_type")
        sb = self.single.get(fs_type)
        if sb is None:
            sb = self.alloc_super(fs_type, fc)
            err = self.signed(self.call(fill_super, sb, fc))
            if err:
                self.kill_super(sb)
                return err
            flags_at = sb + self.off("super_block", "s_flags")
            self.mem.write_u32(flags_at, self.mem.read_u32(flags_at) | SB_ACTIVE | SB_BORN)
            self.single[fs_type] = sb
        else:
            active = sb + self.off("super_block", "s_active")
            self.mem.write_u32(active, self.mem.read_u32(active) + 1)
        root = self.ptr(sb, "super_block", "s_root")
        self.set_ptr(fc, "fs_context", "root", self.dget(root))
        return 0

    def kern_mount(self, fs_type: int) -> int:
        """vfs_kern_mount(type, SB_KERNMOUNT, name, NULL): an fs_context for the type,
        init_fs_context and get_tree run, and a vfsmount of the root. A vfsmount or ERR_PTR."""
        fc = self.k.heap.alloc(self.lay.size("struct fs_context"), "fs_context", zero=True)
        self.set_ptr(fc, "fs_context", "fs_type", fs_type)
        self.mem.write_u32(fc + self.off("fs_context", "sb_flags"), SB_KERNMOUNT)
        try:
            init = self.ptr(fs_type, "file_system_type", "init_fs_context")
            if not init:
                self.linux.pr("kemu: kern_mount of a filesystem without init_fs_context "
                              "(legacy ->mount) is not supported", 4)
                return self.err_ptr(self.k.errno.ENODEV)
            err = self.signed(self.call(init, fc))
            ops = self.ptr(fc, "fs_context", "ops")
            get_tree = self.op(ops, "fs_context_operations", "get_tree")
            if not err:
                err = self.signed(self.call(get_tree, fc)) if get_tree else -self.k.errno.EINVAL
            root = self.ptr(fc, "fs_context", "root")
            free = self.op(ops, "fs_context_operations", "free")
            if free:
                self.call(free, fc)
            if err:
                if root:
                    self.dput(root)
                return self.err_ptr(-err)
        finally:
            self.k.heap.free(fc)
        mnt = self.k.heap.alloc(self.lay.size("struct vfsmount"), "vfsmount", zero=True)
        self.set_ptr(mnt, "vfsmount", "mnt_root", root)
        self.set_ptr(mnt, "vfsmount", "mnt_sb", self.ptr(root, "dentry", "d_sb"))
        self.mounts[mnt] = 1
        return mnt

    def mntget(self, mnt: int) -> None:
        if mnt in self.mounts:
            self.mounts[mnt] += 1

    def mntput(self, mnt: int) -> None:
        """The last reference unmounts: the root's reference goes and the superblock is
        deactivated."""
        if mnt not in self.mounts:
            return
        self.mounts[mnt] -= 1
        if self.mounts[mnt]:
            return
        del self.mounts[mnt]
        root, sb = self.ptr(mnt, "vfsmount", "mnt_root"), self.ptr(mnt, "vfsmount", "mnt_sb")
        self.k.heap.free(mnt)
        self.dput(root)
        self.deactivate(sb)

    def deactivate(self, sb: int) -> None:
        active = sb + self.off("super_block", "s_active")
        count = self.mem.read_u32(active)
        self.mem.write_u32(active, max(count - 1, 0))
        if count <= 1:
            fs_type = self.ptr(sb, "super_block", "s_type")
            if self.single.get(fs_type) == sb:
                del self.single[fs_type]
            kill_sb = self.ptr(fs_type, "file_system_type", "kill_sb")
            if kill_sb:
                self.call(kill_sb, sb)
            else:
                self.kill_super(sb)

    def genocide(self, root: int) -> None:
        """d_genocide: every positive dentry below (and at) root loses one reference, the
        one a litter filesystem keeps to pin its entries."""
        for child in self.children(root):
            self.genocide(child)
        if self.ptr(root, "dentry", "d_inode") and root in self.dentries:
            at = self.count_at(root)
            self.mem.write_u32(at, max(self.mem.read_u32(at) - 1, 0))

    def shrink(self, dentry: int) -> None:
        """shrink_dcache_for_umount: every dentry of the tree goes, children first."""
        for child in self.children(dentry):
            self.shrink(child)
        if dentry in self.dentries:
            left = self.mem.read_u32(self.count_at(dentry))
            if left and self.ptr(dentry, "dentry", "d_parent") != dentry:
                name = self.mem.read_cstr(self.ptr(dentry + self.off("dentry", "d_name"), "qstr", "name"), 64)
                self.linux.pr(f"BUG: Dentry {dentry:#x}{{i={self.ptr(dentry, 'dentry', 'd_inode'):#x},"
                              f"n={name.decode('latin-1')}}} still in use ({left}) [unmount of "
                              f"{self.sb_id(self.ptr(dentry, 'dentry', 'd_sb'))}]", 3)
            self.kill(dentry)

    def sb_id(self, sb: int) -> str:
        return self.mem.read_cstr(sb + self.off("super_block", "s_id"), 32).decode("latin-1")

    def kill_super(self, sb: int) -> None:
        """generic_shutdown_super and the superblock's end: the dentry tree goes, s_op->put_super
        runs, inodes still referenced are reported, the superblock is freed."""
        root = self.ptr(sb, "super_block", "s_root")
        if root:
            self.set_ptr(sb, "super_block", "s_root", 0)
            self.shrink(root)
            put_super = self.op(self.ptr(sb, "super_block", "s_op"), "super_operations", "put_super")
            if put_super:
                self.call(put_super, sb)
        busy = self.supers.pop(sb, [])
        if busy:
            name = self.mem.read_cstr(self.ptr(self.ptr(sb, "super_block", "s_type"), "file_system_type", "name"), 31)
            self.linux.pr(f"VFS: Busy inodes after unmount of {self.sb_id(sb)} ({name.decode('latin-1')})", 3)
        self.k.heap.free(sb)


def vfs(linux) -> Vfs:
    """The system's VFS state, made when a module first needs it."""
    if "vfs" not in linux.__dict__:
        linux.__dict__["vfs"] = Vfs(linux)
    return linux.__dict__["vfs"]

