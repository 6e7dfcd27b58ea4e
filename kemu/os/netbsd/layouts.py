"""The NetBSD 10 structures kemu shares with `.kmod` modules, described once for both arches.

Each is declared in C as guest/netbsd/include declares it (the header named in `source`) and
laid out by kemu.kernel.cstruct; tests/netbsd_kmod/test_layouts.py compiles the guest headers
and checks every offset and size against these declarations.
"""
from __future__ import annotations

from kemu.kernel.cstruct import CStruct

ARCHES = ("i386", "x86_64")

# dev_t and time_t are 64 bits in NetBSD 10 on both arches; the module(9) enums are ints.
NETBSD10_TYPEDEFS_EXTRA = {
    "dev_t": (8, 8, False, False),
    "time_t": (8, 8, True, False),
    "modclass_t": (4, 4, True, False),
    "modsrc_t": (4, 4, True, False),
    "modcmd_t": (4, 4, True, False),
    "devmajor_t": (4, 4, True, False),
    "km_flag_t": (4, 4, True, False),
    "prop_dictionary_t": (4, 8, False, True),
    "module_t": (4, 4, False, False),      # opaque: only ever behind a pointer
    "kmutex_t": (4, 8, False, False),      # one word (owner); only ever behind a pointer
    "kmutex_type_t": (4, 4, True, False),
}


def _typedefs():
    from kemu.kernel.prototype import KERNEL_TYPEDEFS
    return {**KERNEL_TYPEDEFS, **NETBSD10_TYPEDEFS_EXTRA}


TYPEDEFS = _typedefs()

MODINFO = CStruct("""struct modinfo {
    u_int mi_version;
    modclass_t mi_class;
    int (*mi_modcmd)(modcmd_t, void *);
    const char *mi_name;
    const char *mi_required;
};""", typedefs=TYPEDEFS, source="NetBSD 10 sys/sys/module.h 1.48 modinfo_t")

CDEVSW = CStruct("""struct cdevsw {
    int (*d_open)(dev_t, int, int, struct lwp *);
    int (*d_cancel)(dev_t, int, int, struct lwp *);
    int (*d_close)(dev_t, int, int, struct lwp *);
    int (*d_read)(dev_t, struct uio *, int);
    int (*d_write)(dev_t, struct uio *, int);
    int (*d_ioctl)(dev_t, u_long, void *, int, struct lwp *);
    void (*d_stop)(struct tty *, int);
    struct tty *(*d_tty)(dev_t);
    int (*d_poll)(dev_t, int, struct lwp *);
    paddr_t (*d_mmap)(dev_t, off_t, int);
    int (*d_kqfilter)(dev_t, struct knote *);
    int (*d_discard)(dev_t, off_t, off_t);
    int (*d_devtounit)(dev_t);
    struct cfdriver *d_cfdriver;
    int d_flag;
};""", typedefs=TYPEDEFS, source="NetBSD 10 sys/sys/conf.h 1.161 struct cdevsw")

BDEVSW = CStruct("""struct bdevsw {
    int (*d_open)(dev_t, int, int, struct lwp *);
    int (*d_cancel)(dev_t, int, int, struct lwp *);
    int (*d_close)(dev_t, int, int, struct lwp *);
    void (*d_strategy)(struct buf *);
    int (*d_ioctl)(dev_t, u_long, void *, int, struct lwp *);
    int (*d_dump)(dev_t, daddr_t, void *, size_t);
    int (*d_psize)(dev_t);
    int (*d_discard)(dev_t, off_t, off_t);
    int (*d_devtounit)(dev_t);
    struct cfdriver *d_cfdriver;
    int d_flag;
};""", typedefs=TYPEDEFS, source="NetBSD 10 sys/sys/conf.h 1.161 struct bdevsw")

IOVEC = CStruct("""struct iovec {
    void *iov_base;
    size_t iov_len;
};""", typedefs=TYPEDEFS, source="NetBSD 10 sys/sys/uio.h 1.36 struct iovec")

UIO = CStruct("""struct uio {
    struct iovec *uio_iov;
    int uio_iovcnt;
    off_t uio_offset;
    size_t uio_resid;
    int uio_rw;
    struct vmspace *uio_vmspace;
};""", typedefs=TYPEDEFS, source="NetBSD 10 sys/sys/uio.h 1.36 struct uio (no segflg, no procp)")

MODCTL_LOAD = CStruct("""struct modctl_load {
    const char *ml_filename;
    int ml_flags;
    const char *ml_props;
    size_t ml_propslen;
};""", typedefs=TYPEDEFS, source="NetBSD 10 sys/sys/module.h 1.48 modctl_load_t")

MODSTAT = CStruct("""struct modstat {
    char ms_name[32];
    uint64_t ms_addr;
    modsrc_t ms_source;
    modclass_t ms_class;
    u_int ms_size;
    u_int ms_refcnt;
    u_int ms_flags;
    u_int ms_reqoffset;
};""", typedefs=TYPEDEFS, source="NetBSD 10 sys/sys/module.h 1.48 modstat_t")

#: name -> declaration, for the layout test
ALL = {"modinfo": MODINFO, "cdevsw": CDEVSW, "bdevsw": BDEVSW, "iovec": IOVEC, "uio": UIO,
       "modctl_load": MODCTL_LOAD, "modstat": MODSTAT}
