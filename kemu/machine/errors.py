"""Exceptions raised by the machine.

Two families, kept apart on purpose:

* `MachineError` — the host asked for something impossible (bad address range, unknown
  register, exhausted area, a Python-side access to unmapped memory). `MemoryFault` is the
  one kernel services meet most: they turn it into EFAULT.
* `GuestError` — the *guest* misbehaved while running inside `Machine.call`: it faulted
  (`GuestFault`), ran too long (`GuestTimeout`), used up its instruction budget
  (`BudgetExhausted`) or was interrupted on request (`GuestInterrupted`). Each carries an `OopsReport` describing where the guest was.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .oops import OopsReport


class MachineError(Exception):
    """The machine was asked to do something it cannot do; the message says what and where."""


class MemoryFault(MachineError):
    """A Python-side access touched guest memory that is not mapped.

    `addr`/`size` describe the access that was asked for, `access` is "read" or "write",
    and `bad_addr` is the first byte of it that is not mapped.
    """

    def __init__(self, addr: int, size: int, access: str, bad_addr: int | None = None) -> None:
        self.addr = addr
        self.size = size
        self.access = access
        self.bad_addr = addr if bad_addr is None else bad_addr
        where = "" if self.bad_addr == addr else f" ({self.bad_addr:#x} is not mapped)"
        super().__init__(f"{access} of {size} byte(s) at {addr:#x}: unmapped guest memory{where}")


class GuestError(Exception):
    """The guest code run by `Machine.call` did not return normally.

    `oops` is the report of where it was (registers, instruction, backtrace, call chain).
    """

    def __init__(self, message: str, oops: "OopsReport | None" = None) -> None:
        self.oops = oops
        super().__init__(message)

    @property
    def summary(self) -> str:
        """The one-line message, without the oops report."""
        return super().__str__()

    def __str__(self) -> str:
        text = super().__str__()
        if self.oops is not None:
            return f"{text}\n{self.oops.text}"
        return text


class GuestFault(GuestError):
    """A CPU fault in guest code: unmapped or forbidden access, invalid opcode, #DE, #GP,
    stack overflow into a guard page, hlt or a software interrupt."""


class GuestTimeout(GuestError):
    """The guest ran longer than the call's time limit."""


class BudgetExhausted(GuestError):
    """The guest executed more instructions than the call's budget allowed."""


class GuestInterrupted(GuestError):
    """The guest call was stopped on request (`Machine.interrupt`: Ctrl-C) and nothing took
    the stop over (no `interrupt_handler`, or it declined)."""
