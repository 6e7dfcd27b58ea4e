"""The debugger engine: it lives in Unicorn hooks.

Nothing is installed while no debugger is active. When one is, the engine keeps exactly the
hooks the current goal needs (`hook_set`). When a hook decides to stop, it calls the frontend's
`on_stop(event)` *from inside the hook*: the command loop runs there, reads registers and
memory, and returns after choosing how to resume (a `plans` Plan). Because the loop runs inside
the hook, nested guest calls (a service calling back into the module) are debugged the same
way, and kernel service stubs — outside the module area — are never stopped in. While the
frontend holds a stop the machine's call clock is paused, so the guest's time limit stays on
(a runaway loop is still stopped) without a person at the prompt tripping it.

Unicorn only consults hooks that existed when a block of code was translated, so after the
hook set changes at a stop the engine flushes the translation cache and rewrites the program
counter with its own value: Unicorn restarts the instruction in freshly translated code, and
the engine ignores the one repeated hook event at that address.
"""
from __future__ import annotations

from typing import Callable

from kemu.debug.breakpoints import Breakpoint, BreakpointTable, Watchpoint, changed_watch
from kemu.debug.events import DebuggerKilled, StopEvent
from kemu.debug.guest_view import GuestView
from kemu.debug.hook_set import HookSet, wanted_hooks
from kemu.debug.plans import EntryPlan, InternalBreak, Plan, RunToPlan, StepInsnPlan, StepLinePlan
from kemu.debug.symbols import SymbolIndex


class ReturnWatch:
    """A call observer waiting for the guest call running at `depth` to return."""

    def __init__(self, machine, depth: int, on_return: Callable[[int], None]) -> None:
        self.machine = machine
        self.depth = depth
        self.on_return = on_return

    def call_entered(self, addr: int, args: tuple[int, ...]) -> None:
        pass

    def call_left(self, addr: int, result: int | None, error: BaseException | None) -> None:
        if self.machine.depth >= self.depth:
            return                      # a deeper call (a callback) returned, not ours
        if self in self.machine.call_observers:
            self.machine.call_observers.remove(self)
        if error is None and result is not None:
            self.on_return(result)


