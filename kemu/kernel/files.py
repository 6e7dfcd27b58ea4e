"""File descriptors: the path from `open("/dev/fibo0")` to a driver's entry points.

Every kernel keeps a per-process table of open files; for device special files an open looks up
the node, finds the driver by the node's type and major number and calls its open routine; later
reads and writes on the descriptor go to the same driver with the caller's buffer. The *how*
of reaching the driver (a NetBSD `cdevsw` slot, a FreeBSD `cdev`, a Linux `file_operations`) is
the personality's: it supplies a `driver_for(node)` lookup returning an object with the
`CharDriver` methods. This module owns the generic rest: descriptor numbers, access modes,
offsets, user buffers for the data, and the errors (EBADF, EMFILE, ENXIO …) as `SyscallError`.
"""
from __future__ import annotations

from typing import Any, Callable, Protocol

from kemu.record import Record

from .devfs import DevFS, DevNode
from .errno import Errno
from .user import UserSpace

O_ACCMODE = 3
O_RDONLY, O_WRONLY, O_RDWR = 0, 1, 2   # identical on NetBSD, FreeBSD and Linux
_MODE_FLAGS = {"r": O_RDONLY, "w": O_WRONLY, "rw": O_RDWR, "r+": O_RDWR, "w+": O_RDWR}


class CharDriver(Protocol):
    """What the personality's driver adapter implements; errors are raised as SyscallError.

    `flags` are the open(2) flags the descriptor was opened with. Data moves through *user*
    memory: `uaddr` is a buffer in the emulated user space, as a real system call would pass.
    read/write return the number of bytes transferred.
    """

    def open(self, f: "OpenFile") -> None: ...

    def close(self, f: "OpenFile") -> None: ...

    def read(self, f: "OpenFile", uaddr: int, n: int) -> int: ...

    def write(self, f: "OpenFile", uaddr: int, n: int) -> int: ...

    def ioctl(self, f: "OpenFile", cmd: int, arg: int) -> int: ...


class OpenFile(Record, fields=("fd", "path", "node", "driver", "flags", "offset", "private")):
    """One open file description: the node, its driver, flags and file offset."""

    def __init__(self, fd: int, path: str, node: DevNode, driver: Any, flags: int, offset: int = 0,
                 private: dict | None = None) -> None:
        self.fd = fd
        self.path = path
        self.node = node
        self.driver = driver
        self.flags = flags
        self.offset = offset
        self.private = {} if private is None else private  # the personality's per-open state

    @property
    def readable(self) -> bool:
        return self.flags & O_ACCMODE in (O_RDONLY, O_RDWR)

    @property
    def writable(self) -> bool:
        return self.flags & O_ACCMODE in (O_WRONLY, O_RDWR)


class IoctlResult(Record, fields=("value", "data"), frozen=True):
    def __init__(self, value: int, data: bytes | None) -> None:
        vars(self).update(
            value=value,  # the driver's return value
            data=data,    # the in/out buffer after the call, when one was passed
        )


def parse_flags(mode: str | int) -> int:
    """open(2) flags from an int or from "r", "w", "rw" (also "r+", "w+")."""
    if isinstance(mode, int):
        return mode
    try:
        return _MODE_FLAGS[mode]
    except KeyError:
        raise ValueError(f"open mode must be an int or one of {sorted(_MODE_FLAGS)}, not {mode!r}") from None


