"""The NetBSD 1.6 kernel services an LKM can call, each declared once with its C prototype.

Generic pieces come from kemu.kernel (copyin/copyout, the string functions, the printf
formatter, uiomove's algorithm, the heap); this table adds what is NetBSD's: printf going to the
console and the message buffer, uprintf to the user's terminal, log(9) with its priority, panic,
malloc(9)/free(9) with malloc types and flags, tsleep/wakeup on a deterministic clock, the
errno-returning helpers of conf.c (enodev, enxio, lkmenodev …) and the LKM entry points
(lkmdispatch, lkmexists, lkm_nofunc). Together with the generic tables they cover every function
the guest SDK headers (guest/netbsd-lkm/include) declare.

Services receive `k`, the kemu.kernel.Kernel; the NetBSD system object is `k.netbsd`.
"""
from __future__ import annotations

from kemu.kernel import HeapError, KernelPanic, ServiceTable
from kemu.machine import GuestVaList

table = ServiceTable("netbsd")

# NetBSD 1.6 sys/malloc.h type numbers → names (the malloc types the guest headers define).
MALLOC_TYPES = {0: "free", 1: "mbuf", 2: "devbuf", 3: "socket", 4: "pcb", 14: "ioctlops", 19: "iov", 74: "temp"}
M_NOWAIT, M_ZERO = 0x0001, 0x0002
PCATCH = 0x100           # sys/param.h: tsleep may be interrupted by a signal
POLL_TRUE = 0x0001 | 0x0004 | 0x0040 | 0x0100   # POLLIN|POLLOUT|POLLRDNORM|POLLWRNORM
LOG_PRIMASK = 0x07
LOG_LEVELS = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")


def _netbsd(k):
    return k.netbsd


def _format(k, fmt: int, args) -> bytes:
    return k.format(fmt, args)


# --- printf(9) family ------------------------------------------------------------------------

@table.service("void printf(const char *fmt, ...)")
def printf(k, fmt: int, va) -> None:
    """Kernel printf: to the console and the message buffer (dmesg)."""
    k.msgbuf.write(_format(k, fmt, va))


@table.service("void vprintf(const char *fmt, va_list ap)")
def vprintf(k, fmt: int, ap: int) -> None:
    """printf with a va_list."""
    k.msgbuf.write(_format(k, fmt, GuestVaList(k.machine.mem, k.arch, ap)))


@table.service("void uprintf(const char *fmt, ...)")
def uprintf(k, fmt: int, va) -> None:
    """printf to the terminal of the current process (the shell's output), not to the log."""
    _netbsd(k).terminal_write(_format(k, fmt, va).decode("latin-1"))


@table.service("void log(int level, const char *fmt, ...)")
def log(k, level: int, fmt: int, va) -> None:
    """log(9): into the message buffer; with no syslogd reading /dev/klog it reaches the console."""
    k.msgbuf.write(_format(k, fmt, va))


@table.service("void panic(const char *fmt, ...)")
def panic(k, fmt: int, va) -> None:
    """panic(9): print `panic: <message>` and abandon the running guest call."""
    message = _format(k, fmt, va).decode("latin-1")
    raise KernelPanic(message)


def _store_formatted(k, buf: int, size: int | None, text: bytes) -> int:
    if size is None:
        k.check_range(buf, len(text) + 1, "write")
        k.machine.mem.write(buf, text + b"\0")
    elif size > 0:
        chunk = text[:size - 1] + b"\0"
        k.check_range(buf, len(chunk), "write")
        k.machine.mem.write(buf, chunk)
    return len(text)


@table.service("int sprintf(char *buf, const char *fmt, ...)")
def sprintf(k, buf: int, fmt: int, va) -> int:
    """Format into buf; returns the length written (without the NUL)."""
    return _store_formatted(k, buf, None, _format(k, fmt, va))


