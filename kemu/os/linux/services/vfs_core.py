"""The VFS and libfs functions a filesystem module calls to mount itself in the kernel and
build its tree (fs/super.c, fs/inode.c, fs/dcache.c, fs/libfs.c, fs/namespace.c in 6.1);
the state is kemu/os/linux/vfs.py's. configfs is the user that matters most: every module
that offers configfs attributes (netconsole, the SCSI target core, the USB gadget
framework, rdma_cm …) has it pin its mount with simple_pin_fs on init and release it on exit.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..vfs import vfs

table = ServiceTable("vfs_core")

NSEC_PER_SEC = 1_000_000_000
CLOCK_REALTIME = 0
ENOTEMPTY = 39


# --- mounts -----------------------------------------------------------------------------------
@table.service("struct vfsmount *vfs_kern_mount(struct file_system_type *type, int flags, const char *name, void *data)")
def vfs_kern_mount(k, fs_type: int, flags: int, name: int, data: int) -> int:
    """Mount `type` inside the kernel: its init_fs_context and get_tree run; a vfsmount
    holding the root, or ERR_PTR."""
    if not fs_type:
        return vfs(k.linux).err_ptr(k.errno.ENODEV)
    return vfs(k.linux).kern_mount(fs_type)


@table.service("struct vfsmount *kern_mount(struct file_system_type *type)")
def kern_mount(k, fs_type: int) -> int:
    """vfs_kern_mount with SB_KERNMOUNT, for a filesystem the kernel keeps mounted itself."""
    return vfs_kern_mount(k, fs_type, 0, 0, 0)


@table.service("void kern_unmount(struct vfsmount *mnt)")
def kern_unmount(k, mnt: int) -> None:
    """Drop the kernel's mount (mntput of a kern_mount)."""
    if mnt and not vfs(k.linux).is_err(mnt):
        vfs(k.linux).mntput(mnt)


@table.service("struct vfsmount *mntget(struct vfsmount *mnt)")
def mntget(k, mnt: int) -> int:
    if mnt:
        vfs(k.linux).mntget(mnt)
    return mnt


@table.service("void mntput(struct vfsmount *mnt)")
def mntput(k, mnt: int) -> None:
    if mnt:
        vfs(k.linux).mntput(mnt)


@table.service("int simple_pin_fs(struct file_system_type *type, struct vfsmount **mount, int *count)")
def simple_pin_fs(k, fs_type: int, mount: int, count: int) -> int:
    """Mount `type` the first time (*mount), take a reference and count the pin: 0 or the
    mount's error."""
    v, mem = vfs(k.linux), k.machine.mem
    if not mem.read_ptr(mount):
        mnt = v.kern_mount(fs_type)
        if v.is_err(mnt):
            return v.signed(mnt)
        mem.write_ptr(mount, mnt)
        v.mntget(mnt)
        v.mntput(mnt)
    else:
        v.mntget(mem.read_ptr(mount))
    mem.write_u32(count, mem.read_u32(count) + 1)
    return 0


@table.service("void simple_release_fs(struct vfsmount **mount, int *count)")
def simple_release_fs(k, mount: int, count: int) -> None:
    """Drop one pin: the last clears *mount, and the mount's reference goes."""
    mem = k.machine.mem
    mnt = mem.read_ptr(mount)
    left = (mem.read_u32(count) - 1) & 0xFFFFFFFF
    mem.write_u32(count, left)
    if not left:
        mem.write_ptr(mount, 0)
    vfs(k.linux).mntput(mnt)


@table.service("int get_tree_single(struct fs_context *fc, int (*fill_super)(struct super_block *sb, struct fs_context *fc))")
def get_tree_single(k, fc: int, fill_super: int) -> int:
    """One superblock for the whole type, filled on first use; fc->root its root."""
    return vfs(k.linux).get_tree_single(fc, fill_super)


