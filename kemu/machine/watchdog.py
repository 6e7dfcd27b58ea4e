"""Time limits for guest calls.

Unicorn's own `emu_start(timeout=…)` starts and joins a thread per call and tracks a single
timer, which does not fit nested calls. Instead one daemon thread serves every machine in
the process: a machine arms it with the deadline of its innermost active call, and the
thread stops that machine's emulation once the deadline passes — repeatedly, every tick,
until the machine disarms, because a nested `emu_start` clears a pending stop request.

The thread ticks only while some machine is armed (plus a short linger, so back-to-back
calls do not pay for waking it up). Entries are keyed by whatever the caller chooses (a
machine has one for its deadline and one for repeating stops asked for from outside); an
`on_expire` that returns False removes its own entry (it runs under the watchdog's lock, so
it cannot call `disarm`).
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Hashable

from .helper_thread import start_helper_thread

TICK = 0.01
LINGER = 1.0


class Watchdog:
    def __init__(self) -> None:
        # reentrant: a signal handler (Ctrl-C) may arm an entry from the main thread while
        # that thread is inside arm()/disarm() already
        self._lock = threading.RLock()
        self._armed: dict[Hashable, tuple[float, Callable[[], "bool | None"]]] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._idle = True

    def arm(self, key: Hashable, deadline: float, on_expire: Callable[[], "bool | None"]) -> None:
        """Call `on_expire()` (from the watchdog thread) every tick once `deadline`
        (time.monotonic()) has passed, until `disarm(key)` or it returns False."""
        with self._lock:
            self._armed[key] = (deadline, on_expire)
            if self._thread is None:
                self._thread = start_helper_thread(self._run, name="kemu-watchdog")
            if self._idle:
                self._idle = False
                self._wake.set()

    def disarm(self, key: Hashable) -> None:
        with self._lock:
            self._armed.pop(key, None)

    def _run(self) -> None:
        last_busy = time.monotonic()
        while True:
            with self._lock:
                now = time.monotonic()
                expired = [(key, fn) for key, (deadline, fn) in self._armed.items() if deadline <= now]
                nearest = min((d for d, _ in self._armed.values()), default=None)
                upcoming = min((d for d, _ in self._armed.values() if d > now), default=None)
                if nearest is None and now - last_busy > LINGER:
                    self._idle = True
                    self._wake.clear()
                for key, fn in expired:
                    try:
                        if fn() is False:
                            self._armed.pop(key, None)
                    except Exception:  # a stop request must never kill the watchdog
                        pass
            if nearest is not None:
                last_busy = now
            if self._idle:
                self._wake.wait()
                last_busy = time.monotonic()
                continue
            # expired entries repeat every tick; a deadline to come is met on time
            delay = TICK if upcoming is None else min(TICK, max(0.0005, upcoming - now))
            time.sleep(delay)


WATCHDOG = Watchdog()
