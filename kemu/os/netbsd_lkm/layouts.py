"""The NetBSD 1.6 structures kemu shares with LKM modules, described once for both arches.

A module and the emulated kernel exchange `struct lkm_table`, the module's `_module`
(`struct lkm_any` / `struct lkm_dev`), the character device switch (`struct cdevsw`) and
`struct uio`/`struct iovec`. kemu reads and writes them in guest memory, so their offsets must
match what the compiler produced from the guest headers in `guest/netbsd-lkm/include`. Rather
than scatter numbers, each struct is declared here in C, as the guest headers declare it, and laid
out by the kernel layer's one struct engine (kemu.kernel.cstruct: the i386 and x86-64 System V
rules; on i386, 8-byte integers are only 4-byte aligned inside structs);
`tests/netbsd_lkm/test_layouts.py` compiles the guest headers and checks every offset.

Where each layout comes from is written next to it (NetBSD 1.6 sys/lkm.h, sys/conf.h, sys/uio.h).
"""
from __future__ import annotations

from kemu.kernel.cstruct import CStruct

ARCHES = ("i386", "x86_64")

# --- NetBSD 1.6 sys/conf.h: the character and block device switches (no d_kqfilter before 2.0) ---
CDEVSW = CStruct("""struct cdevsw {
    int (*d_open)(dev_t dev, int oflags, int devtype, struct proc *p);
    int (*d_close)(dev_t dev, int fflag, int devtype, struct proc *p);
    int (*d_read)(dev_t dev, struct uio *uio, int ioflag);
    int (*d_write)(dev_t dev, struct uio *uio, int ioflag);
    int (*d_ioctl)(dev_t dev, u_long cmd, caddr_t data, int fflag, struct proc *p);
    void (*d_stop)(struct tty *tp, int rw);
    struct tty *(*d_tty)(dev_t dev);
    int (*d_poll)(dev_t dev, int events, struct proc *p);
    paddr_t (*d_mmap)(dev_t dev, off_t off, int prot);
    int d_type;
};""", source="NetBSD 1.6 sys/sys/conf.h struct cdevsw")
CDEVSW_OPS = ("d_open", "d_close", "d_read", "d_write", "d_ioctl", "d_stop", "d_tty", "d_poll", "d_mmap")

BDEVSW = CStruct("""struct bdevsw {
    int (*d_open)(dev_t dev, int oflags, int devtype, struct proc *p);
    int (*d_close)(dev_t dev, int fflag, int devtype, struct proc *p);
    void (*d_strategy)(struct buf *bp);
    int (*d_ioctl)(dev_t dev, u_long cmd, caddr_t data, int fflag, struct proc *p);
    int (*d_dump)(dev_t dev, daddr_t blkno, caddr_t va, size_t size);
    int (*d_psize)(dev_t dev);
    int d_type;
};""", source="NetBSD 1.6 sys/sys/conf.h struct bdevsw")

# --- NetBSD 1.6 sys/lkm.h ---
LKM_ANY = CStruct("""struct lkm_any {
    enum lkm_type lkm_type;
    int lkm_ver;
    const char *lkm_name;
    u_long lkm_offset;
};""", source="NetBSD 1.4-1.6 sys/sys/lkm.h struct lkm_any (the header every lkm_* struct starts with)")

LKM_OLDDEV = CStruct("""union lkm_olddev {
    struct bdevsw bdev;
    struct cdevsw cdev;
};""", uses=(BDEVSW, CDEVSW), source="NetBSD 1.6 sys/sys/lkm.h union lkm_olddev")

LKM_DEV = CStruct("""struct lkm_dev {
    enum lkm_type lkm_type;
    int lkm_ver;
    const char *lkm_name;
    u_long lkm_offset;
    enum lkm_devtype lkm_devtype;
    void *lkm_dev;
    union lkm_olddev lkm_olddev;
};""", uses=(LKM_OLDDEV,),
                   source="NetBSD 1.6 sys/sys/lkm.h struct lkm_dev (MOD_DEV(name, devtype, devslot, devp))")

LKM_MISC = CStruct("""struct lkm_misc {
    enum lkm_type lkm_type;
    int lkm_ver;
    const char *lkm_name;
    u_long lkm_offset;
};""", source="NetBSD 1.6 sys/sys/lkm.h struct lkm_misc")

LKM_TABLE = CStruct("""struct lkm_table {
    int type;
    u_long size;
    u_long offset;
    u_long area;
    char used;
    int ver;
    int refcnt;
    int depcnt;
    int id;
    int (*entry)(struct lkm_table *lkmtp, int cmd, int ver);
    struct lkm_any *private;
    u_long syms;
    u_long sym_size;
    u_long sym_offset;
    u_long sym_symsize;
    u_long sym_addr;
    int sym_id;
};""", source="NetBSD 1.4-1.6 sys/sys/lkm.h struct lkm_table (with 1.6's ddb symbol fields); modules "
              "only touch `private`, the rest is the guest SDK's reconstruction")

# --- NetBSD 1.6 sys/uio.h ---
IOVEC = CStruct("""struct iovec {
    void *iov_base;
    size_t iov_len;
};""", source="NetBSD 1.6 sys/sys/uio.h struct iovec")

UIO = CStruct("""struct uio {
    struct iovec *uio_iov;
    int uio_iovcnt;
    off_t uio_offset;
    size_t uio_resid;
    enum uio_seg uio_segflg;
    enum uio_rw uio_rw;
    struct proc *uio_procp;
};""", source="NetBSD 1.6 sys/sys/uio.h struct uio")

SYSENT = CStruct("""struct sysent {
    short sy_narg;
    short sy_argsize;
    int (*sy_call)(struct proc *p, void *args, register_t *retval);
};""", source="NetBSD 1.6 sys/sys/systm.h struct sysent")

ALL = {s.name: s for s in (CDEVSW, BDEVSW, LKM_ANY, LKM_OLDDEV, LKM_DEV, LKM_MISC, LKM_TABLE, IOVEC, UIO, SYSENT)}
