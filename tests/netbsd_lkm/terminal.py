"""A kemu command on a pseudo-terminal, for tests of interactive behaviour (prompts, Ctrl-C)."""
from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

from kemu.paths import ROOT

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """`python -m kemu ARGS` with a pty as its terminal; read what it shows, type, send Ctrl-C."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "kemu", *args], stdin=slave, stdout=slave,
                                     stderr=slave, cwd=ROOT, env={**os.environ, "TERM": "dumb"})
        os.close(slave)
        self.seen = ""

    def read_until(self, pattern: str, timeout: float = 60) -> str:
        """Everything shown up to and including the first match of `pattern` (regex)."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, ANSI.sub("", self.seen).replace("\r", ""))
            if m:
                text = ANSI.sub("", self.seen).replace("\r", "")
                self.seen = ""
                return text
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {pattern!r}; screen:\n{self.seen[-3000:]}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    chunk = ""
                if not chunk:
                    raise AssertionError(f"the program ended waiting for {pattern!r}; screen:\n{self.seen[-3000:]}")
                self.seen += chunk

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def interrupt(self) -> None:
        """Ctrl-C, as the terminal driver delivers it: SIGINT to the program."""
        self.proc.send_signal(signal.SIGINT)

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=60)
        finally:
            os.close(self.master)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
