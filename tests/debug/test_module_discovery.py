"""The debugger finds modules through `system.module_at(addr)` alone (docs/interfaces.md §5, §6)."""
import io

import kemu
from kemu.debug.launch import DebugLaunch

from debug_helpers import after, fibo_path


class OnlyTheGenericInterface:
    """A booted system seen without its OS-specific module table (`lkm`): what a debugger
    working for every personality may rely on."""

    def __init__(self, system):
        self._system = system
        self.module_at_calls = 0

    def module_at(self, addr):
        self.module_at_calls += 1
        return self._system.module_at(addr)

    def __getattr__(self, name):
        if name == "lkm":
            raise AttributeError("the debugger must not look into the NetBSD LKM table")
        return getattr(self._system, name)


def test_debugger_knows_the_module_from_module_at_without_the_lkm_table():
    system = kemu.boot("netbsd-lkm", "i386", call_timeout=30)
    view = OnlyTheGenericInterface(system)
    out = io.StringIO()
    system.console = out.write
    launch = DebugLaunch(view, out=out, err=out, context=False, echo_commands=True)
    launch.run(fibo_path("i386"), iter(["info symbol $pc", "break fibo_read", "continue"]),
               entry="fibo_lkmentry")
    text = out.getvalue()
    assert "fibo_lkmentry in section .text" in after(text, "info symbol $pc")
    assert "Breakpoint 1 at 0x" in after(text, "break fibo_read")
    assert view.module_at_calls >= 1
