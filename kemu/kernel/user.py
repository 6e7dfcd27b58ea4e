"""The user address space: where system-call buffers live, and the checked copy routines.

When a Python caller does `read(fd, 4096)` the emulated kernel must see what a real one sees: a
pointer into *user* memory that the driver fills with `uiomove`/`copyout`. `UserSpace` hands out
such buffers from the machine's user area and implements the copy primitives every kernel has
(`copyin`, `copyout`, `copyinstr`, `copyoutstr`). Each checks that the whole range lies in user
space before touching memory — a module passing a kernel pointer where a user one belongs gets
EFAULT, exactly like a real kernel — and turns an unmapped page into EFAULT too.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from .errno import Errno
from kemu.machine import MemoryFault

from .errors import KernelError, SyscallError


class UserSpace:
    """User buffers and copy primitives over `machine.layout[area]` (default "user")."""

    def __init__(self, machine: Any, errno: Errno, area: str = "user"):
        self.machine = machine
        self.mem = machine.mem
        self.errno = errno
        self.area = area
        region = machine.layout[area]
        self.start: int = region.start
        self.end: int = region.end
        self._buffers: dict[int, int] = {}

    # --- buffers ----------------------------------------------------------------------------
    def alloc(self, size: int, align: int = 16) -> int:
        """A fresh zeroed user buffer of `size` bytes (at least 1)."""
        if size < 0:
            raise KernelError(f"user buffer: negative size {size}")
        addr = self.machine.alloc(self.area, max(size, 1), align)
        self.mem.write(addr, bytes(max(size, 1)))
        self._buffers[addr] = size
        return addr

    def free(self, addr: int) -> None:
        if self._buffers.pop(addr, None) is None:
            raise KernelError(f"user buffer {addr:#x} was not allocated by UserSpace.alloc")
        self.machine.free(self.area, addr)

    @contextmanager
    def buffer(self, size: int = 0, data: bytes | None = None) -> Iterator[int]:
        """A temporary user buffer holding `data` (or `size` zero bytes), freed afterwards."""
        n = max(size, len(data) if data is not None else 0)
        addr = self.alloc(n)
        try:
            if data:
                self.mem.write(addr, data)
            yield addr
        finally:
            self.free(addr)

    @property
    def live_buffers(self) -> int:
        return len(self._buffers)

    # --- range checks -----------------------------------------------------------------------
    def contains(self, addr: int, n: int) -> bool:
        """True if [addr, addr+n) lies inside user space (mapped or not)."""
        return n >= 0 and self.start <= addr and addr + n <= self.end

    def _efault(self, what: str, addr: int, n: int) -> SyscallError:
        return self.errno.error("EFAULT", f"{what}: {n} byte(s) at {addr:#x}")

    # --- copy primitives (raise SyscallError(EFAULT)) ---------------------------------------
    def copyin(self, uaddr: int, n: int) -> bytes:
        """`n` bytes from user space; EFAULT outside the user range or on an unmapped page."""
        if n == 0:
            return b""
        if not self.contains(uaddr, n) or not self.mem.is_mapped(uaddr, n):
            raise self._efault("copyin", uaddr, n)
        return self.mem.read(uaddr, n)

    def copyout(self, data: bytes, uaddr: int) -> None:
        """Write `data` to user space; EFAULT (and nothing written) if any byte is bad."""
        n = len(data)
        if n == 0:
            return
        if not self.contains(uaddr, n) or not self.mem.is_mapped(uaddr, n):
            raise self._efault("copyout", uaddr, n)
        self.mem.write(uaddr, data)

    def copyinstr(self, uaddr: int, maxlen: int) -> bytes:
        """The NUL-terminated user string at `uaddr`, without the NUL.

        ENAMETOOLONG if no NUL within `maxlen` bytes (counting the NUL), EFAULT for a bad address.
        """
        if maxlen <= 0:
            raise self.errno.error("ENAMETOOLONG", f"copyinstr: maxlen {maxlen}")
        if not self.contains(uaddr, 1):
            raise self._efault("copyinstr", uaddr, 1)
        limit = min(maxlen, self.end - uaddr)
        try:
            text = self.mem.read_cstr(uaddr, limit)
        except MemoryFault:  # the string runs into an unmapped page
            raise self._efault("copyinstr", uaddr, limit) from None
        if len(text) >= limit:
            if limit < maxlen:  # ran off the end of user space
                raise self._efault("copyinstr", uaddr, limit)
            raise self.errno.error("ENAMETOOLONG", f"copyinstr: no NUL in {maxlen} bytes at {uaddr:#x}")
        return text

    def copyoutstr(self, text: bytes, uaddr: int, maxlen: int) -> int:
        """Write `text` plus NUL (at most `maxlen` bytes); returns bytes written including NUL.

        ENAMETOOLONG (after writing `maxlen` bytes, as the BSDs do) if it does not fit.
        """
        data = text + b"\0"
        if maxlen <= 0:
            raise self.errno.error("ENAMETOOLONG", f"copyoutstr: maxlen {maxlen}")
        chunk = data[:maxlen]
        self.copyout(chunk, uaddr)
        if len(data) > maxlen:
            raise self.errno.error("ENAMETOOLONG", f"copyoutstr: {len(text)} bytes do not fit in {maxlen}")
        return len(chunk)

