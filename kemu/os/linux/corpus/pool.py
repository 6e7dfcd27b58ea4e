"""Running corpus tasks on local worker processes, one module at a time each.

Each worker is a spawned Python process that boots a fresh kernel per module (trial.py);
the parent hands it one task at a time over a pipe and waits with a deadline. A worker
that overruns `timeout` seconds is killed and replaced, a worker that dies (a crash in
the emulator itself) is replaced: either way only that module's record says so, and the
run goes on. Results are yielded as they finish; callers sort them (by path) for a
deterministic report."""
from __future__ import annotations

import multiprocessing
import time
from dataclasses import asdict
from multiprocessing.connection import wait
from typing import Iterable, Iterator

from .trial import Task, lost_record, run_module

DEFAULT_TIMEOUT = 60.0


def _worker(conn) -> None:
    """Worker loop: receive a task dict, send back its record; None ends it."""
    import os
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            result = run_module(task)
        except Exception as exc:          # a kemu bug on this module: record it, keep serving
            result = lost_record(task, f"internal error: {type(exc).__name__}: {exc}")
        conn.send(result)


class _Slot:
    """One worker process and the task it is running."""

    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.task: dict | None = None
        self.started = 0.0

    def give(self, task: dict) -> None:
        self.task, self.started = task, time.monotonic()
        self.conn.send(task)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, BrokenPipeError):
                self.proc.kill()
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_local(tasks: Iterable[Task], *, jobs: int = 1, timeout: float = DEFAULT_TIMEOUT) -> Iterator[dict]:
    """Run every task on `jobs` worker processes; yield each record as it arrives."""
    ctx = multiprocessing.get_context("spawn")
    pending = [asdict(t) for t in tasks]
    pending.reverse()                      # pop() takes them in the given order
    slots = [_Slot(ctx) for _ in range(max(1, min(jobs, len(pending))))]
    try:
        for slot in slots:
            if pending:
                slot.give(pending.pop())
        while any(s.task is not None for s in slots):
            busy = [s for s in slots if s.task is not None]
            now = time.monotonic()
            deadline = min(s.started + timeout for s in busy)
            ready = wait([s.conn for s in busy] + [s.proc.sentinel for s in busy],
                         timeout=max(0.0, deadline - now))
            for i, slot in enumerate(slots):
                if slot.task is None:
                    continue
                record = None
                if slot.conn in ready:
                    try:
                        record = slot.conn.recv()
                    except (EOFError, OSError):
                        record = None
                if record is None and (slot.proc.sentinel in ready or slot.conn in ready):
                    code = slot.proc.exitcode
                    record = lost_record(slot.task, f"worker process died (exit status {code})",
                                         time.monotonic() - slot.started)
                    slot.stop(kill=True)
                    slots[i] = slot = _Slot(ctx)
                elif record is None and time.monotonic() - slot.started >= timeout:
                    record = lost_record(slot.task, f"killed after the {timeout:g} s timeout",
                                         time.monotonic() - slot.started)
                    slot.stop(kill=True)
                    slots[i] = slot = _Slot(ctx)
                if record is None:
                    continue
                slot.task = None
                yield record
                if pending:
                    slot.give(pending.pop())
    finally:
        for slot in slots:
            slot.stop(kill=slot.task is not None)
