"""What a console command reads and writes: devices, descriptors the shell holds, pipes.

A command's standard input is a `ByteSource` (`read(n) -> bytes`, b"" at end of file, and
`close()`), or None when it has none (kemu's console has no keyboard input for commands).
Its standard output and error are text streams (`write(str)`); text travels as latin-1, one
character per byte, so any byte a driver hands out survives a round trip through `cat`.

`DeviceOutput` is `cmd > /dev/x`: like stdio on a file that is not a terminal, it collects
output into 4096-byte blocks and writes each to the device as it fills, the rest when the
command ends; a failed write is `WriteError`, which the shell reports as `cmd: write error: …`.
"""
from __future__ import annotations

from typing import Protocol

from kemu.kernel import SyscallError

STDIO_BUFFER = 4096


class ByteSource(Protocol):
    def read(self, n: int) -> bytes: ...
    def close(self) -> None: ...


class HeldSource:
    """A descriptor the shell holds open (`<&3`): reading moves its offset; closing keeps it
    open (the shell owns it)."""

    def __init__(self, system, fd: int):
        self.system, self.fd = system, fd

    def read(self, n: int) -> bytes:
        return self.system.read(self.fd, n)

    def close(self) -> None:
        pass


class DeviceSource(HeldSource):
    """A file the command opens itself (`< /dev/x`, `cat /dev/x`) and closes when done."""

    def __init__(self, system, path: str):
        super().__init__(system, system.open(path, "r"))
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.system.close(self.fd)


class WriteError(Exception):
    """Writing a command's output to its file failed (the message is strerror's text)."""


class DeviceOutput:
    """A text stream whose bytes go to an open file of the system, in stdio-sized blocks."""

    def __init__(self, system, fd: int, buffer_size: int = STDIO_BUFFER):
        self.system, self.fd = system, fd
        self.buffer = bytearray()
        self.buffer_size = buffer_size
        self.failed = False

    def write(self, text: str) -> int:
        self.buffer += text.encode("latin-1", "replace")
        while len(self.buffer) >= self.buffer_size:
            block = bytes(self.buffer[:self.buffer_size])
            del self.buffer[:self.buffer_size]
            self._put(block)
        return len(text)

    def flush(self) -> None:
        if self.buffer:
            block = bytes(self.buffer)
            self.buffer.clear()
            self._put(block)

    def _put(self, block: bytes) -> None:
        if self.failed:
            return
        try:
            self.system.write(self.fd, block)
        except SyscallError as exc:
            self.failed = True
            raise WriteError(exc.message) from None