@table.service("void kill_litter_super(struct super_block *sb)")
def kill_litter_super(k, sb: int) -> None:
    """For filesystems that pin each entry with an extra dentry reference: those go first
    (d_genocide), then the superblock as kill_anon_super ends it."""
    v = vfs(k.linux)
    root = v.ptr(sb, "super_block", "s_root")
    if root:
        v.genocide(root)
    v.kill_super(sb)


@table.service("void kill_anon_super(struct super_block *sb)")
def kill_anon_super(k, sb: int) -> None:
    vfs(k.linux).kill_super(sb)


# --- inodes -----------------------------------------------------------------------------------
@table.service("struct inode *new_inode(struct super_block *sb)")
def new_inode(k, sb: int) -> int:
    """A fresh inode of `sb` with one reference, on the superblock's list."""
    return vfs(k.linux).new_inode(sb) if sb else 0


@table.service("void iput(struct inode *inode)")
def iput(k, inode: int) -> None:
    vfs(k.linux).iput(inode)


@table.service("struct inode *igrab(struct inode *inode)")
def igrab(k, inode: int) -> int:
    at = inode + vfs(k.linux).off("inode", "i_count")
    k.machine.mem.write_u32(at, k.machine.mem.read_u32(at) + 1)
    return inode


@table.service("void ihold(struct inode *inode)")
def ihold(k, inode: int) -> None:
    igrab(k, inode)


def _nlink_at(k, inode: int) -> int:
    return inode + vfs(k.linux).off("inode", "__i_nlink")


@table.service("void inc_nlink(struct inode *inode)")
def inc_nlink(k, inode: int) -> None:
    at = _nlink_at(k, inode)
    k.machine.mem.write_u32(at, k.machine.mem.read_u32(at) + 1)


@table.service("void drop_nlink(struct inode *inode)")
def drop_nlink(k, inode: int) -> None:
    """One link fewer; below zero is 6.1's WARN_ON."""
    at = _nlink_at(k, inode)
    n = k.machine.mem.read_u32(at)
    if n == 0:
        k.linux.pr(f"WARNING: drop_nlink of inode {inode:#x} with no links", 4)
        k.linux.add_taint("W")
        return
    k.machine.mem.write_u32(at, n - 1)


@table.service("void clear_nlink(struct inode *inode)")
def clear_nlink(k, inode: int) -> None:
    k.machine.mem.write_u32(_nlink_at(k, inode), 0)


@table.service("void set_nlink(struct inode *inode, unsigned int nlink)")
def set_nlink(k, inode: int, nlink: int) -> None:
    k.machine.mem.write_u32(_nlink_at(k, inode), nlink)


@table.service("unsigned int get_next_ino(void)")
def get_next_ino(k) -> int:
    """The next inode number for a filesystem without its own (1, 2, … as one CPU draws them)."""
    v = vfs(k.linux)
    v.next_ino = (v.next_ino + 1) & 0xFFFFFFFF or 1
    return v.next_ino


@table.service("ino_t iunique(struct super_block *sb, ino_t max_reserved)")
def iunique(k, sb: int, max_reserved: int) -> int:
    """An inode number above `max_reserved` no inode of `sb` has."""
    v = vfs(k.linux)
    used = {k.machine.mem.read_ptr(i + v.off("inode", "i_ino")) for i in v.supers.get(sb, [])}
    ino = max(max_reserved, 0) + 1
    while ino in used:
        ino += 1
    return ino


def _inode_time(k, inode: int) -> tuple[int, int]:
    """(seconds, nanoseconds) of the realtime clock, truncated to the inode's s_time_gran."""
    v = vfs(k.linux)
    ns = k.linux.hrtimers.now_ns(CLOCK_REALTIME)
    sb = v.ptr(inode, "inode", "i_sb") if inode else 0
    gran = k.machine.mem.read_u32(sb + v.off("super_block", "s_time_gran")) if sb else 1
    if gran:
        ns -= ns % min(gran, NSEC_PER_SEC)
    return divmod(ns, NSEC_PER_SEC)


