"""The file system calls every personality's Python API offers (`system.open/read/…`).

Each system object keeps its kernel in `self.kernel`; what these calls do is the kernel's file
table (`kemu.kernel.files`) — the same on every system. A personality with files of its own
(Linux's /proc and /sys) overrides the calls it answers and defers to these for the rest.
"""
from __future__ import annotations


class FileCalls:
    """open/close/read/write/ioctl on the kernel's file table, for a class with `.kernel`."""

    def open(self, path: str, mode: str | int = "r") -> int:
        return self.kernel.files.open(path, mode)

    def close(self, fd: int) -> None:
        self.kernel.files.close(fd)

    def read(self, fd: int, n: int) -> bytes:
        return self.kernel.files.read(fd, n)

    def write(self, fd: int, data: bytes) -> int:
        return self.kernel.files.write(fd, data)

    def ioctl(self, fd: int, cmd: int, arg: int | bytes | None = None):
        """An ioctl; for commands that copy data in or out pass the bytes and get
        `IoctlResult(value, data)` back."""
        return self.kernel.files.ioctl(fd, cmd, arg)
