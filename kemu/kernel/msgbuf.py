"""The kernel message buffer (`dmesg`) with an optional console sink.

Everything a kernel prints goes two ways: into a bounded ring that `dmesg` reads back later, and
to the console as it happens. The console is a callback the personality or the shell supplies
(`print` to a terminal, a list in tests); without one, messages are only kept in the ring.
"""
from __future__ import annotations

from typing import Callable

Console = Callable[[str], None]


class MessageBuffer:
    """A ring of the last `capacity` bytes written, decoded as text on demand."""

    def __init__(self, capacity: int = 64 * 1024, console: Console | None = None):
        if capacity <= 0:
            raise ValueError(f"message buffer capacity must be positive, not {capacity}")
        self.capacity = capacity
        self.console = console
        self._buf = bytearray()
        self.total_written = 0

    def write(self, text: str | bytes) -> None:
        """Append a message; the console sees it immediately, oldest bytes fall off the ring."""
        data = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
        if not data:
            return
        self.total_written += len(data)
        self._buf += data
        overflow = len(self._buf) - self.capacity
        if overflow > 0:
            del self._buf[:overflow]
        if self.console is not None:
            self.console(data.decode("utf-8", "replace"))

    def text(self) -> str:
        """What `dmesg` prints: the ring's content, oldest first."""
        return self._buf.decode("utf-8", "replace")

    def data(self) -> bytes:
        return bytes(self._buf)

    def lines(self) -> list[str]:
        """Complete and partial lines, without their newlines."""
        text = self.text()
        return text.splitlines()

    @property
    def lost(self) -> int:
        """Bytes written but overwritten because the ring was full."""
        return self.total_written - len(self._buf)

    def clear(self) -> None:
        """Empty the ring (`dmesg -c`); the console is unaffected."""
        self._buf.clear()

    def __len__(self) -> int:
        return len(self._buf)