class Debugger(GuestView):
    """Breakpoints, stepping, watchpoints and stop reporting for one machine."""

    def __init__(self, machine, symbols: SymbolIndex, on_stop: Callable[[StopEvent], None],
                 *, step_range: tuple[int, int] | None = None):
        super().__init__(machine, symbols)
        self.on_stop = on_stop
        if step_range is None:
            area = machine.layout["modules"]
            step_range = (area.start, area.end - 1)
        self.step_range = step_range
        self.table = BreakpointTable()
        self._dirty = False
        self._internal: list[InternalBreak] = []
        self._plan: Plan | None = None
        self._hooks = HookSet(machine, self._code_hook, self._write_hook)
        self._skip_addr: int | None = None
        self._watch_hits: list[tuple[Watchpoint, int]] = []
        self._kill = False
        self.stopped: StopEvent | None = None
        self.active = True
        self._return_watch: ReturnWatch | None = None
        self._restart_after_stop = False   # a guest call from the stop flushed translated code
        self.kills = 0                     # guest calls the user (or the end of input) killed

    # ---- breakpoints & watchpoints ---------------------------------------------------
    @property
    def breakpoints(self) -> dict[int, Breakpoint]:
        """The user's breakpoints by number."""
        return self.table.breakpoints

    @property
    def watchpoints(self) -> dict[int, Watchpoint]:
        """The user's watchpoints by number."""
        return self.table.watchpoints

    def add_breakpoint(self, address: int, location: str, *, temporary: bool = False) -> Breakpoint:
        bp = self.table.add_breakpoint(address & self.mask, location, temporary)
        self._sync_outside_stop()
        return bp

    def delete_breakpoint(self, number: int) -> None:
        del self.table.breakpoints[number]
        self._sync_outside_stop()

    def set_enabled(self, number: int, enabled: bool) -> bool:
        """Enable or disable user breakpoint `number`; False when there is none."""
        bp = self.table.breakpoints.get(number)
        if bp is not None:
            bp.enabled = enabled
            self._sync_outside_stop()
        return bp is not None

    def add_remote_breakpoint(self, address: int) -> None:
        """A breakpoint gdb inserted (Z0): no number, one per address."""
        self.table.add_remote_breakpoint(address & self.mask)
        self._sync_outside_stop()

    def remove_remote_breakpoint(self, address: int) -> bool:
        found = self.table.remote_breakpoints.pop(address & self.mask, None) is not None
        self._sync_outside_stop()
        return found

    def add_watchpoint(self, address: int, size: int, expression: str) -> Watchpoint:
        wp = self.table.add_watchpoint(address, size, expression, self.m.mem.read(address, size))
        self._sync_outside_stop()
        return wp

    def delete_watchpoint(self, number: int) -> None:
        del self.table.watchpoints[number]
        self._sync_outside_stop()

    def add_remote_watchpoint(self, address: int, size: int) -> None:
        self.table.add_remote_watchpoint(address, size, self.m.mem.read(address, size))
        self._sync_outside_stop()

    def remove_remote_watchpoint(self, address: int, size: int) -> bool:
        found = self.table.remote_watchpoints.pop((address, size), None) is not None
        self._sync_outside_stop()
        return found

    def delete_all(self) -> None:
        """`delete` without arguments: every user breakpoint and watchpoint."""
        self.table.clear_user()
        self._sync_outside_stop()

    # ---- arming ---------------------------------------------------------------------
    def stop_at_next_module_instruction(self) -> None:
        """Stop before the first module instruction that runs next (the entry point)."""
        self._plan = EntryPlan()
        self._sync_outside_stop()

    def detach(self) -> None:
        """Forget every breakpoint and plan; remove all hooks: the guest runs at full speed."""
        self.table.clear()
        self._internal.clear()
        self._plan = None
        self.active = False
        self._sync_outside_stop()

    # ---- resuming (called by frontends while stopped) --------------------------------
    def resume_continue(self) -> None:
        self._plan = None

    def resume_stepi(self, count: int = 1, over_calls: bool = False) -> None:
        self._plan = StepInsnPlan(remaining=count, over_calls=over_calls)
        if over_calls:
            self.step_over_call_at(self.pc)

    def resume_step_line(self, count: int = 1, over_calls: bool = False) -> bool:
        """Step by source line; False when the pc has no line information (the caller says so)."""
        loc = self.symbols.location(self.pc)
        if loc is None:
            return False
        frame = self.caller()
        self._plan = StepLinePlan(remaining=count, over_calls=over_calls, file=loc.file, line=loc.line,
                                  cfa=frame[1] if frame else None)
        if over_calls:
            self.step_over_call_at(self.pc)
        return True

    def resume_finish(self) -> bool:
        """Run until the current function returns; False when the caller cannot be found."""
        caller = self.caller()
        if caller is None or not self.symbols.in_module_code(caller[0]):
            return False
        ra, cfa = caller
        label = self.symbols.label(self.pc) or f"{self.pc:#x}"
        self._internal.append(InternalBreak(ra, cfa, "finish"))
        self._plan = RunToPlan(kind="finish", finish_from=label.split("+")[0])
        return True

    def resume_finish_to_kernel(self, on_return: Callable[[int], None]) -> None:
        """`finish` in a function the kernel called (its caller is no module code): the guest
        call returns to Python, where nothing can stop, so the engine runs on and calls
        `on_return(result word)` when that guest call returns. A stop before then (a
        breakpoint) abandons it, as a breakpoint abandons gdb's `finish`."""
        self._plan = None
        self._return_watch = ReturnWatch(self.m, self.m.depth, on_return)
        self.m.call_observers.append(self._return_watch)

    def _drop_return_watch(self) -> None:
        watch, self._return_watch = self._return_watch, None
        if watch is not None and watch in self.m.call_observers:
            self.m.call_observers.remove(watch)

    def resume_until(self, address: int, kind: str = "until") -> None:
        """Run until `address` in this frame or an outer one, or until the function returns."""
        caller = self.caller()
        self._internal.append(InternalBreak(address, None, kind, cfa_min=caller[1] if caller else None))
        if caller is not None and self.symbols.in_module_code(caller[0]):
            self._internal.append(InternalBreak(caller[0], caller[1], kind))
        self._plan = RunToPlan(kind=kind)

    def kill(self) -> None:
        self._kill = True
        self.kills += 1

    # ---- guest calls made from a stop ----------------------------------------------------
    def run_from_stop(self, run: Callable[[], int]) -> int:
        """Run `run` (a guest shell command typed at a stop) with the user's breakpoints and
        watchpoints active, as gdb keeps them for a function called from its prompt: a hit in
        it is a stop of its own, inside this one. The stop's own plan (a step in progress)
        waits until the command is done; then the engine restarts the stopped instruction in
        code translated with the stop's hooks again."""
        if self.stopped is None:
            return run()
        saved = (self.stopped, self._plan, self._internal, self._skip_addr, self._watch_hits)
        self.stopped, self._plan, self._internal, self._skip_addr, self._watch_hits = None, None, [], None, []
        if self._sync():
            self._hooks.flush()
        try:
            return run()
        finally:
            self.stopped, self._plan, self._internal, self._skip_addr, self._watch_hits = saved
            self._sync()
            self._hooks.flush()
            self._restart_after_stop = True

    # ---- interrupts (the machine's interrupt_handler) --------------------------------
    def on_interrupt(self, pc: int) -> bool:
        """The machine stopped the guest before the instruction at pc on request (Ctrl-C,
        gdb's interrupt byte): a stop like any other, outside a hook. Cancels a step or
        finish in progress, as gdb does. False (the call is abandoned) when no debugger is
        active or the interrupted call was made from a stop."""
        if not self.active or self.stopped is not None:
            return False
        self._plan = None
        self._internal.clear()
        self._stop(StopEvent(pc, "signal"))
        # resuming runs the instruction at pc without reporting a breakpoint there again
        if self._hooks.covers(self.pc):
            self._skip_addr = self.pc
        return True

    # ---- stepping over (PlanHost) ----------------------------------------------------
    def step_over_call_at(self, addr: int) -> None:
        """If the instruction at addr is a call, run through it to the return address."""
        size, mnemonic = self.decode(addr)
        if mnemonic.startswith("call"):
            self.run_through(addr + size, self.sp)

    def run_through(self, address: int, sp_min: int | None) -> None:
        """Stop stepping until `address` is reached with sp >= sp_min (a step-over)."""
        self._internal.append(InternalBreak(address, sp_min, "step-over"))
        self._dirty = True

    def _stepping_over(self) -> bool:
        return any(i.purpose == "step-over" for i in self._internal)

    # ---- hooks ----------------------------------------------------------------------
    def _sync(self) -> bool:
        """Make the installed hooks match what is needed; True when anything changed."""
        plan = self._plan
        stepping = ((plan is not None and plan.needs_steps and not self._stepping_over())
                    or bool(self.table.all_watchpoints()))
        want = wanted_hooks(self.step_range, stepping,
                            self.table.enabled_addresses() | {i.address for i in self._internal},
                            [(w.address, w.size) for w in self.table.all_watchpoints()])
        return self._hooks.apply(want)

    def _sync_outside_stop(self) -> None:
        if self.stopped is not None:
            return  # applied when the stop resumes
        if self._sync():
            self._hooks.flush()

    def close(self) -> None:
        self._drop_return_watch()
        self._hooks.close()

    def _restart_at(self, addr: int) -> None:
        """Re-run the instruction at addr in freshly translated code that has the new hooks."""
        self._hooks.flush()
        if self._hooks.covers(addr):
            self._skip_addr = addr
        self.m.regs.write(self.pc_name, addr)

    # ---- events ---------------------------------------------------------------------
    def _code_hook(self, *args) -> None:
        addr = args[0] if isinstance(args[0], int) else args[1]
        self._event(addr)

    def _write_hook(self, *args) -> None:
        ints = [a for a in args if isinstance(a, int)]
        addr = ints[0]
        for w in self.table.all_watchpoints():
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
            return  # a guest call made from a stop outside `run_from_stop`: run it freely
        event = self._decide(addr)
        if event is not None:
            self._stop(event)
        elif self._dirty:
            # a step-over was armed or finished: swap hooks now, restarting this instruction
            self._dirty = False
            if self._sync():
                self._restart_at(addr)

    def _decide(self, addr: int) -> StopEvent | None:
        """Whether the instruction about to run at addr stops the guest, and why."""
        event = self._watch_event(addr)
        if event is not None:
            return event
        hit, event = self._internal_event(addr)
        if hit:
            return event
        event = self._breakpoint_at(addr)
        if event is not None:
            return event
        plan = self._plan
        if plan is None or not plan.needs_steps or self._stepping_over():
            return None
        if not (self.step_range[0] <= addr <= self.step_range[1]):
            return None
        return self._plan_done(plan.on_instruction(self, addr))

    def _plan_done(self, event: StopEvent | None) -> StopEvent | None:
        """A plan that reports a stop is finished."""
        if event is not None:
            self._plan = None
        return event

    def _watch_event(self, addr: int) -> StopEvent | None:
        """Memory a watchpoint covers was written by the previous instruction and changed."""
        if not self._watch_hits:
            return None
        hits, self._watch_hits = self._watch_hits, []
        change = changed_watch([w for w, _a in hits], self.m.mem.read)
        return None if change is None else StopEvent(addr, "watch", watch=change)

    def _internal_event(self, addr: int) -> tuple[bool, StopEvent | None]:
        """The engine's own breakpoints (nexti over a call, finish, until): (decided, event).

        `decided` is True when one of them at addr took the event (a step-over that returned
        hands on to the plan and to the user's breakpoints there)."""
        sp = None
        for ib in [i for i in self._internal if i.address == addr]:
            sp = self.sp if sp is None else sp
            if ib.sp_min is not None and sp < ib.sp_min:
                continue   # a deeper (recursive) activation: not ours yet
            if ib.cfa_min is not None:
                here = self.caller()
                if here is not None and here[1] < ib.cfa_min:
                    continue
            self._internal.remove(ib)
            self._dirty = True
            if ib.purpose == "step-over":
                plan = self._plan
                event = self._plan_done(plan.after_step_over(self, addr)) if plan is not None else None
                return True, event if event is not None else self._breakpoint_at(addr)
            plan = self._plan
            self._internal = [i for i in self._internal if i.purpose != ib.purpose]
            if isinstance(plan, RunToPlan):
                self._plan = None
                value = self.reg(self.ret_name) if plan.kind == "finish" else None
                return True, StopEvent(addr, plan.kind, finish_value=value, finish_from=plan.finish_from)
        return False, None

    def _breakpoint_at(self, addr: int) -> StopEvent | None:
        bp = self.table.hit_at(addr)
        if bp is None:
            return None
        self._plan = None
        self._internal.clear()
        return StopEvent(addr, "breakpoint", breakpoint=bp)

    # ---- stopping -------------------------------------------------------------------
    def _stop(self, event: StopEvent) -> None:
        self._drop_return_watch()
        self.stopped = event
        self.m.clear_interrupt()   # this stop answers a Ctrl-C pressed meanwhile too
        try:
            # time at the prompt (or waiting for gdb's packets) is not the guest's: the call's
            # time limit counts only guest code and service handlers
            with self.m.paused_clock():
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
        restart, self._restart_after_stop = self._restart_after_stop, False
        if changed or restart or new_pc != event.pc:
            self._restart_at(new_pc)
