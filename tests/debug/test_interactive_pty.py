"""The interactive debugger on a pseudo-terminal: prompt, colour panel, commands, quit."""
import os
import pty
import re
import select
import subprocess
import sys
import time

from debug_helpers import fibo_path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal:
    def __init__(self, argv):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                                     env={**os.environ, "TERM": "xterm", "COLUMNS": "100"})
        os.close(slave)
        self.buffer = ""

    def read_until(self, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, ANSI.sub("", self.buffer)):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {pattern!r}; screen:\n{self.buffer[-3000:]}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    break
                self.buffer += chunk
        text, self.buffer = self.buffer, ""
        return text

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=60)
        finally:
            os.close(self.master)


def test_interactive_session_on_a_terminal():
    term = Terminal([sys.executable, "-m", "kemu", "debug", fibo_path("i386", "gcc", debug=True),
                     "-e", "fibo_lkmentry"])
    try:
        first = term.read_until(r"\(kemu\) $")
        assert "\x1b[" in first                                   # colour on a terminal
        plain = ANSI.sub("", first)
        # i386 gcc: the arguments are on the stack above the return address from the first instruction
        assert re.search(r"Stopped at the module's entry point: fibo_lkmentry \(lkmtp=0x[0-9a-f]+, cmd=1, "
                         r"ver=1\) at fibo\.c:75", plain)
        assert "─── registers" in plain and "─── source fibo.c" in plain
        term.send("break fibo_handle")
        assert "Breakpoint 1 at" in ANSI.sub("", term.read_until(r"\(kemu\) $"))
        term.send("c")
        shown = ANSI.sub("", term.read_until(r"\(kemu\) $"))
        assert re.search(r"Breakpoint 1, fibo_handle \(lkmtp=0x[0-9a-f]+, cmd=1\) at fibo\.c:82", shown)
        assert re.search(r">\s+82\s+switch \(cmd\) \{", shown)         # the current source line
        term.send("n")
        term.send("")                                                      # empty line repeats `next`
        shown = ANSI.sub("", term.read_until(r"89\t.*bzero.*\n(.|\n)*\(kemu\) $"))
        assert "lkmexists(lkmtp=0x" in shown                               # the services panel
        term.send("p 6*7")
        assert "$1 = 42" in ANSI.sub("", term.read_until(r"\$1 = 42"))
        term.send("quit")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
