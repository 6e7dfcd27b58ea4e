"""Time limits for guest calls.

Unicorn's own `emu_start(timeout=…)` starts and joins a thread per call and tracks a single
timer, which does not fit nested calls. Instead one daemon thread serves every machine in
the process: a machine arms it with the deadline of its innermost active call, and the
thread stops that machine's emulation once the deadline passes — repeatedly, every tick,
until the machine disarms, because a nested `emu_start` clears a pending stop request.

The thread ticks only while some machine is armed (plus a short linger, so back-to-back
calls do not pay for waking it up).
"""
from __future__ import annotations

import threading
import time
from typing import Callable

TICK = 0.01
LINGER = 1.0


class Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[int, tuple[float, Callable[[], None]]] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._idle = True

    def arm(self, key: int, deadline: float, on_expire: Callable[[], None]) -> None:
        """Call `on_expire()` (from the watchdog thread) every tick once `deadline`
        (time.monotonic()) has passed, until `disarm(key)`."""
        with self._lock:
            self._armed[key] = (deadline, on_expire)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kemu-watchdog", daemon=True)
                self._thread.start()
            if self._idle:
                self._idle = False
                self._wake.set()

    def disarm(self, key: int) -> None:
        with self._lock:
            self._armed.pop(key, None)

    def _run(self) -> None:
        last_busy = time.monotonic()
        while True:
            with self._lock:
                now = time.monotonic()
                expired = [fn for (deadline, fn) in self._armed.values() if deadline <= now]
                nearest = min((d for d, _ in self._armed.values()), default=None)
                if nearest is None and now - last_busy > LINGER:
                    self._idle = True
                    self._wake.clear()
                if expired:
                    for fn in expired:
                        try:
                            fn()
                        except Exception:  # a stop request must never kill the watchdog
                            pass
            if nearest is not None:
                last_busy = now
            if self._idle:
                self._wake.wait()
                last_busy = time.monotonic()
                continue
            delay = TICK if nearest is None else min(TICK, max(0.0005, nearest - now))
            time.sleep(delay)


WATCHDOG = Watchdog()
