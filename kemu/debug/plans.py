"""Plans: how the guest runs until the next stop, and when each kind of step is done.

A frontend resumes the engine with a plan — stop at the next module instruction (the entry
point), step N instructions (over calls or into them), step N source lines, or run to an
internal breakpoint (finish, until, advance). While a plan that steps is active the engine
hands it every module instruction (`on_instruction`), and when a call it stepped over returns
(`after_step_over`); the plan answers with a StopEvent when it is done. Stepping over a call is
an internal breakpoint at the return address, so kernel services — outside the module area —
are never stepped through.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kemu.debug.events import StopEvent
from kemu.debug.symbols import SymbolIndex


@dataclass
class InternalBreak:
    """A breakpoint the engine sets for itself (nexti, finish, until, step over)."""
    address: int
    sp_min: int | None
    purpose: str                   # "step-over" | "finish" | "until"
    cfa_min: int | None = None     # until/advance: the hit's frame must be this frame or an outer one


class PlanHost(Protocol):
    """What a plan may ask of the engine."""
    symbols: SymbolIndex
    word: int

    @property
    def sp(self) -> int: ...
    def read_ptr(self, addr: int) -> int: ...
    def caller(self) -> tuple[int, int] | None: ...          # (return address, CFA) of this frame
    def step_over_call_at(self, addr: int) -> None: ...       # if a call is at addr, run through it
    def run_through(self, address: int, sp_min: int | None) -> None: ...   # step-over to address


class Plan:
    """Run freely: no instruction is looked at."""
    needs_steps = False

    def on_instruction(self, host: PlanHost, addr: int) -> StopEvent | None:
        return None

    def after_step_over(self, host: PlanHost, addr: int) -> StopEvent | None:
        return None


class EntryPlan(Plan):
    """Stop before the first module instruction that runs next (the entry point)."""
    needs_steps = True

    def on_instruction(self, host: PlanHost, addr: int) -> StopEvent | None:
        return StopEvent(addr, "entry")


@dataclass
class StepInsnPlan(Plan):
    """stepi / nexti: N module instructions, counting a stepped-over call as one."""
    remaining: int = 1
    over_calls: bool = False
    needs_steps = True

    def on_instruction(self, host: PlanHost, addr: int) -> StopEvent | None:
        self.remaining -= 1
        if self.remaining <= 0:
            return StopEvent(addr, "step")
        if self.over_calls:
            host.step_over_call_at(addr)
        return None

    def after_step_over(self, host: PlanHost, addr: int) -> StopEvent | None:
        self.remaining -= 1
        if self.remaining <= 0:
            return StopEvent(addr, "step")
        host.step_over_call_at(addr)
        return None


@dataclass
class StepLinePlan(Plan):
    """step / next: run until a new source line starts (or this function returns).

    A line is done when a statement of another line begins, the same line begins again in a
    new frame (recursion), or the frame returns. Code without line information is run
    through; a function entered is stopped in after its prologue, as gdb does."""
    remaining: int = 1
    over_calls: bool = False
    file: str | None = None
    line: int | None = None
    cfa: int | None = None
    needs_steps = True

    def on_instruction(self, host: PlanHost, addr: int) -> StopEvent | None:
        sm = host.symbols.source_for(addr)
        loc = sm.location(addr) if sm is not None else None
        sp = host.sp
        returned = self.cfa is not None and sp >= self.cfa
        if loc is None:
            # code without line information: get out of it again (step over it)
            if host.symbols.function_start(addr) == addr and not returned:
                host.run_through(host.read_ptr(sp), sp + host.word)
            return None
        new_statement = sm.is_statement_start(addr)
        if new_statement:
            func = sm.function_at(addr)
            if func is not None and func.low <= addr < sm.after_prologue(func) and addr == func.low:
                # entering a function: stop after its prologue, as gdb does
                target = sm.after_prologue(func)
                if target != addr:
                    host.run_through(target, None)
                    return None
        changed = (loc.file, loc.line) != (self.file, self.line)
        if returned or (new_statement and (changed or self._entered_new_frame(host, sp))):
            self.remaining -= 1
            if self.remaining <= 0:
                return StopEvent(addr, "step")
            self.file, self.line = loc.file, loc.line
            caller = host.caller()
            self.cfa = caller[1] if caller else None
        if self.over_calls:
            host.step_over_call_at(addr)
        return None

    after_step_over = on_instruction

    def _entered_new_frame(self, host: PlanHost, sp: int) -> bool:
        if self.cfa is None:
            return False
        caller = host.caller()
        return caller is not None and caller[1] != self.cfa and sp < self.cfa


@dataclass
class RunToPlan(Plan):
    """Run until an internal breakpoint: finish, until LOCATION, advance."""
    kind: str = "finish"
    finish_from: str | None = None
