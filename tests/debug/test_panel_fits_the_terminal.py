"""The context panel fits an 80×24 terminal on both arches: no wrapped line, and the stop's
own lines, the panel and the prompt all on one screen (measured in a real tmux pane)."""
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from kemu.debug.panel import PanelData, render_panel

from debug_helpers import ARCHES, fibo_path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_panel_never_exceeds_its_width_or_height_whatever_the_data():
    long_name = "a_function_with_a_really_long_name_that_goes_on_and_on"
    data = PanelData("x86_64", [(f"r{i}", 0xFFFFFFFFFFFFFFFF) for i in range(16)] + [("rip", 1), ("eflags", 0x3F0FD5)],
                     {}, [(i == 4, f"{0xffffffffa0000000 + i:#x}", f"{long_name}+{i}", "mov rax, qword ptr [rbp - 0x20]")
                          for i in range(10)],
                     "fibo.c", [(n, "\t\t" + "x" * 100, n == 5) for n in range(1, 8)],
                     [(0x1000 + 8 * i, 0, long_name) for i in range(6)], ["printf(" + "y" * 120 + ")"] * 5)
    for color in (False, True):
        lines = render_panel(data, color).split("\n")
        plain = [l.replace("\x1b[0m", "").replace("\x1b[1m", "").replace("\x1b[31m", "").replace("\x1b[32m", "")
                 .replace("\x1b[33m", "").replace("\x1b[34m", "").replace("\x1b[36m", "") for l in lines]
        assert max(len(l) for l in plain) <= 80
        assert len(lines) <= 24 - 3                        # the stop's two lines and the prompt
        assert any(l.startswith("=> ") for l in plain)     # the current instruction is kept in view
        assert any(l.startswith(">    5") for l in plain)   # and the current source line


class Tmux:
    """A detached tmux server of its own with one 80×24 pane running a command."""

    def __init__(self, command: str) -> None:
        self.socket = f"kemu-test-{uuid.uuid4().hex[:8]}"
        subprocess.run(["tmux", "-L", self.socket, "new-session", "-d", "-s", "t", "-x", "80", "-y", "24",
                        command], check=True, cwd=ROOT)

    def send(self, line: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", "t", line, "Enter"], check=True)

    def screen(self, joined: bool = False) -> list[str]:
        argv = ["tmux", "-L", self.socket, "capture-pane", "-p", "-t", "t"] + (["-J"] if joined else [])
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.rstrip("\n").split("\n")

    def wait_for(self, text: str, timeout: float = 60) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if any(text in l for l in screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared:\n" + "\n".join(self.screen()))

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("arch", ARCHES)
def test_a_stop_with_its_panel_fits_80_by_24(arch):
    env = f"env PYTHONPATH={ROOT} TERM=xterm"
    tmux = Tmux(f"{env} {sys.executable} -m kemu debug {fibo_path(arch, debug=True)} -e fibo_lkmentry; sleep 60")
    try:
        tmux.wait_for("(kemu)")
        for line in ("break fibo.c:159", "continue", "mknod /dev/fibo0 c 29 0", "od -N 4 /dev/fibo0"):
            tmux.send(line)
        screen = tmux.wait_for("Breakpoint 1, fibo_read")
        screen = tmux.wait_for("─── kernel services")
        time.sleep(0.5)
        screen = tmux.screen()
        assert len(screen) == 24
        assert screen[0].startswith("Breakpoint 1, fibo_read (dev=7424")      # nothing scrolled away
        assert screen[1].startswith("159")
        assert screen[2].startswith("─── registers")
        assert screen[-1].startswith("(kemu)")
        assert len(tmux.screen(joined=True)) == 24                            # no line wrapped
        assert any(l.startswith("=> 0x") for l in screen)
    finally:
        tmux.close()