@table.service("int snprintf(char *buf, size_t size, const char *fmt, ...)")
def snprintf(k, buf: int, size: int, fmt: int, va) -> int:
    """Format into at most size bytes (NUL included); returns the full length."""
    return _store_formatted(k, buf, size, _format(k, fmt, va))


@table.service("int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)")
def vsnprintf(k, buf: int, size: int, fmt: int, ap: int) -> int:
    """snprintf with a va_list."""
    return _store_formatted(k, buf, size, _format(k, fmt, GuestVaList(k.machine.mem, k.arch, ap)))


# --- conf.c helpers: one errno each ------------------------------------------------------------

@table.service("int nullop(void *arg)")
def nullop(k, arg: int) -> int:
    """Does nothing, successfully."""
    return 0


@table.service("int enodev(void)")
def enodev(k) -> int:
    """ENODEV: "Operation not supported by device"."""
    return k.errno.ENODEV


@table.service("int enxio(void)")
def enxio(k) -> int:
    """ENXIO: "Device not configured" (kemu's slots for drivers it does not emulate)."""
    return k.errno.ENXIO


@table.service("int enosys(void)")
def enosys(k) -> int:
    """ENOSYS."""
    return k.errno.ENOSYS


@table.service("int enoioctl(void)")
def enoioctl(k) -> int:
    """ENOTTY: the ioctl is not this driver's."""
    return k.errno.ENOTTY


@table.service("int eopnotsupp(void)")
def eopnotsupp(k) -> int:
    """EOPNOTSUPP."""
    return k.errno.EOPNOTSUPP


@table.service("int seltrue(dev_t dev, int events, struct proc *p)")
def seltrue(k, dev: int, events: int, p: int) -> int:
    """poll for a device that is always ready: the normal read/write events asked for."""
    return events & POLL_TRUE


# --- LKM ------------------------------------------------------------------------------------------

@table.service("int lkmenodev(void)")
def lkmenodev(k) -> int:
    """d_open of a free LKM device slot: ENODEV (and the marker lkmdispatch looks for)."""
    return k.errno.ENODEV


@table.service("int lkm_nofunc(struct lkm_table *lkmtp, int cmd)")
def lkm_nofunc(k, lkmtp: int, cmd: int) -> int:
    """The do-nothing load/unload/stat hook for DISPATCH."""
    return 0


@table.service("int lkmexists(struct lkm_table *lkmtp)")
def lkmexists(k, lkmtp: int) -> int:
    """1 if another loaded module has this module's name."""
    return 1 if _netbsd(k).lkm.exists(lkmtp) else 0


@table.service("int lkmdispatch(struct lkm_table *lkmtp, int cmd)")
def lkmdispatch(k, lkmtp: int, cmd: int) -> int:
    """The kernel's per-type load/unload work (a device module's cdevsw slot)."""
    return _netbsd(k).lkm.dispatch(lkmtp, cmd)


@table.service("int lkmnosys(struct proc *p, void *args, register_t *retval)")
def lkmnosys(k, p: int, args: int, retval: int) -> int:
    """An unassigned system call slot that a syscall LKM may take."""
    return k.errno.ENOSYS


# --- uio ------------------------------------------------------------------------------------------

@table.service("int uiomove(void *buf, size_t n, struct uio *uio)")
def uiomove(k, buf: int, n: int, uio: int) -> int:
    """Move min(n, uio_resid) bytes between buf and the uio's iovecs; 0 or EFAULT."""
    return k.netbsd.uio_move(buf, n, uio)


@table.service("int ureadc(int c, struct uio *uio)")
def ureadc(k, c: int, uio: int) -> int:
    """Give one character to a read uio; 0 or EFAULT."""
    scratch = _netbsd(k).scratch_byte
    k.machine.mem.write(scratch, bytes([c & 0xFF]))
    return _netbsd(k).uio_move(scratch, 1, uio)


# --- memory ---------------------------------------------------------------------------------------