@table.service("u64 current_time(struct inode *inode)", needs_call=True)
def current_time(k, first: int, call=None) -> int:
    """The time to stamp an inode with, truncated to its superblock's s_time_gran.

    It returns a struct timespec64 by value, which the prototype cannot say: on x86-64 the
    16 bytes come back in rax:rdx; on i386 (regparm) the caller passes the result's address
    in eax and the inode in edx, and gets the address back in eax."""
    v = vfs(k.linux)
    inode = first if k.machine.word_size == 8 else call.arg(1)
    sec, nsec = _inode_time(k, inode)
    if k.machine.word_size == 8:
        return sec | (nsec << 64)
    k.machine.mem.write_u64(first + v.off("timespec64", "tv_sec"), sec)
    k.machine.mem.write_u32(first + v.off("timespec64", "tv_nsec"), nsec)
    return first


# --- dentries ---------------------------------------------------------------------------------
@table.service("struct dentry *d_make_root(struct inode *root_inode)")
def d_make_root(k, inode: int) -> int:
    """The root dentry "/" of the inode's superblock, or NULL (and the inode put) if none."""
    if not inode:
        return 0
    v = vfs(k.linux)
    root = v.d_alloc(0, b"/", v.ptr(inode, "inode", "i_sb"))
    v.instantiate(root, inode)
    v.hashed.add(root)
    return root


@table.service("struct dentry *d_alloc_name(struct dentry *parent, const char *name)")
def d_alloc_name(k, parent: int, name: int) -> int:
    """A negative dentry called `name` under `parent`, holding a reference to the parent."""
    if not parent:
        return 0
    return vfs(k.linux).d_alloc(parent, k.read_str(name, 255))


@table.service("struct dentry *d_alloc(struct dentry *parent, const struct qstr *name)")
def d_alloc(k, parent: int, qstr: int) -> int:
    lay, mem = k.linux.layout, k.machine.mem
    length = mem.read_u64(qstr + lay.offset("struct qstr", "hash_len")) >> 32
    text = mem.read(mem.read_ptr(qstr + lay.offset("struct qstr", "name")), length)
    return vfs(k.linux).d_alloc(parent, text) if parent else 0


@table.service("void d_instantiate(struct dentry *entry, struct inode *inode)")
def d_instantiate(k, dentry: int, inode: int) -> None:
    vfs(k.linux).instantiate(dentry, inode)


@table.service("void d_add(struct dentry *entry, struct inode *inode)")
def d_add(k, dentry: int, inode: int) -> None:
    """Instantiate (if `inode`) and put the dentry in the tree."""
    v = vfs(k.linux)
    v.instantiate(dentry, inode)
    v.hashed.add(dentry)


@table.service("void d_rehash(struct dentry *entry)")
def d_rehash(k, dentry: int) -> None:
    vfs(k.linux).hashed.add(dentry)


@table.service("void dput(struct dentry *dentry)")
def dput(k, dentry: int) -> None:
    if dentry:
        vfs(k.linux).dput(dentry)


@table.service("struct dentry *dget_parent(struct dentry *dentry)")
def dget_parent(k, dentry: int) -> int:
    v = vfs(k.linux)
    return v.dget(v.ptr(dentry, "dentry", "d_parent"))


@table.service("void lockref_get(struct lockref *lockref)")
def lockref_get(k, lockref: int) -> None:
    """count + 1 (the lock word is not contended on one CPU)."""
    at = lockref + k.linux.layout.offset("struct lockref", "count")
    k.machine.mem.write_u32(at, (k.machine.mem.read_u32(at) + 1) & 0xFFFFFFFF)


@table.service("void d_delete(struct dentry *dentry)")
def d_delete(k, dentry: int) -> None:
    vfs(k.linux).delete(dentry)


@table.service("void d_drop(struct dentry *dentry)")
def d_drop(k, dentry: int) -> None:
    vfs(k.linux).drop(dentry)


@table.service("void __d_drop(struct dentry *dentry)")
def __d_drop(k, dentry: int) -> None:
    vfs(k.linux).drop(dentry)


