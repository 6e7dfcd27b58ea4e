"""The FreeBSD 14.3 kernel functions a kld calls, each declared once with its C prototype.

Generic pieces come from kemu.kernel (copyin/copyout and the string functions are installed
from its generic tables; the printf formatter, uiomove's algorithm and the heap are used here).
This table adds what is FreeBSD's: printf/uprintf/log, malloc(9) with `struct malloc_type`
and M_ZERO/M_NOWAIT, malloc_init/malloc_uninit (MALLOC_DEFINE's SYSINITs), uiomove and
uiomove_frombuf over FreeBSD's `struct uio`, the make_dev(9) family (devices.py does the
work), module_register_init (the DECLARE_MODULE SYSINIT: modules.py), and the static-sysctl
handlers (sysctl.py).

Services receive `k`, the kemu.kernel.Kernel; the FreeBSD system object is `k.freebsd`.
"""
from __future__ import annotations

from kemu.kernel import HeapError, KernelPanic, ServiceTable
from kemu.machine import GuestVaList

table = ServiceTable("freebsd")

M_NOWAIT, M_ZERO = 0x0001, 0x0100


def _fb(k):
    return k.freebsd


def _caller(call) -> int | None:
    return call.return_address if call is not None else None


# --- printf(9) family ------------------------------------------------------------------------

@table.service("int printf(const char *fmt, ...)")
def printf(k, fmt: int, va) -> int:
    """Kernel printf: to the console and the message buffer (dmesg); returns the length."""
    text = k.format(fmt, va)
    k.msgbuf.write(text)
    return len(text)


@table.service("int vprintf(const char *fmt, va_list ap)")
def vprintf(k, fmt: int, ap: int) -> int:
    """printf with a va_list."""
    text = k.format(fmt, GuestVaList(k.machine.mem, k.arch, ap))
    k.msgbuf.write(text)
    return len(text)


@table.service("int uprintf(const char *fmt, ...)")
def uprintf(k, fmt: int, va) -> int:
    """printf to the controlling terminal of the current process (the shell), not the log."""
    text = k.format(fmt, va)
    _fb(k).terminal_write(text.decode("latin-1"))
    return len(text)


@table.service("void log(int level, const char *fmt, ...)")
def log(k, level: int, fmt: int, va) -> None:
    """log(9): into the message buffer; with no syslogd reading /dev/klog it reaches the console."""
    k.msgbuf.write(k.format(fmt, va))


@table.service("void panic(const char *fmt, ...)")
def panic(k, fmt: int, va) -> None:
    """panic(9): `panic: <message>`, abandoning the running guest call."""
    raise KernelPanic(k.format(fmt, va).decode("latin-1"))


def _store(k, buf: int, size: int, text: bytes) -> int:
    if size > 0:
        chunk = text[:size - 1] + b"\0"
        k.check_range(buf, len(chunk), "write")
        k.machine.mem.write(buf, chunk)
    return len(text)


@table.service("int snprintf(char *buf, size_t size, const char *fmt, ...)")
def snprintf(k, buf: int, size: int, fmt: int, va) -> int:
    """Format into at most size bytes (NUL included); returns the full length."""
    return _store(k, buf, size, k.format(fmt, va))


@table.service("int sprintf(char *buf, const char *fmt, ...)")
def sprintf(k, buf: int, fmt: int, va) -> int:
    """Format into buf; returns the length written (without the NUL)."""
    text = k.format(fmt, va)
    return _store(k, buf, len(text) + 1, text)


# --- malloc(9) ------------------------------------------------------------------------------------

def _type_name(k, mtype: int) -> str:
    return _fb(k).malloc_types.get(mtype, "malloc")


@table.service("void *malloc(size_t size, struct malloc_type *type, int flags)", needs_call=True)
def malloc(k, size: int, mtype: int, flags: int, call=None) -> int:
    """malloc(9): M_ZERO clears; with M_NOWAIT an exhausted heap returns NULL, otherwise a
    FreeBSD kernel sleeps until memory frees up — kemu has no one to free it, so it panics."""
    try:
        return k.heap.alloc(max(size, 1), _type_name(k, mtype), zero=bool(flags & M_ZERO),
                            caller=_caller(call))
    except HeapError as exc:
        if flags & M_NOWAIT:
            return 0
        raise KernelPanic(f"malloc(M_WAITOK): kmem exhausted ({exc})") from None


@table.service("void free(void *addr, struct malloc_type *type)", needs_call=True)
def free(k, addr: int, mtype: int, call=None) -> None:
    """free(9): NULL is ignored; a pointer malloc did not return (or freed twice) panics."""
    if addr == 0:
        return
    try:
        k.heap.free(addr, caller=_caller(call))
    except HeapError as exc:
        raise KernelPanic(f"free: {exc}") from None


@table.service("void *realloc(void *addr, size_t size, struct malloc_type *type, int flags)",
               needs_call=True)
def realloc(k, addr: int, size: int, mtype: int, flags: int, call=None) -> int:
    """malloc + copy + free; realloc(NULL, …) is malloc."""
    new = malloc.service.func(k, size, mtype, flags, call=call)
    if addr and new:
        old = k.heap.size_of(addr)
        k.machine.mem.write(new, k.machine.mem.read(addr, min(old, size)))
        free.service.func(k, addr, mtype, call=call)
    return new


