"""kemu.debug — breakpoints, stepping, source lines, the context panel and the GDB stub.

The debugger lives in Unicorn hooks installed only while it is active (docs/interfaces.md §6):

    from kemu.debug import DebugLaunch
    launch = DebugLaunch(kemu.boot("netbsd-lkm", "i386"))   # calls keep their time limit
    launch.run("fibo.o", iter(["break fibo_read", "continue", "od -t u4 -N 8 /dev/fibo0", "bt"]))

`Debugger` is the engine (breakpoints, watchpoints, stepi/nexti/step/next/finish/until),
`Session` the gdb-like command interpreter over it, `GdbServer` the remote-protocol stub,
`Tracer` the strace-like `kemu trace`, `SourceMap` DWARF lines at linked addresses.
"""
from kemu.debug.breakpoints import Breakpoint, Watchpoint
from kemu.debug.core import Debugger
from kemu.debug.events import DebuggerKilled, StopEvent
from kemu.debug.gdbstub import GdbServer, PacketHandler
from kemu.debug.launch import DebugLaunch, add_symbol_file_line
from kemu.debug.session import Session
from kemu.debug.source import SourceMap
from kemu.debug.tracer import Tracer

__all__ = ["Breakpoint", "DebugLaunch", "Debugger", "DebuggerKilled", "GdbServer", "PacketHandler",
           "Session", "SourceMap", "StopEvent", "Tracer", "Watchpoint", "add_symbol_file_line"]
