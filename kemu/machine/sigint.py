"""Ctrl-C at a console over a machine: at a prompt it clears the line, during a command it
interrupts the guest.

Python turns SIGINT into KeyboardInterrupt wherever the main thread happens to be — inside a
service handler, in the middle of a module load's bookkeeping — and not at all while Unicorn
runs guest code (CPython runs signal handlers only between bytecodes). A console wants
something else:

* at its prompt (`with router.at_prompt(): input(...)`) Ctrl-C is KeyboardInterrupt, as
  usual, so the line being typed is dropped;
* while a command runs it raises nothing: it asks the machine to stop the guest where it is
  (`Machine.interrupt`): a debugger then shows its prompt there, otherwise the guest call
  fails with GuestInterrupted and the system cleans up as for a fault. Asked while the command
  runs Python, the request waits for its next guest call; the console withdraws it when the
  command is over (`finish_command`).

So that the handler runs at once even while the guest spins in Unicorn, a thread reads the
signal wakeup fd (`signal.set_wakeup_fd`) and pokes the machine (`Machine.poke`), which
stops emulation long enough for the main thread to run the handler, and carries on.

At a prompt there is a second gap: a SIGINT that arrives after readline printed the prompt but
before it sleeps in select() is recorded and then waits, unhandled, for the next key. So when
the handler has not run shortly after a SIGINT at a prompt, the watcher sends the main thread
one more SIGINT (`pthread_kill`), which interrupts select(); the byte that kick writes to the
wakeup fd is not counted as a new Ctrl-C.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from .helper_thread import start_helper_thread

if TYPE_CHECKING:
    from .machine import Machine


class SigintRouter:
    """Install with `with SigintRouter(machine):` in the main thread (elsewhere it does nothing)."""

    def __init__(self, machine: "Machine", *, newline_fd: int | None = None) -> None:
        self.machine = machine
        self.newline_fd = newline_fd      # a terminal to move to a fresh line on Ctrl-C (after ^C)
        self.interrupted = False          # Ctrl-C during the current command
        self._prompt = 0
        self._installed = False
        self._previous_handler = None
        self._previous_fd = -1
        self._pipe: tuple[int, int] | None = None
        self._thread: threading.Thread | None = None
        self._arrived = 0                 # Ctrl-Cs the watcher has seen (its own kicks not counted)
        self._handled = 0                 # times the Python handler ran
        self._kicks = 0                   # SIGINTs the watcher sent itself, not yet seen

    # ---- installing -----------------------------------------------------------------------
    def __enter__(self) -> "SigintRouter":
        if threading.current_thread() is not threading.main_thread():
            return self
        r, w = os.pipe()
        os.set_blocking(w, False)
        try:
            self._previous_fd = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
        except ValueError:
            os.close(r)
            os.close(w)
            return self
        self._pipe = (r, w)
        self._previous_handler = signal.signal(signal.SIGINT, self._on_sigint)
        self._thread = start_helper_thread(self._watch, args=(r,), name="kemu-sigint")
        self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._installed:
            return
        self._installed = False
        signal.signal(signal.SIGINT, self._previous_handler)
        signal.set_wakeup_fd(self._previous_fd)
        r, w = self._pipe
        os.close(w)                    # the watching thread reads end-of-file and returns
        self._thread.join()
        os.close(r)
        self.machine.cancel_poke()

    # ---- the console's states --------------------------------------------------------------
    @contextmanager
    def at_prompt(self) -> Iterator[None]:
        """Around reading a line: Ctrl-C here is KeyboardInterrupt."""
        self._prompt += 1
        try:
            yield
        finally:
            self._prompt -= 1

    def finish_command(self) -> bool:
        """The command is over: withdraw a request no guest call took; True if Ctrl-C was
        pressed during it."""
        self.machine.clear_interrupt()
        interrupted, self.interrupted = self.interrupted, False
        return interrupted

    # ---- the signal ------------------------------------------------------------------------
    def _on_sigint(self, signum: int, frame: object) -> None:
        """(main thread, between bytecodes)"""
        self._handled += 1
        self.machine.cancel_poke()
        if self._prompt:
            raise KeyboardInterrupt
        self.interrupted = True
        self.machine.interrupt()
        if self.newline_fd is not None:
            try:
                os.write(self.newline_fd, b"\n")
            except OSError:
                pass

    def _watch(self, r: int) -> None:
        """(thread) Poke the machine when SIGINT arrives, so the handler above runs now."""
        while True:
            try:
                data = os.read(r, 512)
            except OSError:
                return
            if not data:
                return
            for _ in range(data.count(signal.SIGINT)):
                if self._kicks:
                    self._kicks -= 1
                    continue
                self._arrived += 1
                self.machine.poke()
                self._kick_a_sleeping_prompt()

    def _kick_a_sleeping_prompt(self, grace: float = 0.1) -> None:
        """(thread) At a prompt, make sure the handler ran for every Ctrl-C that arrived (it may
        well have run before this thread woke up): see the module docstring."""
        time.sleep(grace)
        if self._prompt and self._handled < self._arrived and hasattr(signal, "pthread_kill"):
            self._kicks += 1
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
