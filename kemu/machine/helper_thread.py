"""Background threads that leave Ctrl-C to the main thread.

Linux delivers a process-directed SIGINT to any thread that does not block it. If it lands on
one of kemu's helper threads (the watchdog, the SIGINT watcher, the GDB stub's reader), CPython
records it, but the main thread — asleep in readline's select() at a `(kemu)` or `#` prompt —
is not woken, so the prompt's "Quit" or the console's ^C never happens until the next key.
Every helper thread therefore blocks SIGINT for itself: the kernel then always picks the main
thread, whose blocking calls see EINTR and run the Python handler at once.
"""
from __future__ import annotations

import signal
import threading
from typing import Any, Callable

_CONSOLE_SIGNALS = {signal.SIGINT}


def start_helper_thread(target: Callable[..., Any], *, name: str, args: tuple = ()) -> threading.Thread:
    """Start a daemon thread running `target(*args)` with the console's signals blocked."""
    def run() -> None:
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, _CONSOLE_SIGNALS)
        target(*args)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
