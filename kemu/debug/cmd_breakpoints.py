"""Breakpoint commands: break, tbreak, delete, disable, enable, watch, info breakpoints.

Numbered and worded as gdb does (`Breakpoint 1 at 0x…: file fibo.c, line 150.`), so people
and scripts written against gdb read them unchanged. Watchpoints share the numbering; the
engine stores both (`breakpoints.BreakpointTable`), these commands only parse and report.
"""
from __future__ import annotations

import re

from kemu.debug.arguments import parse_numbers
from kemu.debug.breakpoints import Breakpoint
from kemu.debug.command_table import CommandGroup, Handler, InfoHandler
from kemu.debug.commands import CommandError


class BreakpointCommands(CommandGroup):

    def commands(self) -> dict[str, Handler]:
        return {"break": self.break_, "tbreak": self.tbreak, "delete": self.delete,
                "disable": self.disable, "enable": self.enable, "watch": self.watch}

    def info_commands(self) -> dict[str, InfoHandler]:
        return {"breakpoints": self.info_breakpoints, "watchpoints": self.info_watchpoints}

    def break_(self, args: str, fmt: str, temporary: bool = False) -> None:
        s = self.s
        for addr, where in s.locations.resolve(args):
            bp = s.dbg.add_breakpoint(addr, where, temporary=temporary)
            kind = "Temporary breakpoint" if temporary else "Breakpoint"
            s.say(f"{kind} {bp.number} at {s.locations.describe(addr)}")

    def tbreak(self, args: str, fmt: str) -> None:
        self.break_(args, fmt, temporary=True)

    def delete(self, args: str, fmt: str) -> None:
        dbg = self.s.dbg
        args = re.sub(r"^(breakpoints|display)\b", "", args).strip()
        if not args:
            dbg.delete_all()
            return
        for n in parse_numbers(args):
            if n in dbg.breakpoints:
                dbg.delete_breakpoint(n)
            elif n in dbg.watchpoints:
                dbg.delete_watchpoint(n)
            else:
                self.s.error(f"No breakpoint number {n}.")

    def _set_enabled(self, args: str, value: bool) -> None:
        targets = parse_numbers(args) if args else list(self.s.dbg.breakpoints)
        for n in targets:
            if not self.s.dbg.set_enabled(n, value):
                self.s.error(f"No breakpoint number {n}.")

    def disable(self, args: str, fmt: str) -> None:
        self._set_enabled(args, False)

    def enable(self, args: str, fmt: str) -> None:
        self._set_enabled(args, True)

    def watch(self, args: str, fmt: str) -> None:
        s = self.s
        text = args.strip()
        if text.startswith("-l ") or text.startswith("-location "):
            text = text.split(None, 1)[1]
        if not text:
            raise CommandError("Argument required (expression to compute).")
        v = s.evaluator.evaluate(text)
        if v.lval is None or v.lval[0] != "mem":
            raise CommandError("Cannot watch constant value `" + text + "'.")
        addr = int(v.lval[1])
        size = v.type.size if v.type.kind != "unknown" else (v.type.size or s.word)
        try:
            wp = s.dbg.add_watchpoint(addr, size, text)
        except Exception:
            raise CommandError(f"Cannot access memory at address {addr:#x}") from None
        s.say(f"Hardware watchpoint {wp.number}: {text}")

    def info_breakpoints(self, rest: str) -> None:
        s = self.s
        items = sorted(list(s.dbg.breakpoints.values()) + list(s.dbg.watchpoints.values()),
                       key=lambda b: b.number)
        if not items:
            s.say("No breakpoints or watchpoints.")
            return
        w = 18 if s.word == 8 else 10
        s.say(f"{'Num':<8}{'Type':<15}{'Disp':<5}{'Enb':<4}{'Address':<{w + 1}}What")
        for b in items:
            if isinstance(b, Breakpoint):
                disp = "del" if b.temporary else "keep"
                s.say(f"{b.number:<8}{'breakpoint':<15}{disp:<5}{'y' if b.enabled else 'n':<4}"
                      f"0x{b.address:0{w - 2}x} {self._what(b)}")
            else:
                s.say(f"{b.number:<8}{'hw watchpoint':<15}{'keep':<5}{'y':<4}{'':<{w + 1}}{b.expression}")
            if b.hits:
                s.say(f"\tbreakpoint already hit {b.hits} time{'s' if b.hits != 1 else ''}")

    def _what(self, b: Breakpoint) -> str:
        symbols = self.s.symbols
        loc = symbols.location(b.address)
        fn = symbols.function_name(b.address)
        if loc is not None and fn:
            return f"in {fn} at {loc.basename}:{loc.line}"
        lab = symbols.label(b.address)
        return f"<{lab}>" if lab else ""

    def info_watchpoints(self, rest: str) -> None:
        if not self.s.dbg.watchpoints:
            self.s.say("No watchpoints.")
            return
        for w in self.s.dbg.watchpoints.values():
            self.s.say(f"{w.number:<8}{'hw watchpoint':<15}keep y   {w.expression}")
