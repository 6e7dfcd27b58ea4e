"""Guest shell lines at the debugger prompt: what reaches the guest, and what `help` lists."""
import io

import pytest

import kemu
from kemu.debug.launch import DebugLaunch
from kemu.paths import fixture

from debug_helpers import after


def echodev_session(commands, arch="i386"):
    path = fixture("netbsd-lkm", arch, "gcc", "echodev.o")
    if not path.exists():
        pytest.skip(f"fixture {path} not built")
    system = kemu.boot("netbsd-lkm", arch, call_timeout=30)
    out = io.StringIO()
    system.console = out.write
    launch = DebugLaunch(system, out=out, err=out, context=False, echo_commands=True)
    launch.run(str(path), iter(["continue", "mknod /dev/echo0 c 29 0", *commands]),
               entry="echodev_lkmentry")
    return out.getvalue(), launch


def test_echo_with_a_redirection_writes_the_device():
    text, launch = echodev_session(["echo hello > /dev/echo0", "cat /dev/echo0"])
    assert after(text, "cat /dev/echo0") == "hello\n"
    assert launch.session.guest_failures == []


def test_echo_without_shell_syntax_stays_the_debuggers():
    text, launch = echodev_session(["echo done\\n", "echo 'a > b'\\n", "cat /dev/echo0"])
    assert after(text, "echo done\\n") == "done\n"
    assert after(text, "echo 'a > b'\\n") == "'a > b'\n"      # gdb's echo prints quotes as typed
    assert after(text, "cat /dev/echo0") == ""               # nothing was written to the device


def test_a_failing_guest_line_is_recorded_with_its_status():
    text, launch = echodev_session(["od -N 4 /dev/nosuch", "true", "modstat"])
    assert launch.session.guest_failures == [("od -N 4 /dev/nosuch", 1)]


def test_help_lists_only_guest_commands_that_exist_and_the_routing_rule():
    text, launch = echodev_session(["help"])
    listed = after(text, "help")
    assert max(len(l) for l in listed.splitlines()) <= 80
    line = listed.split("Guest shell commands (run the module): ", 1)[1].split("\nA line", 1)[0]
    names = " ".join(line.split()).split(", ")
    assert {"od", "cat", "echo", "modload", "modstat", "mknod"} <= set(names)
    assert not {"dd", "hexdump", "sh"} & set(names)
    shell = launch._get_shell()
    for name in names:        # each one runs (status 127 is the shell's "not found")
        assert shell.run_line(f"{name} --no-such-option", io.StringIO(), io.StringIO()) != 127, name
    assert "`echo ... > /dev/x` is the guest's" in listed
