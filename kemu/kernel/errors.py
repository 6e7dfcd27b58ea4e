"""Errors the kernel layer raises to Python callers.

Two kinds, kept apart on purpose: a `SyscallError` is the *guest's* answer to a system call
(an errno the emulated OS returned, which a shell prints the way the real tool would), while a
`KernelError` means the emulated kernel itself was misused (a bad free, a symbol defined twice,
a service with a malformed prototype) — a bug in a module or in a personality, never an errno.
"""
from __future__ import annotations


class KernelError(Exception):
    """The emulated kernel was asked to do something impossible; the message says what and where."""


class SyscallError(OSError):
    """A system call failed inside the emulated OS with the OS's own errno value.

    `errno` is the number as the *emulated* OS defines it (EAGAIN is 35 on the BSDs and 11 on
    Linux), `name` its symbolic name and `message` the OS's strerror text, so the shell can print
    exactly what the real tool prints (`modunload: LMUNLOAD: Device busy`).
    """

    def __init__(self, errno: int, name: str, message: str, context: str | None = None):
        super().__init__(errno, message)
        self.errno = errno
        self.name = name
        self.message = message
        self.context = context

    def __str__(self) -> str:
        where = f"{self.context}: " if self.context else ""
        return f"{where}{self.message} ({self.name}, errno {self.errno})"

    def __repr__(self) -> str:
        return f"SyscallError({self.errno!r}, {self.name!r}, {self.message!r})"


class BadAddress(Exception):
    """A guest pointer handed to a kernel service failed the kernel's own range check
    (a kernel address where a user one belongs, a range that wraps or is absurdly long).

    Services raise it like the machine's MemoryFault; the service trap turns both into the
    OS's EFAULT and records the reason in the trace.
    """

    def __init__(self, addr: int, size: int, access: str, reason: str):
        self.addr = addr
        self.size = size
        self.access = access
        self.reason = reason
        super().__init__(f"{access} of {size} byte(s) at {addr:#x}: {reason}")


class KernelPanic(Exception):
    """panic(9) was called, or the kernel met what a real kernel would panic on (a bad free).

    It aborts the guest call that is running; the loader reports it like a fault and the
    machine carries on (kemu never halts for a module's panic).
    """


class GuestCrash(SyscallError):
    """Guest code faulted, ran out of time, panicked or was interrupted; the report is already
    on the console and in dmesg. The errno is the OS's EFAULT (ETIMEDOUT after the time limit,
    EINTR when the user interrupted it); `report` is the oops text."""

    def __init__(self, errno: int, name: str, message: str, context: str | None = None,
                 report: str = ""):
        super().__init__(errno, name, message, context)
        self.report = report
