"""`finish` in a function the kernel called runs to its return and prints the value, as gdb does."""
import re

import pytest

from debug_helpers import ARCHES, after, run_session


@pytest.mark.parametrize("arch", ARCHES)
def test_finish_at_the_entry_point_prints_the_value_the_kernel_gets(arch):
    text = run_session(arch, ["finish", "modstat"], debug=True)
    out = after(text, "finish")
    assert re.match(r"Run till exit from #0  fibo_lkmentry \(lkmtp=0x[0-9a-f]+, cmd=1, ver=1\) at fibo\.c:75\n", out)
    assert out.endswith("Returned to the kernel.\nValue returned is $1 = 0\nModule loaded as ID 0\n")
    assert "not meaningful" not in text


def test_finish_in_a_device_entry_point_prints_its_return_value_into_history():
    text = run_session("i386", ["continue", "mknod /dev/fibo0 c 29 0", "break fibo_read",
                                "od -A d -t u4 -N 4 /dev/fibo0", "finish", "p $1"], debug=True)
    out = after(text, "finish")
    assert out.startswith("Run till exit from #0  fibo_read (dev=7424, uio=0x")
    assert "Returned to the kernel.\nValue returned is $1 = 0\n0000000          1\n" in out
    assert after(text, "p $1") == "$2 = 0\n"


def test_a_breakpoint_before_the_return_abandons_the_finish():
    text = run_session("i386", ["break fibo_handle", "finish", "continue"], debug=True)
    out = after(text, "finish")
    assert "Breakpoint 1, fibo_handle" in out and "Value returned" not in out
    assert "Value returned" not in after(text, "continue")


def test_ending_a_batch_at_a_stop_inside_a_guest_command_is_not_a_guest_failure():
    import subprocess
    import sys
    from debug_helpers import fibo_path
    p = subprocess.run([sys.executable, "-m", "kemu", "debug", "--no-context", fibo_path("i386"),
                        "-e", "fibo_lkmentry", "--ex", "continue", "--ex", "mknod /dev/fibo0 c 29 0",
                        "--ex", "break fibo_read", "--ex", "od -N 4 /dev/fibo0"],
                       capture_output=True, text=True, timeout=120)
    assert "Breakpoint 1, 0x" in p.stdout and " in fibo_read ()" in p.stdout
    assert p.returncode == 0, p.stderr
