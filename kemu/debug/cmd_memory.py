"""Memory commands: x, display, undisplay, info display, disassemble.

`x/FMT` remembers its last format and where it stopped, so a bare `x` goes on from there as
gdb's does. `display` expressions are shown again after every stop (the session calls
`show_displays`), in `x` form when their format says so (`display/i $pc`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kemu.debug.arguments import parse_numbers
from kemu.debug.command_table import CommandGroup, Handler, InfoHandler
from kemu.debug.commands import CommandError
from kemu.debug.disasm import disassemble, insn_text
from kemu.debug.formats import MemoryReadError, XFormat, examine, parse_x_format

if TYPE_CHECKING:
    from kemu.debug.session import Session


@dataclass
class Display:
    number: int
    fmt: str
    expression: str
    enabled: bool = True


class MemoryCommands(CommandGroup):

    def __init__(self, s: "Session") -> None:
        super().__init__(s)
        self.displays: list[Display] = []
        self._display_number = 1
        self._xfmt = XFormat(1, "x", 4)
        self._xnext: int | None = None      # where a bare `x` goes on

    def commands(self) -> dict[str, Handler]:
        return {"x": self.x, "display": self.display, "undisplay": self.undisplay,
                "disassemble": self.disassemble}

    def info_commands(self) -> dict[str, InfoHandler]:
        return {"display": self.info_display}

    # ---- x ----------------------------------------------------------------------------
    def x(self, args: str, fmt: str) -> None:
        s = self.s
        # a bare `x` repeats the last format and size for one unit, as gdb does
        self._xfmt = parse_x_format(fmt, self._xfmt, s.word) if fmt else XFormat(
            1, self._xfmt.letter, self._xfmt.size)
        if not args:
            if self._xnext is None:
                raise CommandError("Argument required (starting display address).")
            addr = self._xnext
        else:
            addr = s.evaluator.address_of(args)
        for line in self.examine_lines(addr, self._xfmt):
            s.say(line)

    def examine_lines(self, addr: int, fmt: XFormat) -> list[str]:
        """The lines `x/FMT addr` prints; remembers where the next bare `x` starts."""
        s = self.s
        if fmt.letter == "i":
            insns = s.m.disassemble(addr, fmt.count)
            if not insns:
                raise CommandError(f"Cannot access memory at address {addr:#x}")
            pc = s.dbg.pc if s.dbg.stopped else None
            out = []
            for ins in insns:
                lab = s.symbols.label(ins.address)
                mark = "=> " if ins.address == pc else "   "
                out.append(f"{mark}{ins.address:#x}{f' <{lab}>' if lab else ''}:\t{insn_text(ins)}")
            self._xnext = insns[-1].address + insns[-1].size
            return out
        try:
            lines, nxt = examine(s.read_memory, addr, fmt, label=s.symbols.label, word_size=s.word)
        except MemoryReadError:
            self._xnext = None
            raise
        self._xnext = nxt
        return lines

    # ---- display ----------------------------------------------------------------------
    def display(self, args: str, fmt: str) -> None:
        if not args:
            self.show_displays()
            return
        d = Display(self._display_number, fmt, args.strip())
        self._display_number += 1
        self.displays.append(d)
        if self.s.dbg.stopped is not None:
            self._show(d)

    def undisplay(self, args: str, fmt: str) -> None:
        if not args:
            self.displays.clear()
            return
        for n in parse_numbers(args):
            self.displays = [d for d in self.displays if d.number != n]

    def info_display(self, rest: str) -> None:
        s = self.s
        if not self.displays:
            s.say("There are no auto-display expressions now.")
            return
        s.say("Auto-display expressions now in effect:\nNum Enb Expression")
        for d in self.displays:
            s.say(f"{d.number}:   {'y' if d.enabled else 'n'}  {'/' + d.fmt + ' ' if d.fmt else ''}{d.expression}")

    def show_displays(self) -> None:
        """Every enabled display, as after a stop."""
        for d in self.displays:
            if d.enabled:
                self._show(d)

    def _show(self, d: Display) -> None:
        s = self.s
        try:
            if d.fmt and (d.fmt[-1] in "is" or any(ch in d.fmt for ch in "bhwg") or d.fmt[0].isdigit()):
                fmt = parse_x_format(d.fmt, XFormat(1, "x", 4), s.word)
                addr = s.evaluator.address_of(d.expression)
                s.say(f"{d.number}: x/{d.fmt} {d.expression}")
                for line in self.examine_lines(addr, fmt):
                    s.say(line)
            else:
                v = s.evaluator.evaluate(d.expression)
                s.say(f"{d.number}: {'/' + d.fmt + ' ' if d.fmt else ''}{d.expression} = {s.format_value(v, d.fmt)}")
        except CommandError as exc:
            s.print_error(exc)

    # ---- disassemble ------------------------------------------------------------------
    def disassemble(self, args: str, fmt: str) -> None:
        s = self.s
        pc = s.dbg.pc if s.dbg.stopped else None
        args = args.strip()
        if "," in args:
            a, b = args.split(",", 1)
            lo = s.evaluator.address_of(a)
            b = b.strip()
            hi = lo + s.evaluator.address_of(b[1:]) if b.startswith("+") else s.evaluator.address_of(b)
            s.say(f"Dump of assembler code from {lo:#x} to {hi:#x}:")
            name = None
        else:
            name, lo, hi = self._function_bounds(args, pc)
            s.say(f"Dump of assembler code for function {name}:")
        for a, label, text in disassemble(s.m, s.symbols, lo, hi - lo):
            off = a - lo
            rel = f"<+{off}>" if name else (f"<{label}>" if label else "")
            s.say(f"{'=> ' if a == pc else '   '}{a:#x} {rel}:\t{text}")
        s.say("End of assembler dump.")

    def _function_bounds(self, args: str, pc: int | None) -> tuple[str, int, int]:
        """(name, start, end) of the function around the address given, or around pc."""
        s = self.s
        if args:
            addr = s.evaluator.address_of(args)
        elif pc is not None:
            addr = pc
        else:
            raise CommandError("No frame selected.")
        hit = s.symbols.symbolize(addr)
        if hit is None:
            raise CommandError("No function contains specified address.")
        name = hit[0]
        lo = addr - hit[1]
        sym = s.symbols.lookup(name)
        size = sym.size if sym is not None and sym.size else 0
        if not size:
            sm = s.symbols.source_for(lo)
            f = sm.function_at(lo) if sm else None
            size = (f.high - f.low) if f else 64
        return name, lo, lo + size
