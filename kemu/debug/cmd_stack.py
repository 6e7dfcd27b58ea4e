"""Stack commands: backtrace, frame, info frame — the guest's call chain as gdb prints it.

Frames come from the engine's unwinder (CFI first, prologue reading otherwise). Below the
module's outermost frame is the Python kernel that called it, shown as one `<kernel>` line
with the nesting depth, since a service may call back into the module.
"""
from __future__ import annotations

from kemu.debug.command_table import CommandGroup, Handler, InfoHandler
from kemu.debug.frames import Frame
from kemu.debug.symbols import SymbolIndex


def frame_line(symbols: SymbolIndex, frame: Frame) -> str:
    """`#1  0x… in fibo_lkmentry () at fibo.c:76`: the pc is shown for outer frames and when
    the frame is not at the start of a line; the line of an outer frame is its call's."""
    fn = symbols.function_name(frame.pc) or "??"
    pc = frame.pc if frame.level == 0 else frame.pc - 1
    loc = symbols.location(pc)
    head = f"#{frame.level:<2} "
    sm = symbols.source_for(frame.pc)
    show_pc = frame.level > 0 or loc is None or (sm is not None and not sm.is_statement_start(frame.pc))
    text = head + (f"{frame.pc:#x} in " if show_pc else "") + f"{fn} ()"
    if loc is not None:
        text += f" at {loc.basename}:{loc.line}"
    return text


class StackCommands(CommandGroup):

    def commands(self) -> dict[str, Handler]:
        return {"backtrace": self.backtrace, "frame": self.frame}

    def info_commands(self) -> dict[str, InfoHandler]:
        return {"frame": self.info_frame}

    def backtrace(self, args: str, fmt: str) -> None:
        s = self.s
        s.need_stop()
        limit = int(args) if args.strip().isdigit() else 64
        frames = s.dbg.frames(limit)
        for f in frames:
            s.say(frame_line(s.symbols, f))
        depth = getattr(s.m, "depth", 0)
        s.say(f"#{len(frames):<2} <kernel> (called from Python, guest call depth {depth})")

    def frame(self, args: str, fmt: str) -> None:
        s = self.s
        s.need_stop()
        frames = s.dbg.frames(1)
        s.say(frame_line(s.symbols, frames[0]))
        loc = s.symbols.location(frames[0].pc)
        if loc is not None:
            text = s.symbols.source_line(loc.file, loc.line)
            if text is not None:
                s.say(f"{loc.line}\t{text}")

    def info_frame(self, rest: str) -> None:
        s = self.s
        s.need_stop()
        frames = s.dbg.frames(2)
        f0 = frames[0]
        s.say(f"Stack level 0, frame at {f0.cfa:#x}:" if f0.cfa is not None else "Stack level 0:")
        loc = s.symbols.location(f0.pc)
        fn = s.symbols.function_name(f0.pc) or "??"
        s.say(f" {s.dbg.pc_name} = {f0.pc:#x} in {fn}" + (f" ({loc}); " if loc else "; ")
              + (f"saved {s.dbg.pc_name} = {frames[1].pc:#x}" if len(frames) > 1 else "outermost"))
