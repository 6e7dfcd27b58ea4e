"""The rest of NetBSD 10's <sys/systm.h> printing and <sys/kmem.h> string calls.

log(9) goes to the message buffer (dmesg) like printf; its priority (LOG_ERR, LOG_INFO ...)
is syslog's business, which this kernel has no daemon for, so it only selects nothing here.
printf_nolog and uprintf reach the console but not the message buffer, as on NetBSD.
kmem_asprintf hands out a kmem block of exactly strlen+1 bytes, and kmem_strfree frees it with
that size, so a string that was overwritten past its end is caught by kmem_free's size check.
"""
from __future__ import annotations

from kemu.kernel import HeapError, KernelPanic
from kemu.machine import GuestVaList

from .services import table


def _console_only(k, text: bytes) -> None:
    console = k.msgbuf.console
    if console is not None and text:
        console(text.decode("utf-8", "replace"))


@table.service("void log(int level, const char *fmt, ...)")
def log(k, level: int, fmt: int, va) -> None:
    """log(9): into the message buffer, whatever the level."""
    k.msgbuf.write(k.format(fmt, va))


@table.service("void printf_nolog(const char *fmt, ...)")
def printf_nolog(k, fmt: int, va) -> None:
    """To the console only: dmesg never sees it."""
    _console_only(k, k.format(fmt, va))


@table.service("void printf_nostamp(const char *fmt, ...)")
def printf_nostamp(k, fmt: int, va) -> None:
    """printf without the timestamp prefix (this kernel stamps nothing): the same as printf."""
    k.msgbuf.write(k.format(fmt, va))


@table.service("void uprintf(const char *fmt, ...)")
def uprintf(k, fmt: int, va) -> None:
    """To the current process's terminal, which here is the console; not logged."""
    _console_only(k, k.format(fmt, va))


@table.service("int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)")
def vsnprintf(k, buf: int, size: int, fmt: int, ap: int) -> int:
    """snprintf with a va_list: at most size bytes, NUL included; returns the full length."""
    text = k.format(fmt, GuestVaList(k.machine.mem, k.arch, ap))
    if size > 0:
        chunk = text[:size - 1] + b"\0"
        k.check_range(buf, len(chunk), "write")
        k.machine.mem.write(buf, chunk)
    return len(text)


@table.service("char *kmem_asprintf(const char *fmt, ...)", needs_call=True)
def kmem_asprintf(k, fmt: int, va, call=None) -> int:
    """Format into a fresh kmem block of strlen+1 bytes (KM_SLEEP: never NULL)."""
    text = k.format(fmt, va) + b"\0"
    try:
        p = k.heap.alloc(len(text), "kmem", caller=call.return_address)
    except HeapError as exc:
        raise KernelPanic(f"kmem_asprintf: out of memory ({exc})") from None
    k.machine.mem.write(p, text)
    return p


@table.service("void kmem_strfree(char *str)", needs_call=True)
def kmem_strfree(k, s: int, call=None) -> None:
    """Free a kmem string with size strlen+1; a different allocated size panics as kmem_free does."""
    size = len(k.read_str(s)) + 1
    try:
        allocated = k.heap.size_of(s)
    except HeapError as exc:
        raise KernelPanic(f"kmem_strfree: {exc}") from None
    if allocated != size:
        raise KernelPanic(f"kmem_strfree({s:#x}): strlen+1 = {size} != allocated size {allocated}; overwrote?")
    k.heap.free(s, caller=call.return_address)


# --- the errno-returning helpers <sys/systm.h> declares beside enodev ------------------------------

@table.service("int enosys(void)")
def enosys(k) -> int:
    """ENOSYS, for a cdevsw/bdevsw slot that is not implemented."""
    return k.errno.ENOSYS


@table.service("int enoioctl(void)")
def enoioctl(k) -> int:
    """ENOTTY, for an ioctl slot that knows no commands."""
    return k.errno.ENOTTY


@table.service("int enxio(void)")
def enxio(k) -> int:
    """ENXIO: no such device."""
    return k.errno.ENXIO


@table.service("int eopnotsupp(void)")
def eopnotsupp(k) -> int:
    """EOPNOTSUPP."""
    return k.errno.EOPNOTSUPP


@table.service("void voidop(void)")
def voidop(k) -> None:
    """Does nothing, for slots that must exist."""
