"""A guest command typed at a stop runs with the breakpoints active, as gdb's inferior calls do:
a breakpoint it reaches is a stop of its own, and the outer stop carries on afterwards."""
import pytest

from debug_helpers import ARCHES, after, run_session

SETUP = ["continue", "mknod /dev/fibo0 c 29 0", "mknod /dev/fibo1 c 29 1", "break fibo_read",
         "od -A d -t u4 -N 4 /dev/fibo0"]


@pytest.mark.parametrize("arch", ARCHES)
def test_a_breakpoint_inside_a_command_run_from_a_stop_stops_there(arch):
    text = run_session(arch, SETUP + ["od -A d -t u4 -N 8 /dev/fibo1", "bt", "continue", "bt", "continue"],
                       debug=True)
    inner = after(text, "od -A d -t u4 -N 8 /dev/fibo1")
    assert "Breakpoint 1, fibo_read (dev=7425, " in inner
    assert "#1  <kernel> (called from Python, guest call depth 2)" in after(text, "bt", 0)
    assert after(text, "continue", 1) == "Continuing.\n0000000          1          1\n0000008\n"
    outer_bt = after(text, "bt", 1)
    assert outer_bt.startswith("#0  fibo_read (dev=7424, ")                 # back at the outer stop
    assert after(text, "continue", 2) == "Continuing.\n0000000          1\n0000004\n"


def test_the_outer_stop_still_steps_after_a_nested_one():
    text = run_session("i386", SETUP + ["od -A d -t u4 -N 4 /dev/fibo1", "continue", "next", "next",
                                        "continue"], debug=True)
    assert after(text, "next", 0).startswith("152\t")
    assert after(text, "next", 1).startswith("155\t")
    assert after(text, "continue", 2).endswith("0000000          1\n0000004\n")


def test_kill_at_a_nested_stop_ends_only_the_inner_command():
    import io

    import kemu
    from kemu.debug.launch import DebugLaunch

    from debug_helpers import fibo_path
    system = kemu.boot("netbsd-lkm", "i386", call_timeout=30)
    out = io.StringIO()
    system.console = out.write
    launch = DebugLaunch(system, out=out, err=out, context=False, echo_commands=True)
    launch.run(fibo_path("i386", "gcc", True), iter(SETUP + ["od -A d -t u4 -N 4 /dev/fibo1", "kill", "bt", "continue"]),
               entry="fibo_lkmentry")
    text = out.getvalue()
    assert "od: /dev/fibo1: Bad address" in after(text, "kill")
    assert after(text, "bt").startswith("#0  fibo_read (dev=7424, ")       # the outer stop is still there
    assert after(text, "continue", -1).endswith("0000000          1\n0000004\n")
    assert launch.session.guest_failures == []                            # killed, not failed


def test_quit_at_a_nested_stop_ends_the_session():
    text = run_session("i386", SETUP + ["od -A d -t u4 -N 4 /dev/fibo1", "quit", "bt", "modstat"], debug=True)
    assert "(kemu) bt" not in text and "(kemu) modstat" not in text
