"""`kemu trace -c`: a count of calls, errors and time per kernel service, as `strace -c` prints.

Time is host time spent in the service: from the moment the guest reaches the service's stub
(a code hook over the kernel stub area, installed only for `-c`) to the service's completion.
An error is a call that failed on a bad guest pointer (the service returned EFAULT).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TextIO


@dataclass
class ServiceTotals:
    calls: int = 0
    errors: int = 0
    seconds: float = 0.0


class ServiceSummary:
    """Totals per service name, fed by `started()` (the stub reached) and `completed(call)`."""

    def __init__(self) -> None:
        self.totals: dict[str, ServiceTotals] = {}
        self._starts: list[float] = []

    def started(self) -> None:
        self._starts.append(time.perf_counter())

    def completed(self, call) -> None:
        took = time.perf_counter() - self._starts.pop() if self._starts else 0.0
        t = self.totals.setdefault(call.name, ServiceTotals())
        t.calls += 1
        t.seconds += took
        if getattr(call, "fault", None):
            t.errors += 1

    def reset_pending(self) -> None:
        """The outermost guest call ended: any start without a completion was abandoned."""
        self._starts.clear()

    def write(self, out: TextIO) -> None:
        rule = "------ ----------- ----------- --------- --------- ----------------"
        out.write("% time     seconds  usecs/call     calls    errors service\n" + rule + "\n")
        total = sum(t.seconds for t in self.totals.values())
        rows = sorted(self.totals.items(), key=lambda kv: (-kv[1].seconds, kv[0]))
        for name, t in rows:
            share = 100.0 * t.seconds / total if total else 0.0
            per = int(t.seconds * 1e6 / t.calls) if t.calls else 0
            errors = str(t.errors) if t.errors else ""
            out.write(f"{share:6.2f} {t.seconds:11.6f} {per:11d} {t.calls:9d} {errors:>9} {name}\n")
        calls = sum(t.calls for t in self.totals.values())
        errors = sum(t.errors for t in self.totals.values())
        out.write(rule + "\n")
        out.write(f"{100.0 if calls else 0.0:6.2f} {total:11.6f} {'':>11} {calls:9d} "
                  f"{errors if errors else '':>9} total\n")
        out.flush()
