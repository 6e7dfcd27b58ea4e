"""Stepping commands: continue, stepi, nexti, step, next, finish, until, advance, kill.

Each one only chooses how the engine resumes (a plan) and returns True: the stop loop then
returns into the engine's hook and the guest runs until the plan's next stop. `step`/`next`
in code without line information do what gdb does there — run until the function returns.
"""
from __future__ import annotations

from kemu.debug.arguments import parse_count
from kemu.debug.command_table import CommandGroup, Handler
from kemu.debug.commands import CommandError


class SteppingCommands(CommandGroup):

    def commands(self) -> dict[str, Handler]:
        return {"continue": self.continue_, "stepi": self.stepi, "nexti": self.nexti,
                "step": self.step, "next": self.next, "finish": self.finish,
                "until": self.until, "advance": self.advance, "kill": self.kill}

    def _count(self, args: str) -> int:
        return parse_count(args, self.s.evaluator)

    def continue_(self, args: str, fmt: str) -> bool:
        self.s.dbg.resume_continue()
        self.s.say("Continuing.")
        return True

    def stepi(self, args: str, fmt: str) -> bool:
        self.s.dbg.resume_stepi(self._count(args))
        return True

    def nexti(self, args: str, fmt: str) -> bool:
        self.s.dbg.resume_stepi(self._count(args), over_calls=True)
        return True

    def _by_line(self, args: str, over_calls: bool) -> bool:
        dbg = self.s.dbg
        n = self._count(args)
        if not dbg.resume_step_line(n, over_calls=over_calls):
            # no line information here: like gdb, run until this function returns
            self.s.say("Single stepping until exit from function "
                       f"{self.s.symbols.function_name(dbg.pc) or '??'},\nwhich has no line number information.")
            if not dbg.resume_finish():
                dbg.resume_stepi(1, over_calls=True)
        return True

    def step(self, args: str, fmt: str) -> bool:
        return self._by_line(args, over_calls=False)

    def next(self, args: str, fmt: str) -> bool:
        return self._by_line(args, over_calls=True)

    def finish(self, args: str, fmt: str) -> bool:
        dbg = self.s.dbg
        frames = dbg.frames(2)
        if frames:
            self.s.say(f"Run till exit from {self.s.describe.line(frames[0])}")
        if not dbg.resume_finish():
            # the kernel called this function: the value shows when that call returns
            dbg.resume_finish_to_kernel(self.s.report.returned_to_kernel)
        return True

    def until(self, args: str, fmt: str) -> bool:
        if not args:
            return self.next("", fmt)
        addr = self.s.locations.resolve(args)[0][0]
        self.s.dbg.resume_until(addr, "until")
        return True

    def advance(self, args: str, fmt: str) -> bool:
        if not args:
            raise CommandError("Argument required (a location).")
        addr = self.s.locations.resolve(args)[0][0]
        self.s.dbg.resume_until(addr, "until")
        return True

    def kill(self, args: str, fmt: str) -> bool:
        self.s.dbg.kill()
        self.s.say("[kemu: module call killed]")
        return True
