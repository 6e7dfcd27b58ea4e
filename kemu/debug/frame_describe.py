"""How a frame is named in a line: `fibo_read (dev=7424, uio=0xc1000000, flag=0) at fibo.c:150`.

The stop line, `bt`, `frame`, `finish`'s "Run till exit from" and a step into another
function all name a frame the same way gdb does: the function, its arguments from DWARF
(scalars only: a struct argument is `...`), and the source line. A function without debug
information shows `()`, as before.
"""
from __future__ import annotations

from typing import Callable

from kemu.debug.frame_variables import FrameVariables
from kemu.debug.frames import Frame
from kemu.debug.symbols import SymbolIndex
from kemu.debug.typed_format import TypedFormatter


class FrameDescriber:
    """Names frames in gdb's words."""

    def __init__(self, symbols: SymbolIndex, variables: FrameVariables, formatter: TypedFormatter,
                 frames: Callable[[int], list[Frame]]) -> None:
        self.symbols = symbols
        self.variables = variables
        self.formatter = formatter
        self.frames = frames

    def arguments(self, frame: Frame) -> str:
        """`dev=7424, uio=0xc1000000, flag=0`; "" without parameters or debug information."""
        args = self.variables.arguments(frame)
        if not args:
            return ""
        return ", ".join(f"{name}={self.formatter.value(v, scalars_only=True)}" for name, v in args)

    def call(self, frame: Frame) -> str:
        """`fibo_read (dev=7424, uio=0xc1000000, flag=0)`."""
        return f"{self.symbols.function_name(frame.pc) or '??'} ({self.arguments(frame)})"

    def innermost_call(self, pc: int) -> str:
        """`call` for the frame at pc now (frame #0); unwinds only when DWARF has arguments."""
        if self.symbols.function_scope(pc) is not None:
            frames = self.frames(1)
            if frames and frames[0].pc == pc:
                return self.call(frames[0])
        return f"{self.symbols.function_name(pc) or '??'} ()"

    def line(self, frame: Frame) -> str:
        """`#1  0x… in fibo_lkmentry (lkmtp=0x…, cmd=1, ver=1) at fibo.c:76`: the pc is shown
        for outer frames and when the frame is not at the start of a line; the line of an outer
        frame is its call's."""
        pc = frame.pc if frame.level == 0 else frame.pc - 1
        loc = self.symbols.location(pc)
        sm = self.symbols.source_for(frame.pc)
        show_pc = frame.level > 0 or loc is None or (sm is not None and not sm.is_statement_start(frame.pc))
        text = f"#{frame.level:<2} " + (f"{frame.pc:#x} in " if show_pc else "") + self.call(frame)
        if loc is not None:
            text += f" at {loc.basename}:{loc.line}"
        return text