class FileTable:
    """Descriptors of the (single) emulated user process."""

    def __init__(self, devfs: DevFS, user: UserSpace, errno: Errno,
                 driver_for: Callable[[DevNode], Any | None] | None = None,
                 first_fd: int = 3, max_files: int = 64):
        self.devfs = devfs
        self.user = user
        self.errno = errno
        self.driver_for = driver_for
        self.first_fd = first_fd
        self.max_files = max_files
        self._files: dict[int, OpenFile] = {}

    # --- lookup ------------------------------------------------------------------------------
    def get(self, fd: int) -> OpenFile:
        """The open file behind `fd`; EBADF if there is none."""
        f = self._files.get(fd) if isinstance(fd, int) else None
        if f is None:
            raise self.errno.error("EBADF", f"fd {fd}")
        return f

    def __contains__(self, fd: object) -> bool:
        return fd in self._files

    def __len__(self) -> int:
        return len(self._files)

    def open_files(self) -> list[OpenFile]:
        return [self._files[fd] for fd in sorted(self._files)]

    def files_of(self, node_kind: str, major: int) -> list[OpenFile]:
        """Open files of one driver (e.g. to refuse an unload while a device is open)."""
        return [f for f in self.open_files() if f.node.kind == node_kind and f.node.major == major]

    # --- syscalls ----------------------------------------------------------------------------
    def open(self, path: str, flags: str | int = O_RDONLY) -> int:
        """Open a device node: ENOENT if absent, ENXIO without a driver, the driver's own error
        if its open refuses. Returns the lowest free descriptor ≥ first_fd."""
        fl = parse_flags(flags)
        node = self.devfs.stat(path)
        if self.driver_for is None:
            raise self.errno.error("ENXIO", path)
        driver = self.driver_for(node)
        if driver is None:
            raise self.errno.error("ENXIO", path)
        fd = self._free_fd(path)
        f = OpenFile(fd, path, node, driver, fl)
        driver.open(f)          # may raise SyscallError: nothing is allocated yet
        self._files[fd] = f
        return fd

    def _free_fd(self, path: str) -> int:
        fd = self.first_fd
        while fd in self._files:
            fd += 1
        if fd >= self.first_fd + self.max_files:
            raise self.errno.error("EMFILE", path)
        return fd

    def close(self, fd: int) -> None:
        """Close `fd`; the descriptor is gone even if the driver's close reports an error."""
        f = self.get(fd)
        del self._files[fd]
        f.driver.close(f)

    def read(self, fd: int, n: int) -> bytes:
        """Up to `n` bytes from the driver, through a user buffer; EBADF if not open for reading."""
        f = self.get(fd)
        if not f.readable:
            raise self.errno.error("EBADF", f"read on fd {fd} opened write-only")
        if n < 0:
            raise self.errno.error("EINVAL", f"read of {n} bytes")
        with self.user.buffer(n) as ubuf:
            got = f.driver.read(f, ubuf, n)
            if not 0 <= got <= n:
                raise self.errno.error("EIO", f"driver read returned {got} for a {n}-byte read")
            data = self.user.mem.read(ubuf, got) if got else b""
        f.offset += got
        return data

    def write(self, fd: int, data: bytes) -> int:
        """Hand `data` to the driver in a user buffer; returns bytes accepted."""
        f = self.get(fd)
        if not f.writable:
            raise self.errno.error("EBADF", f"write on fd {fd} opened read-only")
        with self.user.buffer(len(data), bytes(data)) as ubuf:
            put = f.driver.write(f, ubuf, len(data))
        if not 0 <= put <= len(data):
            raise self.errno.error("EIO", f"driver write returned {put} for a {len(data)}-byte write")
        f.offset += put
        return put

    def ioctl(self, fd: int, cmd: int, arg: int | bytes | None = None) -> IoctlResult:
        """Pass an ioctl to the driver. A bytes `arg` is placed in a user buffer whose address the
        driver receives; its content after the call comes back in `IoctlResult.data`."""
        f = self.get(fd)
        if isinstance(arg, (bytes, bytearray)):
            with self.user.buffer(len(arg), bytes(arg)) as ubuf:
                value = f.driver.ioctl(f, cmd, ubuf)
                data = self.user.mem.read(ubuf, len(arg)) if arg else b""
            return IoctlResult(value, data)
        return IoctlResult(f.driver.ioctl(f, cmd, int(arg or 0)), None)