@table.service("void *malloc(unsigned long size, int type, int flags)", needs_call=True)
def malloc(k, size: int, mtype: int, flags: int, call=None) -> int:
    """malloc(9): M_ZERO zeroes, M_NOWAIT may return NULL; otherwise out of memory panics."""
    name = MALLOC_TYPES.get(mtype, str(mtype))
    try:
        return k.heap.alloc(max(size, 1), name, zero=bool(flags & M_ZERO),
                            caller=call.return_address if call is not None else None)
    except HeapError as exc:   # the kernel heap area is exhausted
        if flags & M_NOWAIT:
            return 0
        raise KernelPanic(f"malloc: out of space in kmem_map ({exc})") from None


@table.service("void free(void *addr, int type)", needs_call=True)
def free(k, addr: int, mtype: int, call=None) -> None:
    """free(9): a pointer malloc did not return (or freed twice) is a panic, as in NetBSD."""
    try:
        k.heap.free(addr, caller=call.return_address if call is not None else None)
    except HeapError as exc:
        raise KernelPanic(f"free: {exc}") from None


@table.service("void *realloc(void *addr, unsigned long size, int type, int flags)", needs_call=True)
def realloc(k, addr: int, size: int, mtype: int, flags: int, call=None) -> int:
    """malloc + copy + free; realloc(NULL, …) is malloc."""
    new = malloc.service.func(k, size, mtype, flags, call=call)
    if addr and new:
        old_size = k.heap.size_of(addr)
        k.machine.mem.write(new, k.machine.mem.read(addr, min(old_size, size)))
        free.service.func(k, addr, mtype, call=call)
    return new


@table.service("void ovbcopy(const void *src, void *dst, size_t len)")
def ovbcopy(k, src: int, dst: int, n: int) -> None:
    """bcopy that copes with overlap (bcopy already does in kemu)."""
    if n:
        k.check_range(src, n, "read")
        k.check_range(dst, n, "write")
        k.machine.mem.write(dst, k.machine.mem.read(src, n))


@table.service("char *strcat(char *dst, const char *src)")
def strcat(k, dst: int, src: int) -> int:
    """Append src to dst; returns dst."""
    head = k.read_str(dst)
    tail = k.read_str(src)
    k.check_range(dst + len(head), len(tail) + 1, "write")
    k.machine.mem.write(dst + len(head), tail + b"\0")
    return dst


@table.service("int ffs(int mask)")
def ffs(k, mask: int) -> int:
    """Index (from 1) of the lowest set bit; 0 for 0."""
    mask &= 0xFFFFFFFF
    return (mask & -mask).bit_length()


# --- sleeping (a single thread on a virtual clock) ------------------------------------------------

@table.service("int tsleep(void *ident, int priority, const char *wmesg, int timo)")
def tsleep(k, ident: int, priority: int, wmesg: int, timo: int) -> int:
    """Sleep on ident. kemu runs one thread, so nobody can call wakeup meanwhile: with a timeout
    the virtual clock advances by `timo` ticks and EWOULDBLOCK is returned; without one, a
    PCATCH sleep is interrupted (EINTR, as by a signal) and any other is a deadlock (panic)."""
    if timo > 0:
        k.clock.advance(timo)
        return k.errno.EWOULDBLOCK
    if priority & PCATCH:
        return k.errno.EINTR
    what = k.read_str(wmesg, 64).decode("latin-1") if wmesg else "?"
    raise KernelPanic(f"tsleep(\"{what}\") with no timeout on {ident:#x}: nothing can wake the only thread")


@table.service("void wakeup(void *ident)")
def wakeup(k, ident: int) -> None:
    """Wake sleepers on ident (there are none while the single thread runs)."""
    return None


@table.service("void wakeup_one(void *ident)")
def wakeup_one(k, ident: int) -> None:
    """Wake one sleeper on ident."""
    return None
