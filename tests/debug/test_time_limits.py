"""Under the debugger the guest keeps its time limit, but time stopped at the prompt is not charged."""
import io
import time

import pytest

import kemu
from kemu.debug.launch import DebugLaunch
from kemu.paths import fixture

from debug_helpers import ARCHES, after, fibo_path
from test_cli_debug import kemu as run_kemu

LIMIT = 0.3   # seconds per guest call: short, so the tests are quick


def spin_path(arch: str) -> str:
    path = fixture("netbsd-lkm", arch, "gcc", "spin.o")
    if not path.exists():
        pytest.skip(f"fixture {path} not built")
    return str(path)


def session(arch: str, module: str, lines, entry: str) -> str:
    system = kemu.boot("netbsd-lkm", arch, call_timeout=LIMIT)
    out = io.StringIO()
    system.console = out.write
    launch = DebugLaunch(system, out=out, err=out, context=False, echo_commands=True)
    launch.run(module, lines, entry=entry)
    return out.getvalue()


def at_a_slow_prompt(*commands: str, pause: float = 2 * LIMIT):
    """Commands typed by someone who waits `pause` seconds at the prompt before each."""
    for command in commands:
        time.sleep(pause)
        yield command


@pytest.mark.parametrize("arch", ARCHES)
def test_endless_load_handler_is_stopped_by_the_time_limit_and_the_session_goes_on(arch):
    text = session(arch, spin_path(arch), iter(["continue", "modstat", "p 6*7"]), "spin_lkmentry")
    ran = after(text, "continue")
    assert f"kemu: spin: LKM_E_LOAD did not return within {LIMIT:g} s: stopped" in ran
    assert "spin_load" in ran                                   # the oops says where it was
    assert "modload: error initializing module: Connection timed out" in ran
    assert "spin" not in after(text, "modstat")                 # nothing half-loaded
    assert after(text, "p 6*7").strip() == "$1 = 42"            # the session goes on


def test_time_at_a_stop_is_not_charged_to_the_guest_call():
    text = session("x86_64", fibo_path("x86_64", debug=True),
                   at_a_slow_prompt("break fibo_handle", "continue", "next", "continue"), "fibo_lkmentry")
    assert "Breakpoint 1, fibo_handle" in after(text, "continue", 0)
    assert "did not return" not in text
    assert "Module loaded as ID 0" in after(text, "continue", 1)


def test_a_runaway_loop_is_still_stopped_after_a_long_stop():
    text = session("i386", spin_path("i386"), at_a_slow_prompt("continue", "p 1"), "spin_lkmentry")
    assert f"did not return within {LIMIT:g} s: stopped" in after(text, "continue")
    assert after(text, "p 1").strip() == "$1 = 1"


def test_kemu_debug_keeps_a_time_limit_by_default():
    p = run_kemu("debug", "--no-context", "--timeout", str(LIMIT), spin_path("i386"), "--ex", "continue",
                 "--ex", "modstat")
    assert "kemu: spin: LKM_E_LOAD did not return within 0.3 s: stopped" in p.stdout + p.stderr
    assert "--timeout SECONDS" in run_kemu("debug", "--help").stdout
    assert "(default 5; 0: none)" in " ".join(run_kemu("debug", "--help").stdout.split())
