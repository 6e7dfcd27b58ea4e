"""Suspendable guest runs: a guest call that stops in a service and is resumed later.

Guest calls nest strictly (calls.py: one stack per depth, the outer run's CPU context saved
around the inner one). A personality that has threads of guest code (kernel threads) needs a
run that can stop *in the middle* — blocked in a service — hand control back to whoever
started it, and carry on later from a different place in the nesting. kemu does that as a
coroutine on its one Unicorn: such a run uses a stack of its own (not a depth's stack), so
nothing of it lives on the shared stacks; a service handler running on it raises
`Suspension`; the runner saves the CPU context at the trap (the program counter still on the
trap slot, every register as the guest left it) into the exception and lets it propagate to
the caller of `Machine.call_on_stack` / `Machine.resume`, which keeps it as the run's handle.

Resuming restores that context, puts the trapped call's frame back into the frame slot and
starts at the trap slot again: the service handler is *called again* with the same arguments
(read from the run's own stack, which nothing else touched). The handler decides, from state
the personality keeps, what the call returns this time (a sleep that was woken returns) or
suspends again. Replaying the call instead of finishing a half-run Python handler keeps the
machine free of Python continuations: everything suspended is guest state.

Only the innermost run can be suspended, and only one entered with its own stack: a service
called from a nested run (a callback the suspendable run's services made) cannot suspend, the
frames of the runs between would be lost; `Machine.can_suspend` says whether it may.
"""
from __future__ import annotations

from typing import Any


class Suspension(BaseException):
    """Raised by a service handler to suspend the run it was called from (see the module
    docstring); filled in by the runner and re-raised to the caller of that run, which passes
    it to `Machine.resume` to carry on. A BaseException: guards that catch Exception around
    guest calls must let it through untouched."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.context: Any = None     # the CPU context at the trap (native.Context)
        self.pc = 0                  # the trap slot the run stopped on
        self.frame = 0               # the trapped call's frame (for the frame slot)
        self.stack: tuple[int, int] = (0, 0)   # the run's own stack [lo, hi)
