"""System calls on device files, carried through NetBSD 10's `cdevsw[]` to a driver's routines.

`open("/dev/fibo0")` reaches spec_open → cdev_open, which finds the driver's `struct cdevsw`
through `cdevsw[major(dev)]` and calls `d_open(dev, FFLAGS(flags), S_IFCHR, curlwp)`; read and
write build a `struct uio` over the caller's buffer (uio_vmspace = the process's vmspace) and
call `d_read`/`d_write`. The pointer is read from the driver's switch at every call. NetBSD 10's
dev_t is 64 bits: on i386 it takes two stack slots, which `dev_words` gives.
An empty major answers ENXIO ("Device not configured"), as cdev_open does.
"""
from __future__ import annotations

from kemu.intbits import to_signed
from kemu.kernel import GuestUio, guarded_call

from .layouts import CDEVSW

S_IFCHR = 0o020000
UIO_READ, UIO_WRITE = 0, 1
IOCPARM_MASK, IOCPARM_SHIFT, IOCPARM_MAX = 0x1FFF, 16, 4096     # sys/ioccom.h
IOC_VOID, IOC_OUT, IOC_IN = 0x20000000, 0x40000000, 0x80000000


def makedev(major: int, minor: int) -> int:
    """NetBSD makedev(): major in bits 8-19, the minor in bits 0-7 and 20-31."""
    return ((major << 8) & 0x000FFF00) | ((minor << 12) & 0xFFF00000) | (minor & 0x000000FF)


def fflags(open_flags: int) -> int:
    """FFLAGS(): O_RDONLY/O_WRONLY/O_RDWR (0/1/2) become FREAD/FWRITE bits (1/2/3)."""
    return (open_flags & ~3) | ((open_flags & 3) + 1)


class CdevswDriver:
    """The character-device half of NetBSD 10's specfs (a kemu.kernel CharDriver)."""

    def __init__(self, system):
        self.system = system
        self.k = system.kernel
        self.layout = CDEVSW.layout(system.arch)
        self.opens: dict[int, int] = {}   # dev_t -> open file descriptions (d_close on the last)

    def dev_words(self, dev: int) -> tuple[int, ...]:
        """A dev_t as call arguments: one word on amd64, two (low, high) on i386."""
        return (dev,) if self.system.arch == "x86_64" else (dev & 0xFFFFFFFF, dev >> 32)

    def _op(self, f, op: str) -> tuple[int, int]:
        node = f.node
        cdev = self.system.devsw.cdev_at(node.major)
        if cdev is None:
            raise self.system.errno.error("ENXIO", f"{f.path}: no driver at major {node.major}")
        fn = self.layout.read(self.k.machine.mem, cdev, op)
        if not fn:
            raise self.system.errno.error("ENODEV", f"{f.path}: driver has no {op}")
        return makedev(node.major, node.minor), fn

    def _call(self, fn: int, *args: int, what: str) -> None:
        value = to_signed(guarded_call(self.k, fn, *args, what=what, timeout=self.system.call_timeout), 32)
        if value:
            raise self.system.errno.error(value, what)

    def open(self, f) -> None:
        dev, fn = self._op(f, "d_open")
        flags = fflags(f.flags)
        f.private["fflag"] = flags
        f.private["dev"] = dev
        self._call(fn, *self.dev_words(dev), flags, S_IFCHR, self.system.curlwp, what=f"open {f.path}")
        self.opens[dev] = self.opens.get(dev, 0) + 1

    def close(self, f) -> None:
        dev = f.private["dev"]
        left = self.opens.get(dev, 1) - 1
        if left > 0:
            self.opens[dev] = left
            return
        self.opens.pop(dev, None)
        _, fn = self._op(f, "d_close")
        self._call(fn, *self.dev_words(dev), f.private["fflag"], S_IFCHR, self.system.curlwp,
                   what=f"close {f.path}")

    def read(self, f, uaddr: int, n: int) -> int:
        return self.transfer(f, [(uaddr, n)], UIO_READ)

    def write(self, f, uaddr: int, n: int) -> int:
        return self.transfer(f, [(uaddr, n)], UIO_WRITE)

    def transfer(self, f, iovecs: list[tuple[int, int]], rw: int) -> int:
        """read/write: a uio over the user's buffers to d_read/d_write; bytes moved."""
        system = self.system
        dev, fn = self._op(f, "d_read" if rw == UIO_READ else "d_write")
        what = f"{'read' if rw == UIO_READ else 'write'} {f.path}"
        with GuestUio(system.kernel, system.uio_layout, iovecs, rw, system.user_vmspace, f.offset) as uio:
            self._call(fn, *self.dev_words(dev), uio.addr, 0, what=what)
            return uio.moved

    def ioctl(self, f, cmd: int, arg: int) -> int:
        """sys_ioctl(): the argument through a kernel buffer of IOCPARM_LEN(cmd) bytes, copied in
        for IOC_IN and out for IOC_OUT; a void command gets the argument word itself."""
        k, mem = self.k, self.k.machine.mem
        cmd &= 0xFFFFFFFF
        size = (cmd >> IOCPARM_SHIFT) & IOCPARM_MASK
        if size > IOCPARM_MAX:
            raise self.system.errno.error("ENOTTY", f"ioctl {cmd:#x}: parameter of {size} bytes")
        word = k.word_size
        data = k.heap.alloc(max(size, word), "ioctlops", zero=True)
        try:
            if cmd & IOC_IN:
                if size:
                    mem.write(data, k.user.copyin(arg, size))
                else:
                    mem.write_int(data, word, arg)
            elif cmd & IOC_VOID:
                mem.write_int(data, word, arg)
            dev, fn = self._op(f, "d_ioctl")
            what = f"ioctl {f.path} {cmd:#x}"
            self._call(fn, *self.dev_words(dev), cmd, data, f.private["fflag"], self.system.curlwp, what=what)
            if cmd & IOC_OUT and size:
                k.user.copyout(mem.read(data, size), arg)
            return 0
        finally:
            k.heap.free(data)