@table.service("void d_set_d_op(struct dentry *dentry, const struct dentry_operations *op)")
def d_set_d_op(k, dentry: int, op: int) -> None:
    vfs(k.linux).set_d_op(dentry, op)


@table.service("int always_delete_dentry(const struct dentry *dentry)")
def always_delete_dentry(k, dentry: int) -> int:
    """d_op->d_delete of filesystems that keep no unused dentries: yes, delete it."""
    return 1


@table.service("int generic_delete_inode(struct inode *inode)")
def generic_delete_inode(k, inode: int) -> int:
    """s_op->drop_inode of filesystems that keep no unused inodes: yes, drop it."""
    return 1


@table.service("void free_inode_nonrcu(struct inode *inode)")
def free_inode_nonrcu(k, inode: int) -> None:
    """s_op->free_inode that frees at once: the inode's memory goes back to the heap."""
    if inode in k.heap:
        k.heap.free(inode)


# --- libfs ------------------------------------------------------------------------------------
def _stamp(k, dir_inode: int, *inodes: int) -> None:
    """ctime and mtime = current_time(dir), as simple_unlink stamps the directory and entry."""
    v, mem = vfs(k.linux), k.machine.mem
    sec, nsec = _inode_time(k, dir_inode)
    for inode in (dir_inode, *inodes):
        for field in ("i_ctime", "i_mtime"):
            at = inode + v.off("inode", field)
            mem.write_u64(at + v.off("timespec64", "tv_sec"), sec)
            mem.write_int(at + v.off("timespec64", "tv_nsec"), v.lay.field_size("struct timespec64", "tv_nsec"), nsec)


@table.service("int simple_unlink(struct inode *dir, struct dentry *dentry)")
def simple_unlink(k, dir_inode: int, dentry: int) -> int:
    """The entry loses a link and the reference that kept it in the tree."""
    v = vfs(k.linux)
    inode = v.ptr(dentry, "dentry", "d_inode")
    _stamp(k, dir_inode, inode)
    drop_nlink(k, inode)
    v.dput(dentry)
    return 0


@table.service("int simple_empty(struct dentry *dentry)")
def simple_empty(k, dentry: int) -> int:
    """1 if no positive, hashed entry is below `dentry`."""
    v = vfs(k.linux)
    return int(not any(c in v.hashed and v.ptr(c, "dentry", "d_inode") for c in v.children(dentry)))


@table.service("int simple_rmdir(struct inode *dir, struct dentry *dentry)")
def simple_rmdir(k, dir_inode: int, dentry: int) -> int:
    """-ENOTEMPTY unless empty; else the directory's own link and its parent's go too."""
    if not simple_empty(k, dentry):
        return -ENOTEMPTY
    drop_nlink(k, vfs(k.linux).ptr(dentry, "dentry", "d_inode"))
    simple_unlink(k, dir_inode, dentry)
    drop_nlink(k, dir_inode)
    return 0


@table.service("int fsnotify(__u32 mask, const void *data, int data_type, struct inode *dir, "
               "const struct qstr *name, struct inode *inode, u32 cookie)")
def fsnotify(k, mask: int, data: int, data_type: int, dir_inode: int, name: int, inode: int, cookie: int) -> int:
    """Tell inotify/fanotify watchers of an event: kemu's user space sets no marks, so
    there is nobody to tell (what 6.1 does when no mark exists)."""
    return 0


@table.service("int simple_statfs(struct dentry *dentry, struct kstatfs *buf)")
def simple_statfs(k, dentry: int, buf: int) -> int:
    """statfs of a memory filesystem: its magic, page-sized blocks, NAME_MAX names."""
    v, lay, mem = vfs(k.linux), k.linux.layout, k.machine.mem
    sb = v.ptr(dentry, "dentry", "d_sb")
    magic = mem.read_ptr(sb + v.off("super_block", "s_magic"))
    for field, value in (("f_type", magic), ("f_bsize", 4096), ("f_namelen", 255)):
        mem.write_int(buf + lay.offset("struct kstatfs", field), lay.field_size("struct kstatfs", field), value)
    return 0
