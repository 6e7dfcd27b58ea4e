"""Stack commands: backtrace, frame, up, down, info frame, info args, info locals.

Frames come from the engine's unwinder (CFI first, prologue reading otherwise). Below the
module's outermost frame is the Python kernel that called it, shown as one `<kernel>` line
with the nesting depth, since a service may call back into the module. `frame N`/`up`/`down`
select the frame whose arguments, locals and registers `info args`, `info locals` and `print`
then read; every stop selects frame #0 again, as in gdb.
"""
from __future__ import annotations

from kemu.debug.command_table import CommandGroup, Handler, InfoHandler
from kemu.debug.commands import CommandError
from kemu.debug.frames import Frame

NO_DEBUG_INFO = "No symbol table info available."


class StackCommands(CommandGroup):

    def commands(self) -> dict[str, Handler]:
        return {"backtrace": self.backtrace, "frame": self.frame, "up": self.up, "down": self.down}

    def info_commands(self) -> dict[str, InfoHandler]:
        return {"frame": self.info_frame, "args": self.info_args, "locals": self.info_locals}

    def backtrace(self, args: str, fmt: str) -> None:
        s = self.s
        s.need_stop()
        limit = int(args) if args.strip().isdigit() else 64
        frames = s.dbg.frames(limit)
        for f in frames:
            s.say(s.describe.line(f))
        depth = getattr(s.m, "depth", 0)
        s.say(f"#{len(frames):<2} <kernel> (called from Python, guest call depth {depth})")

    # ---- selecting a frame ------------------------------------------------------------------
    def frame(self, args: str, fmt: str) -> None:
        s = self.s
        s.need_stop()
        if args.strip():
            level = s.evaluator.evaluate(args).value
            frames = s.dbg.frames(max(level, 0) + 1)
            if not 0 <= level < len(frames):
                raise CommandError(f"No frame at level {args.strip()}.")
            s.selected_frame = level
        self._show(s.current_frame())

    def up(self, args: str, fmt: str) -> None:
        self._move(self._steps(args), "Initial frame selected; you cannot go up.")

    def down(self, args: str, fmt: str) -> None:
        self._move(-self._steps(args), "Bottom (innermost) frame selected; you cannot go down.")

    def _steps(self, args: str) -> int:
        return self.s.evaluator.evaluate(args).value if args.strip() else 1

    def _move(self, by: int, at_end: str) -> None:
        s = self.s
        s.need_stop()
        frames = s.dbg.frames(max(s.selected_frame + by, 0) + 1)
        level = min(max(s.selected_frame + by, 0), len(frames) - 1)
        if level == s.selected_frame:
            raise CommandError(at_end)
        s.selected_frame = level
        self._show(frames[level])

    def _show(self, frame: Frame) -> None:
        """The frame's line and, when known, its source line (a caller's: the call's line)."""
        s = self.s
        s.say(s.describe.line(frame))
        loc = s.symbols.location(frame.pc if frame.level == 0 else frame.pc - 1)
        if loc is not None:
            text = s.symbols.source_line(loc.file, loc.line)
            if text is not None:
                s.say(f"{loc.line}\t{text}")

    # ---- looking at the selected frame ------------------------------------------------------
    def info_frame(self, rest: str) -> None:
        s = self.s
        s.need_stop()
        frames = s.dbg.frames(s.selected_frame + 2)
        f = frames[min(s.selected_frame, len(frames) - 1)]
        caller = frames[f.level + 1] if f.level + 1 < len(frames) else None
        s.say(f"Stack level {f.level}, frame at {f.cfa:#x}:" if f.cfa is not None else f"Stack level {f.level}:")
        loc = s.symbols.location(f.pc if f.level == 0 else f.pc - 1)
        fn = s.symbols.function_name(f.pc) or "??"
        s.say(f" {s.dbg.pc_name} = {f.pc:#x} in {fn}" + (f" ({loc}); " if loc else "; ")
              + (f"saved {s.dbg.pc_name} = {caller.pc:#x}" if caller is not None else "outermost"))
        links = []
        if caller is not None and caller.cfa is not None:
            links.append(f"called by frame at {caller.cfa:#x}")
        if f.level > 0 and frames[f.level - 1].cfa is not None:
            links.append(f"caller of frame at {frames[f.level - 1].cfa:#x}")
        if links:
            s.say(" " + ", ".join(links))
        if s.variables.scope(f) is not None:
            base = s.variables.frame_base(f)
            where = f"Arglist at {base:#x}, " if base is not None else ""
            s.say(f" {where}args: {s.describe.arguments(f)}")

    def info_args(self, rest: str) -> None:
        self._list(self.s.variables.arguments, "No arguments.")

    def info_locals(self, rest: str) -> None:
        self._list(self.s.variables.locals, "No locals.")

    def _list(self, read, none: str) -> None:
        s = self.s
        s.need_stop()
        values = read(s.current_frame())
        if values is None:
            s.say(NO_DEBUG_INFO)        # gdb prints this as information, not as an error
            return
        if not values:
            s.say(none)
        for name, v in values:
            s.say(f"{name} = {s.formatter.value(v)}")