@table.service("void malloc_init(void *data)")
def malloc_init(k, data: int) -> None:
    """MALLOC_DEFINE's SYSINIT: the type becomes known (its ks_shortdesc names allocations)."""
    _fb(k).malloc_type_init(data)


@table.service("void malloc_uninit(void *data)")
def malloc_uninit(k, data: int) -> None:
    """MALLOC_DEFINE's SYSUNINIT: the type goes; memory still allocated from it is reported
    as FreeBSD does (`malloc_uninit: %ld bytes of '%s' still allocated`)."""
    _fb(k).malloc_type_uninit(data)


# --- uio ------------------------------------------------------------------------------------------

@table.service("int uiomove(void *cp, int n, struct uio *uio)")
def uiomove(k, cp: int, n: int, uio: int) -> int:
    """Move min(n, uio_resid) bytes between cp and the uio's iovecs; 0 or EFAULT."""
    return _fb(k).uio_move(cp, n, uio)


@table.service("int uiomove_frombuf(void *buf, int buflen, struct uio *uio)")
def uiomove_frombuf(k, buf: int, buflen: int, uio: int) -> int:
    """uiomove from buf at the uio's offset: EOF (0, nothing moved) at or past buflen."""
    fb = _fb(k)
    offset = fb.machine.mem.read_int(uio + fb.uio_layout.uio.offset("uio_offset"), 8, signed=True)
    resid = fb.machine.mem.read_int(uio + fb.uio_layout.uio.offset("uio_resid"), k.word_size, signed=True)
    if offset < 0 or resid < 0:
        return k.errno.EINVAL
    if buflen <= 0 or offset >= buflen:
        return 0
    return fb.uio_move(buf + offset, buflen - offset, uio)


# --- devices (kern_conf.c) ------------------------------------------------------------------------

@table.service("struct cdev *make_dev(struct cdevsw *devsw, int unit, uid_t uid, gid_t gid, "
               "int perms, const char *fmt, ...)", needs_call=True)
def make_dev(k, devsw: int, unit: int, uid: int, gid: int, perms: int, fmt: int, va, call=None) -> int:
    """A device and its /dev node; a bad or taken name panics (no MAKEDEV_CHECKNAME)."""
    name = k.format(fmt, va)
    return _fb(k).devices.make(devsw, unit, uid, gid, perms, name, flags=0, caller=_caller(call))[1]


@table.service("struct cdev *make_dev_credf(int flags, struct cdevsw *devsw, int unit, "
               "struct ucred *cr, uid_t uid, gid_t gid, int mode, const char *fmt, ...)",
               needs_call=True)
def make_dev_credf(k, flags: int, devsw: int, unit: int, cr: int, uid: int, gid: int, mode: int,
                   fmt: int, va, call=None) -> int:
    """make_dev with flags: with MAKEDEV_CHECKNAME a bad name returns NULL instead of panicking."""
    name = k.format(fmt, va)
    return _fb(k).devices.make(devsw, unit, uid, gid, mode, name, flags=flags, caller=_caller(call))[1]


@table.service("void make_dev_args_init_impl(struct make_dev_args *args, size_t sz)")
def make_dev_args_init_impl(k, args: int, sz: int) -> None:
    """make_dev_args_init(): zero the arguments and record their size."""
    k.check_range(args, sz, "write")
    k.machine.mem.write(args, bytes(sz))
    k.machine.mem.write_int(args, k.word_size, sz)


@table.service("int make_dev_s(struct make_dev_args *args, struct cdev **cdev, const char *fmt, ...)",
               needs_call=True)
def make_dev_s(k, args: int, cdevp: int, fmt: int, va, call=None) -> int:
    """make_dev from a struct make_dev_args; the error is returned, never a panic."""
    name = k.format(fmt, va)
    return _fb(k).devices.make_from_args(args, cdevp, name, caller=_caller(call))


@table.service("void destroy_dev(struct cdev *dev)", needs_call=True)
def destroy_dev(k, dev: int, call=None) -> None:
    """Remove the device and its /dev node."""
    _fb(k).devices.destroy(dev, caller=_caller(call))


@table.service("const char *devtoname(struct cdev *dev)")
def devtoname(k, dev: int) -> int:
    """The device's name (si_name, without /dev/)."""
    return dev + _fb(k).layouts.offset("cdev", "si_name")


# --- modules (kern_module.c) ----------------------------------------------------------------------

@table.service("void module_register_init(const void *data)")
def module_register_init(k, data: int) -> None:
    """DECLARE_MODULE's SYSINIT: send MOD_LOAD to the module registered from `data`."""
    _fb(k).modules.register_init(data)


# --- sysctl handlers (kern_sysctl.c) ----------------------------------------------------------------

@table.service("int sysctl_handle_int(struct sysctl_oid *oidp, void *arg1, long long arg2, "
               "struct sysctl_req *req)")
def sysctl_handle_int(k, oidp: int, arg1: int, arg2: int, req: int) -> int:
    """Copy the int at arg1 (or arg2 when arg1 is NULL) out, then a new value in."""
    return _fb(k).sysctl.handle_int(arg1, arg2, req)


@table.service("int sysctl_handle_string(struct sysctl_oid *oidp, void *arg1, long long arg2, "
               "struct sysctl_req *req)")
def sysctl_handle_string(k, oidp: int, arg1: int, arg2: int, req: int) -> int:
    """Copy the string at arg1 out (with its NUL), then a new one in (at most arg2 bytes)."""
    return _fb(k).sysctl.handle_string(arg1, arg2, req)
