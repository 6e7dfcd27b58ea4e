"""Calling a module's code from the kernel so that nothing it does can take the kernel down.

Every module system calls into a module at a handful of points — its entry point or init
function, its unload or exit function, a driver's open/read/ioctl. Whatever the module does
there (fault, spin, overflow its stack, call panic, get interrupted by the user's Ctrl-C), the
kernel must report it the way a kernel would — an oops on the console and in dmesg — and carry
on with an errno the personality can turn into its own refusal. `guarded_call` is that one
place, shared by the loader and every personality.
"""
from __future__ import annotations

from typing import Any, Callable

from kemu.machine import BudgetExhausted, GuestError, GuestInterrupted, GuestTimeout

from .errors import GuestCrash, KernelPanic
from .heap import HeapError


def guarded_call(kernel: Any, addr: int, *args: int, what: str, timeout: float | None = None,
                 budget: int | None = None, run: Callable[[], int] | None = None) -> int:
    """Call guest code at `addr`; return its raw return word.

    A crash is reported on the console and in dmesg (`kemu: fault in fibo: LKM_E_LOAD` and the
    oops) and raised as GuestCrash carrying the OS's errno: EFAULT for a fault or panic,
    ETIMEDOUT when it ran past the time limit or budget, EINTR when interrupted. `run`: how
    to run it instead of a plain machine call (a suspendable run, kemu/machine/suspend.py)."""
    errno = kernel.errno
    try:
        if run is not None:
            return run()
        return kernel.machine.call(addr, *args, timeout=timeout, budget=budget)
    except (KernelPanic, HeapError) as exc:     # a bad free by guest code is the kernel's panic
        kernel.log(f"panic: {exc}\nkemu: {what} abandoned; the machine carries on\n")
        raise _crash(errno, "EFAULT", what, f"panic: {exc}") from None
    except GuestInterrupted as exc:
        where = exc.oops.pc_symbol if exc.oops is not None else "?"
        kernel.log(f"kemu: {what} interrupted at {where}: abandoned\n")
        raise _crash(errno, "EINTR", what, exc.oops.text if exc.oops is not None else str(exc)) from None
    except GuestError as exc:
        report = exc.oops.text if exc.oops is not None else str(exc)
        if isinstance(exc, (GuestTimeout, BudgetExhausted)):
            limit = f"within {timeout:g} s" if timeout else "within its budget"
            head, name = f"kemu: {what} did not return {limit}: stopped", "ETIMEDOUT"
        else:
            head, name = f"kemu: fault in {what}", "EFAULT"
        kernel.log(f"{head}\n{report.rstrip()}\n")
        raise _crash(errno, name, what, report) from None


def _crash(errno: Any, name: str, what: str, report: str) -> GuestCrash:
    number = errno.value(name)
    return GuestCrash(number, name, errno.strerror(number), what, report)
