"""Pipelines (`./fibotest | head -n 50`) with streaming, without two commands in the guest at once.

sh runs the commands of a pipeline at the same time, connected by pipes: the left side writes
while the right side reads, and when the right side exits, the left side's next write kills it
(SIGPIPE). That is what lets `./fibotest | head -n 50` end although fibotest never does.

kemu's commands are Python functions over one emulated machine, which must never run two guest
calls at once. So each command of a pipeline runs on a thread of its own, but they take turns
like coroutines: a `Baton` (one lock) is held by exactly one command at a time, and a command
gives it up only where a real process would block — reading an empty pipe, writing a full one,
or ending. The left side therefore runs until its pipe holds a block (`PIPE_CAPACITY`), the
right side then consumes it, and so on; a write after the reader has gone raises `PipeClosed`,
which ends that command with sh's status for SIGPIPE (141) and no message.

A pipe never blocks a writer in the middle of a guest call (a kernel message printed while a
driver runs): there it only buffers, so the baton always changes hands outside guest code. The
first command runs on the calling thread (in practice the one that reads a device: `od`,
`./fibotest`), so a debugger's breakpoint in it stops on the main thread as usual.
"""
from __future__ import annotations

import threading
from typing import Callable, TextIO

from kemu.machine.helper_thread import start_helper_thread

from .streams import ByteSource

PIPE_CAPACITY = 4096
SIGPIPE_STATUS = 128 + 13

Stage = Callable[["ByteSource | None", "TextIO | None"], int]


class PipeClosed(BrokenPipeError):
    """A write to a pipe whose reading end is closed (the process would get SIGPIPE)."""


class Baton:
    """The one lock the commands of a pipeline share: whoever holds it runs."""

    def __init__(self, cancelled: Callable[[], bool] = lambda: False):
        self.cond = threading.Condition(threading.Lock())
        self.cancelled = cancelled
        self.aborted = False            # the pipeline is being torn down (Ctrl-C, an error)

    def stop(self) -> bool:
        return self.aborted or self.cancelled()

    def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Give the baton up until `predicate()` holds (called with the baton held)."""
        while not predicate():
            self.cond.wait()


class Pipe:
    """A one-way byte channel between two commands of a pipeline."""

    def __init__(self, baton: Baton, may_block: Callable[[], bool] = lambda: True,
                 capacity: int = PIPE_CAPACITY):
        self.baton = baton
        self.may_block = may_block
        self.capacity = capacity
        self.buffer = bytearray()
        self.writer_closed = False
        self.reader_closed = False
        self.reader = PipeReader(self)
        self.writer = PipeWriter(self)

    def put(self, data: bytes) -> None:
        if self.reader_closed or self.baton.stop():
            raise PipeClosed("the reading end of the pipe is closed")
        self.buffer += data
        self.baton.cond.notify_all()
        if len(self.buffer) >= self.capacity and self.may_block():
            self.baton.wait_for(lambda: self.reader_closed or len(self.buffer) < self.capacity
                                or self.baton.stop())

    def take(self, n: int) -> bytes:
        self.baton.wait_for(lambda: bool(self.buffer) or self.writer_closed or self.baton.stop())
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        self.baton.cond.notify_all()
        return data

    def close_writer(self) -> None:
        self.writer_closed = True
        self.baton.cond.notify_all()

    def close_reader(self) -> None:
        self.reader_closed = True
        self.buffer.clear()
        self.baton.cond.notify_all()


class PipeReader:
    """The reading end: a ByteSource (`read(n)`, b"" once the writer is done and it is empty)."""

    def __init__(self, pipe: Pipe):
        self.pipe = pipe

    def read(self, n: int) -> bytes:
        return self.pipe.take(n)

    def close(self) -> None:
        self.pipe.close_reader()


class PipeWriter:
    """The writing end: a text stream (latin-1, one character per byte)."""

    def __init__(self, pipe: Pipe):
        self.pipe = pipe

    def write(self, text: str) -> int:
        if text:
            self.pipe.put(text.encode("latin-1", "replace"))
        return len(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.pipe.close_writer()


def run_pipeline(stages: list[Stage], *, may_block: Callable[[], bool] = lambda: True,
                 cancelled: Callable[[], bool] = lambda: False) -> list[int]:
    """Run `stages[i](stdin, stdout)` connected by pipes (the first gets no stdin and the last
    no stdout from the pipeline: None). Returns every command's exit status; an exception that
    escapes a command (other than PipeClosed) is raised here once all of them have ended."""
    count = len(stages)
    baton = Baton(cancelled)
    pipes = [Pipe(baton, may_block) for _ in range(count - 1)]
    statuses: list[int] = [0] * count
    done = [False] * count
    errors: list[BaseException] = []

    def body(i: int) -> None:
        stdin = pipes[i - 1].reader if i > 0 else None
        stdout = pipes[i].writer if i < count - 1 else None
        try:
            statuses[i] = stages[i](stdin, stdout)
        except PipeClosed:
            statuses[i] = SIGPIPE_STATUS
        except BaseException as exc:       # noqa: B902 — handed to the caller's thread below
            statuses[i] = 1
            errors.append(exc)
            baton.aborted = True
        finally:
            if stdout is not None:
                stdout.close()
            if stdin is not None:
                stdin.close()
            done[i] = True
            baton.cond.notify_all()

    def helper(i: int) -> None:
        with baton.cond:
            body(i)

    with baton.cond:
        for i in range(1, count):
            start_helper_thread(helper, args=(i,), name=f"kemu-pipeline-{i}")
        body(0)
        while True:
            try:
                baton.wait_for(lambda: all(done))
                break
            except KeyboardInterrupt as exc:
                baton.aborted = True
                baton.cond.notify_all()
                errors.append(exc)
    if errors:
        raise errors[0]
    return statuses
