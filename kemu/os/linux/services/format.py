"""String formatting into buffers (lib/vsprintf.c): snprintf and its family, with printk's
conversions (vsprintf.py)."""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable
from kemu.machine import GuestVaList

table = ServiceTable("format")


def _store(k, buf: int, size: int, text: bytes) -> None:
    if size:
        part = text[:size - 1] + b"\0"
        k.check_length(buf, len(part), "write")
        k.machine.mem.write(buf, part)


@table.service("int snprintf(char *buf, size_t size, const char *fmt, ...)")
def snprintf(k, buf: int, size: int, fmt: int, args) -> int:
    """Format into at most size bytes (NUL included); the length the whole text would have."""
    text = k.linux.format(fmt, args)
    _store(k, buf, size, text)
    return len(text)


@table.service("int vsnprintf(char *buf, size_t size, const char *fmt, void *args)")
def vsnprintf(k, buf: int, size: int, fmt: int, args: int) -> int:
    """snprintf with a va_list."""
    text = k.linux.format(fmt, GuestVaList(k.machine.mem, k.arch, args))
    _store(k, buf, size, text)
    return len(text)


@table.service("int scnprintf(char *buf, size_t size, const char *fmt, ...)")
def scnprintf(k, buf: int, size: int, fmt: int, args) -> int:
    """snprintf returning what was written (without the NUL)."""
    text = k.linux.format(fmt, args)
    _store(k, buf, size, text)
    return min(len(text), max(size - 1, 0))


@table.service("int vscnprintf(char *buf, size_t size, const char *fmt, void *args)")
def vscnprintf(k, buf: int, size: int, fmt: int, args: int) -> int:
    """scnprintf with a va_list."""
    text = k.linux.format(fmt, GuestVaList(k.machine.mem, k.arch, args))
    _store(k, buf, size, text)
    return min(len(text), max(size - 1, 0))


@table.service("int sprintf(char *buf, const char *fmt, ...)")
def sprintf(k, buf: int, fmt: int, args) -> int:
    """Format into buf, unbounded as C's sprintf (the destination must hold it)."""
    text = k.linux.format(fmt, args)
    _store(k, buf, len(text) + 1, text)
    return len(text)


@table.service("void fortify_panic(const char *name)")
def fortify_panic(k, name: int) -> None:
    """FORTIFY_SOURCE caught a buffer overflow in a string function: the kernel panics."""
    raise KernelPanic(f"detected buffer overflow in {k.read_str(name, 64).decode('latin-1')}")
