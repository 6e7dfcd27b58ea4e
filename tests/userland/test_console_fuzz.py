"""Whatever line a user types, the console answers with a status and messages: no Python
exception leaves it (but `exit`'s), and the machine stays usable for the next line."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from kemu.userland import ShellExit

from .conftest import Console, ToySystem

WORDS = ["od", "cat", "head", "echo", "exec", "exit", "ls", "mknod", "rm", "chmod", "greet", "true",
         "false", "dmesg", "help", "-N", "4", "-n", "-c", "-t", "u4", "x1", "-A", "-j", "/dev/count0",
         "/dev/sink0", "/dev/none", "/dev/*", "3", "c", "10", "777", "u+w", "-l", "-f", "0x10", "999999999999"]
SYMBOLS = ["|", "||", "&&", ";", "!", "<", ">", ">>", "<&", ">&", "3<", "2>&1", "<&-", "'", '"', "\\", "#",
           "&", "<<", " "]
LINES = st.lists(st.sampled_from(WORDS + SYMBOLS), max_size=12).map(" ".join)

_system = None


def _console() -> Console:
    global _system
    if _system is None:
        _system = ToySystem("x86_64")
    return Console(_system)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINES, min_size=1, max_size=4))
def test_any_line_gets_a_status_never_an_exception(lines):
    console = _console()
    for line in lines:
        try:
            status = console.run(line)
        except ShellExit as done:
            status = done.status
        assert isinstance(status, int) and 0 <= status <= 255, (line, status)
    console.shell.close_all()
    devfs = console.system.kernel.devfs
    if "/dev/count0" not in devfs:                                # a line may have removed it
        devfs.mknod("/dev/count0", "c", 10, 0, 0o444)
    assert console.run("od -A n -t u1 -N 2 /dev/count0") == 0      # still usable
    assert console.output.endswith("   0   1\n")
