"""The debugger engine: it lives in Unicorn hooks.

Nothing is installed while no debugger is active. When one is, the engine keeps exactly the
hooks the current goal needs: one range-restricted code hook per breakpoint address while the
guest runs freely, or one code hook over the module area while it steps (stepi, step/next by
source line, watchpoints, "stop at the next module instruction"). When a hook decides to stop,
it calls the frontend's `on_stop(event)` *from inside the hook*: the command loop runs there,
reads registers and memory, and returns after choosing how to resume. Because the loop runs
inside the hook, nested guest calls (a service calling back into the module) are debugged the
same way, and kernel service stubs — outside the module area — are never stopped in.

Unicorn only consults hooks that existed when a block of code was translated, so after the
hook set changes at a stop the engine flushes the translation cache and rewrites the program
counter with its own value: Unicorn restarts the instruction in freshly translated code, and
the engine ignores the one repeated hook event at that address.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import capstone

from kemu.debug.frames import Frame, Unwinder, UnwindTables
from kemu.machine import GuestError
from kemu.debug.symbols import SymbolIndex


class DebuggerKilled(GuestError):
    """Raised out of the hook to abort the guest call the user killed (a GuestError, so the
    personality reports the abandoned call and cleans up as it does for a fault)."""


@dataclass
class Breakpoint:
    number: int
    address: int
    location: str
    temporary: bool = False
    enabled: bool = True
    hits: int = 0
    owner: str = "user"          # "user" | "gdb"


@dataclass
class Watchpoint:
    number: int
    address: int
    size: int
    expression: str
    old: bytes
    owner: str = "user"
    hits: int = 0


@dataclass
class _Internal:
    """A breakpoint the engine sets for itself (nexti, finish, until, step over)."""
    address: int
    sp_min: int | None
    purpose: str
    cfa_min: int | None = None     # until/advance: the hit's frame must be this frame or an outer one


@dataclass
class StopEvent:
    pc: int
    kind: str                      # entry | breakpoint | step | watch | finish | until
    breakpoint: Breakpoint | None = None
    watch: tuple[Watchpoint, bytes, bytes] | None = None
    finish_value: int | None = None
    finish_from: str | None = None
    depth: int = 0                 # nesting of guest calls the stop happened in (0: outermost)


# ---- plans: how the guest should run until the next stop ---------------------------------
@dataclass
class _Plan:
    needs_steps: bool = False


@dataclass
class _EntryPlan(_Plan):
    needs_steps: bool = True


@dataclass
class _StepInsnPlan(_Plan):
    remaining: int = 1
    over_calls: bool = False
    needs_steps: bool = True


@dataclass
class _StepLinePlan(_Plan):
    remaining: int = 1
    over_calls: bool = False
    file: str | None = None
    line: int | None = None
    cfa: int | None = None
    needs_steps: bool = True


@dataclass
class _RunToPlan(_Plan):
    """Run until an internal breakpoint: finish, until LOCATION, advance."""
    kind: str = "finish"
    finish_from: str | None = None


class Debugger:
    """Breakpoints, stepping, watchpoints and stop reporting for one machine."""

    def __init__(self, machine, symbols: SymbolIndex, on_stop: Callable[[StopEvent], None],
                 *, step_range: tuple[int, int] | None = None):
        self.m = machine
        self.arch = machine.arch
        self.word = 8 if self.arch == "x86_64" else 4
        self.mask = (1 << (8 * self.word)) - 1
        self.symbols = symbols
        self.on_stop = on_stop
        self.pc_name = "rip" if self.arch == "x86_64" else "eip"
        self.sp_name = "rsp" if self.arch == "x86_64" else "esp"
        self.fp_name = "rbp" if self.arch == "x86_64" else "ebp"
        self.ret_name = "rax" if self.arch == "x86_64" else "eax"
        if step_range is None:
            area = machine.layout["modules"]
            step_range = (area.start, area.end - 1)
        self.step_range = step_range
        self.breakpoints: dict[int, Breakpoint] = {}          # user's, by number
        self.watchpoints: dict[int, Watchpoint] = {}
        self.remote_breakpoints: dict[int, Breakpoint] = {}   # gdb's (Z0/Z1), by address
        self.remote_watchpoints: dict[tuple[int, int], Watchpoint] = {}
        self._dirty = False
        self._next_number = 1
        self._internal: list[_Internal] = []
        self._plan: _Plan | None = None
        self._hooks: dict[tuple, object] = {}
        self._skip_addr: int | None = None
        self._watch_hits: list[tuple[Watchpoint, int]] = []
        self._kill = False
        self.stopped: StopEvent | None = None
        self._stop_depth = 0
        self.active = True
        self.unwind_tables = UnwindTables()
        self._cs = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64 if self.arch == "x86_64" else capstone.CS_MODE_32)
        self._insn_cache: dict[int, tuple[int, str]] = {}
        self.unwinder = Unwinder(self.arch, self._read_ptr, self.unwind_tables,
                                 self.symbols.function_start, self.symbols.in_module_code,
                                 self._read_code)

    # ---- memory/register helpers ----------------------------------------------------
    def _read_ptr(self, addr: int) -> int:
        return int.from_bytes(self.m.mem.read(addr & self.mask, self.word), "little")

    def _read_code(self, addr: int, n: int) -> bytes:
        return self.m.mem.read(addr, n)

    def reg(self, name: str) -> int:
        return self.m.regs.read(name)

    @property
    def pc(self) -> int:
        return self.reg(self.pc_name)

    @property
    def sp(self) -> int:
        return self.reg(self.sp_name)

    def regs_for_unwind(self) -> dict[str, int]:
        names = (["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"] + [f"r{i}" for i in range(8, 16)] + ["rip"]
                 if self.arch == "x86_64" else ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip"])
        return {n: self.reg(n) for n in names}

    def frames(self, limit: int = 64) -> list[Frame]:
        return self.unwinder.frames(self.regs_for_unwind(), limit)

    def decode(self, addr: int) -> tuple[int, str]:
        """(size, mnemonic) of the instruction at addr, cached: module code does not change."""
        hit = self._insn_cache.get(addr)
        if hit is None:
            code = self.m.mem.read(addr, 16)
            insn = next(self._cs.disasm(code, addr, 1), None)
            hit = (insn.size, insn.mnemonic) if insn is not None else (1, "(bad)")
            self._insn_cache[addr] = hit
        return hit

    # ---- breakpoints & watchpoints ---------------------------------------------------
    def add_breakpoint(self, address: int, location: str, *, temporary: bool = False) -> Breakpoint:
        bp = Breakpoint(self._next_number, address & self.mask, location, temporary)
        self._next_number += 1
        self.breakpoints[bp.number] = bp
        self._sync_outside_stop()
        return bp

    def delete_breakpoint(self, number: int) -> None:
        del self.breakpoints[number]
        self._sync_outside_stop()

    def add_remote_breakpoint(self, address: int) -> None:
        """A breakpoint gdb inserted (Z0): no number, one per address."""
        address &= self.mask
        self.remote_breakpoints.setdefault(address, Breakpoint(0, address, f"{address:#x}", owner="gdb"))
        self._sync_outside_stop()

    def remove_remote_breakpoint(self, address: int) -> bool:
        found = self.remote_breakpoints.pop(address & self.mask, None) is not None
        self._sync_outside_stop()
        return found

    def add_watchpoint(self, address: int, size: int, expression: str) -> Watchpoint:
        old = self.m.mem.read(address, size)
        wp = Watchpoint(self._next_number, address, size, expression, old)
        self._next_number += 1
        self.watchpoints[wp.number] = wp
        self._sync_outside_stop()
        return wp

    def delete_watchpoint(self, number: int) -> None:
        del self.watchpoints[number]
        self._sync_outside_stop()

    def add_remote_watchpoint(self, address: int, size: int) -> None:
        old = self.m.mem.read(address, size)
        self.remote_watchpoints[(address, size)] = Watchpoint(0, address, size, f"*{address:#x}", old, owner="gdb")
        self._sync_outside_stop()

    def remove_remote_watchpoint(self, address: int, size: int) -> bool:
        found = self.remote_watchpoints.pop((address, size), None) is not None
        self._sync_outside_stop()
        return found

    def delete_all(self) -> None:
        """`delete` without arguments: every user breakpoint and watchpoint."""
        self.breakpoints.clear()
        self.watchpoints.clear()
        self._sync_outside_stop()

    def all_watchpoints(self) -> list[Watchpoint]:
        return list(self.watchpoints.values()) + list(self.remote_watchpoints.values())

    def all_breakpoints(self) -> list[Breakpoint]:
        return list(self.breakpoints.values()) + list(self.remote_breakpoints.values())

    # ---- arming ---------------------------------------------------------------------
    def stop_at_next_module_instruction(self) -> None:
        """Stop before the first module instruction that runs next (the entry point)."""
        self._plan = _EntryPlan()
        self._sync_outside_stop()

    def detach(self) -> None:
        """Forget every breakpoint and plan; remove all hooks: the guest runs at full speed."""
        self.breakpoints.clear()
        self.watchpoints.clear()
        self.remote_breakpoints.clear()
        self.remote_watchpoints.clear()
        self._internal.clear()
        self._plan = None
        self.active = False
        self._sync_outside_stop()

    # ---- resuming (called by frontends while stopped) --------------------------------
    def resume_continue(self) -> None:
        self._plan = None

    def resume_stepi(self, count: int = 1, over_calls: bool = False) -> None:
        self._plan = _StepInsnPlan(remaining=count, over_calls=over_calls)
        if over_calls:
            self._maybe_step_over_call(self.pc)

    def resume_step_line(self, count: int = 1, over_calls: bool = False) -> bool:
        """Step by source line; False when the pc has no line information (the caller says so)."""
        loc = self.symbols.location(self.pc)
        if loc is None:
            return False
        frame = self.unwinder.caller_of(self.regs_for_unwind())
        self._plan = _StepLinePlan(remaining=count, over_calls=over_calls, file=loc.file, line=loc.line,
                                   cfa=frame[1] if frame else None)
        if over_calls:
            self._maybe_step_over_call(self.pc)
        return True

    def resume_finish(self) -> bool:
        """Run until the current function returns; False when the caller cannot be found."""
        caller = self.unwinder.caller_of(self.regs_for_unwind())
        if caller is None or not self.symbols.in_module_code(caller[0]):
            return False
        ra, cfa = caller
        label = self.symbols.label(self.pc) or f"{self.pc:#x}"
        self._internal.append(_Internal(ra, cfa, "finish"))
        self._plan = _RunToPlan(kind="finish", finish_from=label.split("+")[0])
        return True

    def resume_until(self, address: int, kind: str = "until") -> None:
        """Run until `address` in this frame or an outer one, or until the function returns."""
        caller = self.unwinder.caller_of(self.regs_for_unwind())
        self._internal.append(_Internal(address, None, kind, cfa_min=caller[1] if caller else None))
        if caller is not None and self.symbols.in_module_code(caller[0]):
            self._internal.append(_Internal(caller[0], caller[1], kind))
        self._plan = _RunToPlan(kind=kind)

    def kill(self) -> None:
        self._kill = True

    # ---- hooks ----------------------------------------------------------------------
    def _desired(self) -> set[tuple]:
        want: set[tuple] = set()
        lo, hi = self.step_range
        stepping_over = any(i.purpose == "step-over" for i in self._internal)
        stepping = ((self._plan is not None and self._plan.needs_steps and not stepping_over)
                    or bool(self.watchpoints) or bool(self.remote_watchpoints))
        if stepping:
            want.add(("step", lo, hi))
        addrs = {b.address for b in self.all_breakpoints() if b.enabled} | {i.address for i in self._internal}
        for a in addrs:
            if not (stepping and lo <= a <= hi):
                want.add(("bp", a))
        for w in self.all_watchpoints():
            want.add(("watch", w.address, w.size))
        return want

    def _sync(self) -> bool:
        """Make the installed hooks match what is needed; True when anything changed."""
        want = self._desired()
        have = set(self._hooks)
        for key in have - want:
            self.m.remove_hook(self._hooks.pop(key))
        for key in sorted(want - have, key=repr):
            if key[0] == "step":
                self._hooks[key] = self.m.add_code_hook(self._code_hook, key[1], key[2])
            elif key[0] == "bp":
                self._hooks[key] = self.m.add_code_hook(self._code_hook, key[1], key[1])
            else:
                self._hooks[key] = self.m.add_write_watch(self._write_hook, key[1], key[1] + key[2] - 1)
        return want != have

    def _covers(self, addr: int) -> bool:
        for key in self._hooks:
            if key[0] == "step" and key[1] <= addr <= key[2]:
                return True
            if key[0] == "bp" and key[1] == addr:
                return True
        return False

    def _flush(self) -> None:
        flush = getattr(self.m, "flush_code_cache", None)
        if flush is not None:
            flush()
            return
        uc = getattr(self.m, "uc", None)
        if uc is not None:
            uc.ctl_flush_tb()

    def _sync_outside_stop(self) -> None:
        if self.stopped is not None:
            return  # applied when the stop resumes
        if self._sync():
            self._flush()

    def close(self) -> None:
        for h in self._hooks.values():
            self.m.remove_hook(h)
        self._hooks.clear()

    # ---- events ---------------------------------------------------------------------
    def _code_hook(self, *args) -> None:
        addr = args[0] if isinstance(args[0], int) else args[1]
        self._event(addr)

    def _write_hook(self, *args) -> None:
        ints = [a for a in args if isinstance(a, int)]
        addr = ints[0]
        for w in self.all_watchpoints():
            if w.address <= addr < w.address + w.size or addr <= w.address < addr + (ints[1] if len(ints) > 1 else 1):
                self._watch_hits.append((w, addr))

    def _event(self, addr: int) -> None:
        if self._skip_addr is not None:
            # After a restart Unicorn may report the restarted instruction more than once (a
            # hook added during the callback also sees the current instruction): ignore every
            # report at that address until the guest has moved on.
            if self._skip_addr == addr:
                return
            self._skip_addr = None
        if self.stopped is not None:
            return  # a guest call made from a stop (not supported): run it freely
        event = self._decide(addr)
        if event is not None:
            self._stop(event)
        elif self._dirty:
            # a step-over was armed or finished: swap hooks now, restarting this instruction
            self._dirty = False
            if self._sync():
                self._flush()
                if self._covers(addr):
                    self._skip_addr = addr
                self.m.regs.write(self.pc_name, addr)

    def _decide(self, addr: int) -> StopEvent | None:
        # 1. memory that a watchpoint covers was written by the previous instruction
        if self._watch_hits:
            hits, self._watch_hits = self._watch_hits, []
            for w, _a in hits:
                try:
                    new = self.m.mem.read(w.address, w.size)
                except Exception:
                    continue
                if new != w.old or w.owner == "gdb":
                    old, w.old = w.old, new
                    w.hits += 1
                    return StopEvent(addr, "watch", watch=(w, old, new))
        sp = None
        # 2. the engine's own breakpoints (nexti over a call, finish, until)
        for ib in [i for i in self._internal if i.address == addr]:
            sp = self.sp if sp is None else sp
            if ib.sp_min is not None and sp < ib.sp_min:
                continue   # a deeper (recursive) activation: not ours yet
            if ib.cfa_min is not None:
                here = self.unwinder.caller_of(self.regs_for_unwind())
                if here is not None and here[1] < ib.cfa_min:
                    continue
            self._internal.remove(ib)
            self._dirty = True
            if ib.purpose == "step-over":
                event = self._after_step_over(addr)
                if event is not None:
                    return event
                return self._breakpoint_at(addr)
            plan = self._plan
            self._internal = [i for i in self._internal if i.purpose != ib.purpose]
            if isinstance(plan, _RunToPlan):
                self._plan = None
                value = self.reg(self.ret_name) if plan.kind == "finish" else None
                return StopEvent(addr, plan.kind, finish_value=value, finish_from=plan.finish_from)
        # 3. user and gdb breakpoints
        event = self._breakpoint_at(addr)
        if event is not None:
            return event
        # 4. the stepping plan
        plan = self._plan
        if plan is None or not plan.needs_steps or any(i.purpose == "step-over" for i in self._internal):
            return None
        if not (self.step_range[0] <= addr <= self.step_range[1]):
            return None
        if isinstance(plan, _EntryPlan):
            self._plan = None
            return StopEvent(addr, "entry")
        if isinstance(plan, _StepInsnPlan):
            plan.remaining -= 1
            if plan.remaining <= 0:
                self._plan = None
                return StopEvent(addr, "step")
            if plan.over_calls:
                self._maybe_step_over_call(addr)
            return None
        if isinstance(plan, _StepLinePlan):
            return self._step_line_event(plan, addr)
        return None

    def _breakpoint_at(self, addr: int) -> StopEvent | None:
        for bp in self.all_breakpoints():
            if bp.enabled and bp.address == addr:
                bp.hits += 1
                if bp.temporary:
                    self.breakpoints = {k: b for k, b in self.breakpoints.items() if b is not bp}
                self._plan = None
                self._internal.clear()
                return StopEvent(addr, "breakpoint", breakpoint=bp)
        return None

    def _maybe_step_over_call(self, addr: int) -> None:
        size, mnemonic = self.decode(addr)
        if mnemonic.startswith("call"):
            self._internal.append(_Internal(addr + size, self.sp, "step-over"))
            self._dirty = True

    def _after_step_over(self, addr: int) -> StopEvent | None:
        """The call that nexti/next stepped over has returned to addr."""
        plan = self._plan
        if isinstance(plan, _StepInsnPlan):
            plan.remaining -= 1
            if plan.remaining <= 0:
                self._plan = None
                return StopEvent(addr, "step")
            self._maybe_step_over_call(addr)
            return None
        if isinstance(plan, _StepLinePlan):
            return self._step_line_event(plan, addr)
        return None

    def _step_line_event(self, plan: _StepLinePlan, addr: int) -> StopEvent | None:
        sm = self.symbols.source_for(addr)
        loc = sm.location(addr) if sm is not None else None
        sp = self.sp
        returned = plan.cfa is not None and sp >= plan.cfa
        if loc is None:
            # code without line information: get out of it again (step over it)
            if self.symbols.function_start(addr) == addr and not returned:
                ra = self._read_ptr(sp)
                self._internal.append(_Internal(ra, sp + self.word, "step-over"))
                self._dirty = True
            return None
        new_statement = sm.is_statement_start(addr)
        if new_statement:
            func = sm.function_at(addr)
            if func is not None and func.low <= addr < sm.after_prologue(func) and addr == func.low:
                # entering a function: stop after its prologue, as gdb does
                target = sm.after_prologue(func)
                if target != addr:
                    self._internal.append(_Internal(target, None, "step-over"))
                    self._dirty = True
                    return None
        changed = (loc.file, loc.line) != (plan.file, plan.line)
        if returned or (new_statement and (changed or self._entered_new_frame(plan, sp))):
            plan.remaining -= 1
            if plan.remaining <= 0:
                self._plan = None
                return StopEvent(addr, "step")
            plan.file, plan.line = loc.file, loc.line
            caller = self.unwinder.caller_of(self.regs_for_unwind())
            plan.cfa = caller[1] if caller else None
        if plan.over_calls:
            self._maybe_step_over_call(addr)
        return None

    def _entered_new_frame(self, plan: _StepLinePlan, sp: int) -> bool:
        if plan.cfa is None:
            return False
        caller = self.unwinder.caller_of(self.regs_for_unwind())
        return caller is not None and caller[1] != plan.cfa and sp < plan.cfa

    # ---- stopping -------------------------------------------------------------------
    def _stop(self, event: StopEvent) -> None:
        self.stopped = event
        try:
            self.on_stop(event)
        finally:
            self.stopped = None
        if self._kill:
            self._kill = False
            self._plan = None
            self._internal.clear()
            self._sync()
            raise DebuggerKilled("killed by the debugger")
        self._dirty = False
        new_pc = self.pc
        changed = self._sync()
        if changed or new_pc != event.pc:
            # restart the instruction at pc in freshly translated code that has the new hooks
            self._flush()
            if self._covers(new_pc):
                self._skip_addr = new_pc
            self.m.regs.write(self.pc_name, new_pc)
