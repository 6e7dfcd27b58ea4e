"""What the session prints when the guest stops, in gdb's words.

`Breakpoint 1, fibo_read (dev=7424, uio=0xc1000000, flag=0) at fibo.c:150` (arguments when
the object has DWARF, `()` otherwise) and the line's text; after a step only the new
line (with its address when the step ended mid-line, and the function when it changed);
`Old value`/`New value` for a watchpoint; `Value returned is $1 = 0` after `finish`. Then the
context panel (registers marked against the previous stop) and the `display` expressions.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from kemu.debug.events import StopEvent
from kemu.debug.panel_data import register_snapshot

if TYPE_CHECKING:
    from kemu.debug.session import Session


class StopReport:
    """Announces stops for a session and keeps what the next announcement compares against."""

    def __init__(self, s: "Session") -> None:
        self.s = s
        self.last_function: str | None = None               # for "fn () at file:line" on a change
        self.previous_regs: dict[str, int] | None = None     # registers at the previous stop
        self.panel_baseline: dict[str, int] | None = None    # what the panel marks changes against

    def announce(self, event: StopEvent) -> None:
        s = self.s
        pc = event.pc
        if event.kind == "breakpoint" and event.breakpoint is not None:
            bp = event.breakpoint
            s.say("")
            prefix = "Temporary breakpoint" if bp.temporary else "Breakpoint"
            s.say(f"{prefix} {bp.number}, {self.where(pc, with_pc_when_source=False)}")
        elif event.kind == "entry":
            s.say(f"Stopped at the module's entry point: {self.where(pc, with_pc_when_source=False)}")
        elif event.kind == "watch" and event.watch is not None:
            w, old, new = event.watch
            s.say("")
            s.say(f"Hardware watchpoint {w.number}: {w.expression}")
            s.say("")
            s.say(f"Old value = {watch_value(old)}")
            s.say(f"New value = {watch_value(new)}")
            s.say(self.where(pc, with_pc_when_source=True))
        elif event.kind == "finish":
            s.say(self.where(pc, with_pc_when_source=True))
        elif event.kind == "signal":
            s.say("")
            s.say("Program received signal SIGINT, Interrupt.")
            s.say(self.where(pc, with_pc_when_source=True))
        else:
            s.say(self.step_where(pc))
        loc = s.symbols.location(pc)
        if loc is not None and event.kind != "step":
            text = s.symbols.source_line(loc.file, loc.line)
            if text is not None:
                s.say(f"{loc.line}\t{text}")
        if event.kind == "finish" and event.finish_value is not None:
            v = s.evaluator._int(event.finish_value, s.evaluator.int_t)
            s.history.append(v)
            s.say(f"Value returned is ${len(s.history)} = {v.value}")
        self.after_stop()

    def returned_to_kernel(self, result: int) -> None:
        """`finish` from a function the kernel called: its call returned to the kernel."""
        s = self.s
        v = s.evaluator._int(result, s.evaluator.int_t)
        s.history.append(v)
        s.say("Returned to the kernel.")
        s.say(f"Value returned is ${len(s.history)} = {v.value}")

    def after_stop(self) -> None:
        s = self.s
        # changes are marked against the registers at the previous stop, whenever the panel shows
        self.panel_baseline = self.previous_regs
        if s.context:
            s.say(s.panel())
        s.memory.show_displays()
        self.previous_regs = register_snapshot(s.dbg)

    def step_where(self, pc: int) -> str:
        """What gdb prints after a step: the line, prefixed by the pc when mid-line or without source."""
        symbols = self.s.symbols
        loc = symbols.location(pc)
        prev_fn = self.last_function
        fn = symbols.function_name(pc)
        self.last_function = fn
        if loc is None:
            return f"{pc:#x} in {fn or '??'} ()"
        text = symbols.source_line(loc.file, loc.line) or ""
        sm = symbols.source_for(pc)
        head = ""
        if fn != prev_fn:
            head = f"{self.s.describe.innermost_call(pc)} at {loc.basename}:{loc.line}\n"
        if sm is not None and not sm.is_statement_start(pc):
            return f"{head}{pc:#x}\t{loc.line}\t{text}"
        return f"{head}{loc.line}\t{text}"

    def where(self, pc: int, with_pc_when_source: bool) -> str:
        """`fibo_read (dev=7424, uio=0xc1000000, flag=0) at fibo.c:150`, with `0x… in` when pc is
        mid-line or has no source."""
        symbols = self.s.symbols
        fn = symbols.function_name(pc)
        self.last_function = fn
        loc = symbols.location(pc)
        if loc is not None:
            sm = symbols.source_for(pc)
            mid = sm is not None and not sm.is_statement_start(pc)
            prefix = f"{pc:#x} in " if (mid or with_pc_when_source and mid) else ""
            return f"{prefix}{self.s.describe.innermost_call(pc)} at {loc.basename}:{loc.line}"
        return f"{pc:#x} in {fn or '??'} ()"


def watch_value(data: bytes) -> str:
    """A watched value as gdb shows it: a signed integer for 1/2/4/8 bytes, else the bytes."""
    if len(data) in (1, 2, 4, 8):
        return str(int.from_bytes(data, "little", signed=True))
    return "{" + ", ".join(f"0x{b:02x}" for b in data[:32]) + ("..." if len(data) > 32 else "") + "}"
