"""System calls on device files, carried through `cdevsw[]` to the module's own routines.

`open("/dev/fibo0")` in NetBSD 1.6 reaches spec_open, which calls
`(*cdevsw[major(dev)].d_open)(dev, FFLAGS(flags), S_IFCHR, p)`; read and write build a
`struct uio` whose iovecs point at the caller's buffer (UIO_USERSPACE) and call d_read/d_write;
ioctl copies its argument into a kernel buffer sized by the command's IOCPARM_LEN, calls
d_ioctl with that buffer, and copies it back out for IOC_OUT commands. kemu does the same,
reading the function pointer from the guest's `cdevsw[]` at every call — so after an unload the
restored dummy slot answers (ENODEV) instead of freed module code.

`CdevswDriver` is the `CharDriver` that kemu.kernel's descriptor table calls.
"""
from __future__ import annotations

from kemu.intbits import to_signed
from kemu.kernel import GuestUio

S_IFCHR = 0o020000
FREAD, FWRITE = 0x0001, 0x0002
IOCPARM_MASK, IOCPARM_SHIFT, IOCPARM_MAX = 0x1FFF, 16, 4096
IOC_VOID, IOC_OUT, IOC_IN = 0x20000000, 0x40000000, 0x80000000
UIO_USERSPACE = 0
UIO_READ, UIO_WRITE = 0, 1


def makedev(major: int, minor: int) -> int:
    """NetBSD 1.6 makedev(): 12 bits of major at bit 8, the minor split over bits 0-7 and 20-31."""
    return ((major << 8) & 0x000FFF00) | ((minor << 12) & 0xFFF00000) | (minor & 0x000000FF)


def major(dev: int) -> int:
    return (dev & 0x000FFF00) >> 8


def minor(dev: int) -> int:
    return ((dev & 0xFFF00000) >> 12) | (dev & 0x000000FF)


def fflags(open_flags: int) -> int:
    """FFLAGS(): open(2)'s O_RDONLY/O_WRONLY/O_RDWR (0/1/2) become FREAD/FWRITE bits (1/2/3)."""
    return (open_flags & ~3) | ((open_flags & 3) + 1)


class CdevswDriver:
    """The character-device half of NetBSD's specfs, for one NetBSDLKM system."""

    def __init__(self, system):
        self.system = system
        self.mem = system.machine.mem
        self.opens: dict[int, int] = {}   # dev_t -> open file descriptions (d_close on the last)

    def _switch_op(self, f, op: str) -> tuple[int, int]:
        node = f.node
        switch = self.system.cdevsw
        if node.major >= switch.count:
            raise self.system.errno.error("ENXIO", f"{f.path}: major {node.major} >= nchrdev {switch.count}")
        return makedev(node.major, node.minor), switch.op(node.major, op)

    def _result(self, value: int, context: str) -> None:
        error = to_signed(value, 32)
        if error:
            raise self.system.errno.error(error, context)

    def open(self, f) -> None:
        dev, fn = self._switch_op(f, "d_open")
        flags = fflags(f.flags)
        f.private["fflag"] = flags
        f.private["dev"] = dev
        value = self.system.call_guest(fn, dev, flags, S_IFCHR, self.system.curproc,
                                       what=f"open {f.path}")
        self._result(value, f"open {f.path}")
        self.opens[dev] = self.opens.get(dev, 0) + 1

    def close(self, f) -> None:
        dev = f.private["dev"]
        left = self.opens.get(dev, 1) - 1
        if left > 0:
            self.opens[dev] = left
            return
        self.opens.pop(dev, None)
        _, fn = self._switch_op(f, "d_close")
        value = self.system.call_guest(fn, dev, f.private["fflag"], S_IFCHR, self.system.curproc,
                                       what=f"close {f.path}")
        self._result(value, f"close {f.path}")

    def read(self, f, uaddr: int, n: int) -> int:
        return self.transfer(f, [(uaddr, n)], UIO_READ)

    def write(self, f, uaddr: int, n: int) -> int:
        return self.transfer(f, [(uaddr, n)], UIO_WRITE)

    def transfer(self, f, iovecs: list[tuple[int, int]], rw: int) -> int:
        """readv/writev: a uio over the user iovecs to d_read/d_write; bytes moved."""
        system = self.system
        op = "d_read" if rw == UIO_READ else "d_write"
        dev, fn = self._switch_op(f, op)
        what = f"{'read' if rw == UIO_READ else 'write'} {f.path}"
        with GuestUio(system.kernel, system.uio_layout, iovecs, rw, UIO_USERSPACE, f.offset,
                      extra={"uio_procp": system.curproc}) as uio:
            value = system.call_guest(fn, dev, uio.addr, 0, what=what)
            self._result(value, what)
            return uio.moved

    def ioctl(self, f, cmd: int, arg: int) -> int:
        """sys_ioctl(): the argument through a kernel buffer of IOCPARM_LEN(cmd) bytes."""
        system, k = self.system, self.system.kernel
        cmd &= 0xFFFFFFFF
        size = (cmd >> IOCPARM_SHIFT) & IOCPARM_MASK
        if size > IOCPARM_MAX:
            raise system.errno.error("ENOTTY", f"ioctl {cmd:#x}: parameter of {size} bytes")
        word = system.machine.word_size
        data = k.heap.alloc(max(size, word), "ioctlops", zero=True)
        try:
            if cmd & IOC_IN:
                if size:
                    self.mem.write(data, k.user.copyin(arg, size))
                else:
                    self.mem.write_int(data, word, arg)
            elif cmd & IOC_VOID:
                self.mem.write_int(data, word, arg)
            dev, fn = self._switch_op(f, "d_ioctl")
            what = f"ioctl {f.path} {cmd:#x}"
            value = system.call_guest(fn, dev, cmd, data, f.private["fflag"], system.curproc,
                                      what=what)
            self._result(value, what)
            if cmd & IOC_OUT and size:
                k.user.copyout(self.mem.read(data, size), arg)
            return 0
        finally:
            k.heap.free(data)
