"""Running guest code from Python: `Machine.call`, nesting, time limits and budgets.

`call()` runs guest code on a fresh kernel stack per nesting depth (each above an unmapped
guard page) until it returns to the *return trap*, where emulation stops. A service handler
may call back into the guest: the CPU context is saved and restored around the nested run.

Everything that ends a run early is recorded here while Unicorn runs and turned into an
exception once `emu_start` returns: an exception raised by a handler or a debugger hook
(`pending`, re-raised as itself), a CPU interrupt (`interrupt`), a fault, the time limit
(the shared watchdog stops emulation) or the instruction budget — the last three become
GuestFault / GuestTimeout / BudgetExhausted reports built by `FaultReports`.

Time limits are measured on a `GuestClock` that the debugger pauses while it holds a stop,
so a person at a prompt is not charged to the guest: the watchdog is disarmed while it is
paused and re-armed with the deadline moved on by the pause. (A stop the watchdog requested
just before a pause still applies: the clock stood still, so the deadline has still passed.)

Interrupts (Ctrl-C, gdb's interrupt byte) come from other threads or signal handlers:
`request_interrupt` records the request and stops emulation; the run that stops hands the
current instruction to the machine's `interrupt_handler` (the debugger) or raises
GuestInterrupted. `poke` stops emulation without a request, only so the main thread runs
Python (CPython runs signal handlers there, between bytecodes — never while Unicorn runs guest
code); a stop that has no reason left by the time the run looks at it simply resumes. Both
repeat the stop every watchdog tick while they are outstanding, because a nested `emu_start`
(or one starting just then) clears a pending stop.

A call may also run on a stack of its own and be suspended by a service and resumed later
(suspend.py): the personality's threads.
"""
from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

from unicorn import UC_HOOK_INTR

from kemu.intbits import align_up
from kemu.record import Record

from . import native
from .abi import Abi
from .cpu_state import DR7_ENABLE_BITS
from .errors import MachineError
from .guest_clock import GuestClock
from .layout import PAGE_SIZE
from .prot import Prot
from .suspend import Suspension
from .trap import StackFrameCall, TrapCall
from .watchdog import WATCHDOG

if TYPE_CHECKING:
    from .cpu_state import BootState
    from .machine import Machine

#: Count passed to nested runs once Unicorn's instruction counter is installed: removing
#: it would flush translated code under the suspended outer run.
_UNLIMITED_COUNT = (1 << 62)
#: Unicorn allows 64 nested emu_start levels.
_UC_MAX_NESTED = 64


class CallObserver(Protocol):
    """Told of every `Machine.call` (in `machine.call_observers`): a tracer showing the guest
    entry points the kernel calls. `call_left` gets the result word, or the exception that
    ended the call."""

    def call_entered(self, addr: int, args: tuple[int, ...]) -> None: ...

    def call_left(self, addr: int, result: int | None, error: BaseException | None) -> None: ...


class CallStack(Record, fields=("lo", "hi", "safe_hi"), compare=("lo", "hi", "mm", "view", "safe_hi")):
    """The kernel stack of one nesting depth."""

    def __init__(self, lo: int, hi: int, mm: Any = None, view: Any = None, safe_hi: int = 0) -> None:
        self.lo = lo            # lowest usable address (the guard page is just below)
        self.hi = hi            # one past the highest; the stack grows down from here
        self.mm = mm            # host memory behind [lo, hi) (not shown)
        self.view = view        # the reused StackFrameCall of this depth (not shown)
        self.safe_hi = safe_hi  # frames below this are read unchecked


class ActiveCall(Record, fields=("addr", "args", "abi", "depth", "stack", "budget", "trap", "entry_sp")):
    """One running `Machine.call` (outermost first in `GuestCalls.active`)."""

    def __init__(self, addr: int, args: tuple, abi: Abi, depth: int, stack: CallStack,
                 budget: int | None, trap: TrapCall | None = None, entry_sp: int = 0) -> None:
        self.addr = addr
        self.args = args
        self.abi = abi
        self.depth = depth
        self.stack = stack
        self.budget = budget
        self.trap = trap            # the service trap being handled at this level, if any
        self.entry_sp = entry_sp    # the stack pointer at entry: the return trap's slot


class GuestCalls:
    """The guest-call runner of one machine: stacks, nesting, limits, run outcomes."""

    def __init__(self, machine: "Machine", stack_size: int, max_depth: int) -> None:
        self.machine = machine
        self.uc = machine.uc
        self._h = machine.uc._uch
        self.mem = machine.mem

        # the return trap: not at the start of the page: stopping at an exit address that
        # begins a page makes Unicorn fetch from the page before it, which is unmapped here
        # (measured, 2.1.4)
        ktext = machine.layout["ktext"]
        self.return_trap = ktext.start + 0x100
        machine._allocators["ktext"].reserve(ktext.start, PAGE_SIZE)
        self.mem.write(ktext.start, b"\xff" * PAGE_SIZE)   # invalid opcodes (see stubs.UNUSED_TEXT)
        self.mem.write(self.return_trap, b"\x0f\x0b")  # ud2: never executed, emulation stops first

        # stacks: one slot per nesting depth, a guard page below each
        stacks = machine.layout["stacks"]
        stack_size = align_up(stack_size, PAGE_SIZE)
        self.stack_slot = stack_size + PAGE_SIZE
        self.max_depth = min(max_depth, stacks.size // self.stack_slot, _UC_MAX_NESTED)
        if self.max_depth < 1:
            raise MachineError(f"stacks area of {stacks.size:#x} bytes cannot hold one "
                               f"{stack_size:#x}-byte stack and its guard page")
        self.stack_area = stacks
        self._stacks: list[CallStack] = []
        self._contexts: list[native.Context] = []

        # running state
        self.active: list[ActiveCall] = []
        self.pending: BaseException | None = None       # raised in a hook, re-raised by call()
        self.interrupt: tuple[int, int] | None = None   # (vector, pc) of a CPU interrupt
        self.graveyard: list[Any] = []                  # callbacks of hooks deleted while running
        self._deadlines: list[float] = []     # in `clock` time, innermost last
        self.clock = GuestClock()
        self.interrupt_requested = False      # request_interrupt(): stop at the current instruction
        self.stop_requests = 0                # stops asked for from outside the run (any thread)
        # Counting a stop and making it are one step: a run that read the count between the two
        # would be stopped by a request it cannot see, and fail "for no known reason".
        self._stop_lock = threading.RLock()   # re-entrant: a signal handler may ask mid-read
        self._pokes_left = 0
        self._stop_key = (id(machine), "stop")   # the watchdog entry that repeats those stops
        self._stop_armed = False
        self._budgets: list[int] = []         # effective counts of active budgeted runs
        self._counting = False                # Unicorn's instruction counter is installed
        self._count_epoch = 0                 # bumped when a nested run restarts that counter
        regs = machine.regs
        # read at the end of every run; DR7 rides along (free) to catch armed breakpoints
        self._pc_ret = native.RegisterBatch(self._h, [regs.pc_id, regs.ret_id, regs.ids["dr7"]])
        self.boot_state: "BootState | None" = None   # set by the machine once it is built
        self._call_batches: dict[str, native.RegisterBatch] = {}

        # told of every call's start and end (`CallObserver`); nothing is done while empty
        machine.call_observers = self.observers = []

        self._intr_cb = native.HOOK_INTR_CFUNC(self._on_interrupt)
        native.hook_add(self._h, UC_HOOK_INTR, self._intr_cb)

    def _on_interrupt(self, handle: int, intno: int, user_data: int) -> None:
        self.interrupt = (intno, self.uc.reg_read(self.machine.regs.pc_id))
        native.emu_stop(self._h)

    def is_guard(self, addr: int) -> bool:
        """True if `addr` lies in the guard page below one of the call stacks."""
        a = self.stack_area
        return a.start <= addr < a.end and (addr - a.start) % self.stack_slot < PAGE_SIZE

    def _stack(self, depth: int) -> CallStack:
        while len(self._stacks) <= depth:
            d = len(self._stacks)
            lo = self.stack_area.start + d * self.stack_slot + PAGE_SIZE
            hi = self.stack_area.start + (d + 1) * self.stack_slot
            self.mem.map(lo, hi - lo, Prot.RW, f"stack{d}")
            mm = self.mem.locate(lo, hi - lo)[0]
            view = StackFrameCall(self.machine, self.machine.abi(), mm, lo, hi)
            self._stacks.append(CallStack(lo, hi, mm, view, hi - StackFrameCall.HEADROOM))
            self._contexts.append(native.Context(self._h))
        return self._stacks[depth]

    def _batch(self, abi: Abi) -> native.RegisterBatch:
        b = self._call_batches.get(abi.name)
        if b is None:
            regs = self.machine.regs
            ids = [regs.sp_id, *abi.arg_registers, *(r for r, _ in abi.call_extra_registers)]
            b = self._call_batches[abi.name] = native.RegisterBatch(self._h, ids)
        return b

    def call(self, addr: int, args: tuple[int, ...], abi: str | None = None, budget: int | None = None,
             timeout: float | None = None, own_stack: tuple[int, int] | None = None,
             resume: Suspension | None = None) -> int:
        """`Machine.call`: run the guest function at `addr` and return its raw result word,
        telling each of `machine.call_observers` (`CallObserver`) when it starts and ends.
        `own_stack` ([lo, hi)): run on that stack, suspendable (suspend.py); `resume`: carry
        on a suspended run instead of starting one (addr and args are then ignored)."""
        observers = self.observers      # one list: an observer added during the call sees its end
        if observers:
            for o in list(observers):
                o.call_entered(addr, args)
        try:
            result = self._run(addr, args, abi, budget, timeout, own_stack, resume)
        except BaseException as exc:
            if observers:
                for o in list(observers):
                    o.call_left(addr, None, exc)
            raise
        if observers:
            for o in list(observers):
                o.call_left(addr, result, None)
        return result

    def can_suspend(self) -> bool:
        """The innermost run has its own stack: a service it called may raise Suspension."""
        return bool(self.active) and self.active[-1].stack.view is None

    def _run(self, addr: int, args: tuple[int, ...], abi: str | None, budget: int | None,
             timeout: float | None, own_stack: tuple[int, int] | None = None,
             resume: Suspension | None = None) -> int:
        machine = self.machine
        conv = machine.abi(abi)
        depth = len(self.active)
        if depth >= self.max_depth:
            raise MachineError(f"guest calls nested {depth} deep: the limit is {self.max_depth}")
        if budget is not None and (not isinstance(budget, int) or budget <= 0):
            raise MachineError(f"budget must be a positive number of instructions, got {budget!r}")
        if resume is not None:
            own_stack = resume.stack
        self._stack(depth)              # the depth's context slot
        if own_stack is not None:
            # a suspendable run: its stack is its own; frames on it are read checked (safe_hi=lo)
            stack = CallStack(own_stack[0], own_stack[1], safe_hi=own_stack[0])
        else:
            stack = self._stack(depth)
        sp, data, regvals = conv.prepare_call(args, stack.safe_hi if own_stack is None else stack.hi,
                                              self.return_trap)
        if sp < stack.lo + 256:
            raise MachineError(f"{len(args)} arguments do not fit a {stack.hi - stack.lo}-byte stack")
        if resume is None:
            self.mem.write(sp, data)

        clock = self.clock
        # a guest call made while the clock is paused (from a debugger prompt) runs on the clock
        suspended = clock.release() if clock.pauses else 0
        timeout = machine.default_timeout if timeout is None else timeout
        # (the clock runs now: clock.now() without the call)
        deadline = time.monotonic() - clock.offset + timeout if timeout and timeout > 0 else math.inf
        if self._deadlines:
            deadline = min(deadline, self._deadlines[-1])
        count = self._choose_count(depth, budget)

        rec = ActiveCall(addr, args, conv, depth, stack, budget, entry_sp=sp)
        ctx = self._contexts[depth] if depth else None
        boot = self.boot_state
        if ctx is not None:
            if boot is not None and boot.armed_now():
                boot.disarm()   # a saved context must not hold live breakpoints
            ctx.save()
        elif boot is not None:
            boot.restore()      # the outermost call starts from the boot state
        self.active.append(rec)
        self._deadlines.append(deadline)
        self._budgets.append(count)
        self.mem.code_may_be_translated = True
        self._arm()
        try:
            if resume is not None:
                resume.context.restore()          # the run's registers as it left them
                self.mem.write_ptr(machine.frame_slot, resume.frame)
                start = addr = resume.pc          # the trap again: the service is called anew
            else:
                self._batch(conv).write([sp, *regvals])
                start = addr
            self.mem.last_denied = None
            self.interrupt = None
            if depth and count:
                self._count_epoch += 1   # this run restarts Unicorn's instruction counter
            epoch = self._count_epoch
            if self.interrupt_requested:
                # asked while no guest code ran: stop before the first instruction
                machine.regs.write("pc", addr)
                start = self._take_interrupt(addr, rec)
            while True:
                with self._stop_lock:
                    stops = self.stop_requests
                err = native.emu_start(self._h, start, self.return_trap, 0, count)
                pc, ret, dr7 = self._pc_ret.read()
                if dr7 & DR7_ENABLE_BITS and self.boot_state is not None:
                    self.boot_state.disarm()
                if pc == self.return_trap and not err and self.pending is None:
                    return ret & conv.word_mask
                if err or self.pending is not None or self.interrupt is not None:
                    if self.pending is None:
                        # a personality's ud2 or fault fixup (recovery.py); None unless registered
                        resume = machine._recovery.resume_pc(err, pc, self.interrupt)
                        if resume is not None:
                            self.mem.last_denied = None
                            self.interrupt = None
                            start = resume
                            continue
                    break
                if self.interrupt_requested:
                    start = self._take_interrupt(pc, rec)
                    continue
                timed_out = clock.now() >= self._deadlines[depth]
                if timed_out:
                    break
                if stops != self.stop_requests:
                    start = pc      # poked (or an interrupt already taken): carry on
                    continue
                if self._counting and self._count_epoch != epoch:
                    # A nested run restarted Unicorn's (single) instruction counter with its
                    # own count, and that count stopped us: resume. A run without a budget
                    # at depth 0 drops the counter (safe: no run is suspended below it);
                    # otherwise the budget starts afresh (budgets are approximate across
                    # nested calls; the time limit stays the backstop).
                    epoch = self._count_epoch
                    if depth == 0 and rec.budget is None:
                        count = 0
                        self._counting = False
                    start = pc
                    continue
                break
            if self.pending is not None:
                exc, self.pending = self.pending, None
                if isinstance(exc, Suspension):
                    self._suspend(exc, rec, pc)
                if depth:
                    self._settle()
                raise exc
            interrupt, self.interrupt = self.interrupt, None
            timed_out = clock.now() >= self._deadlines[depth]
            machine._faults.raise_outcome(err, pc, rec, count, timed_out, interrupt)
            raise AssertionError("unreachable")
        finally:
            self.active.pop()
            self._deadlines.pop()
            self._budgets.pop()
            if suspended:
                clock.restore(suspended)
            self._arm()
            if ctx is not None:
                ctx.restore()
                self.mem.last_denied = None   # the outer run's fault record is its own
            if not self.active:
                self.graveyard.clear()
                if self._stop_armed:          # nothing runs that a repeated stop could reach
                    self._stop_armed = False
                    WATCHDOG.disarm(self._stop_key)

    def _suspend(self, exc: Suspension, rec: ActiveCall, pc: int) -> None:
        """A service suspended this run: keep its CPU context and trapped frame in `exc`."""
        if rec.stack.view is not None or rec.trap is None:
            raise MachineError(f"service {getattr(rec.trap, 'name', '?')} suspended a run that "
                               "cannot be suspended (not on a stack of its own)")
        exc.context = native.Context(self._h)
        exc.context.save()
        exc.pc = pc
        exc.frame = rec.trap.frame
        exc.stack = (rec.stack.lo, rec.stack.hi)

    def _settle(self) -> None:
        """After a nested run ended by a stop from a hook, the run it was nested in would go
        on with Unicorn's stop request still set, which skips its hooks (its next service
        call would not trap; measured, 2.1.4): an empty run (begin = until) clears it."""
        count = _UNLIMITED_COUNT if self._counting else 0
        native.emu_start(self._h, self.return_trap, self.return_trap, 0, count)

    @property
    def counting(self) -> bool:
        """Unicorn's instruction counter is installed (a budgeted run is or was active)."""
        return self._counting

    def unlimited_count(self) -> int:
        """The count for a run that must not disturb the installed instruction counter."""
        return _UNLIMITED_COUNT

    def _choose_count(self, depth: int, budget: int | None) -> int:
        """The instruction count for emu_start, keeping Unicorn's counter hook consistent.

        Unicorn counts only code translated while its counter hook is installed, and
        removing the hook flushes all translations. So: at depth 0 a budget first flushes
        translations, and a call without budget removes the counter; nested runs never
        remove it (the suspended outer run's code must survive) and inherit the enclosing
        budget instead.
        """
        if depth == 0:
            if budget:
                if not self._counting:
                    self.uc.ctl_flush_tb()
                    self._counting = True
                return budget
            self._counting = False
            return 0
        outer = next((b for b in reversed(self._budgets) if b), 0)
        if budget:
            if not self._counting:
                self.invalidate_all_code()
                self._counting = True
            return min(budget, outer) if outer else budget
        if self._counting:
            return outer or _UNLIMITED_COUNT
        return 0

    def invalidate_all_code(self) -> None:
        """Drop translations of every executable mapping without flushing the code buffer
        (safe while an outer run is suspended in a hook)."""
        for r in self.mem.regions():
            if r.prot & Prot.EXEC:
                self.uc.ctl_remove_cache(r.start, r.end)

    def _arm(self) -> None:
        """Point the watchdog at the innermost deadline; none while the clock is paused."""
        clock = self.clock
        if self._deadlines and self._deadlines[-1] != math.inf and not clock.pauses:
            WATCHDOG.arm(id(self.machine), self._deadlines[-1] + clock.offset, self._expire)
        else:
            WATCHDOG.disarm(id(self.machine))

    def _expire(self) -> None:
        """(watchdog thread) The deadline has passed: stop the run."""
        native.emu_stop(self._h)

    # ---- stops asked for from outside the run ------------------------------------------------

    def request_interrupt(self) -> None:
        """(any thread) Stop the running call at its current instruction; with no call
        running, the next one stops before its first. Stands until taken or cleared."""
        self.interrupt_requested = True
        self._stop_from_outside()

    def clear_interrupt(self) -> None:
        self.interrupt_requested = False

    def poke(self, ticks: int = 5) -> None:
        """(any thread) Stop emulation so the main thread runs Python for a moment; the run
        carries on unless something (a signal handler) asked for more meanwhile."""
        self._pokes_left = ticks
        self._stop_from_outside()

    def cancel_poke(self) -> None:
        self._pokes_left = 0

    def _stop_from_outside(self) -> None:
        with self._stop_lock:
            self.stop_requests += 1
            native.emu_stop(self._h)
        if self.active:
            self._stop_armed = True
            WATCHDOG.arm(self._stop_key, 0.0, self._repeat_stop)

    def _repeat_stop(self) -> bool:
        """(watchdog thread) Stop again while a request or a poke is outstanding; False
        (drop the entry) once none is."""
        if self._pokes_left > 0:
            self._pokes_left -= 1
        elif not self.interrupt_requested:
            return False
        with self._stop_lock:
            self.stop_requests += 1
            native.emu_stop(self._h)
        return True

    def _take_interrupt(self, pc: int, rec: ActiveCall) -> int:
        """The run stopped at pc for an interrupt request: the machine's interrupt_handler
        decides (True: resume at the pc register, which it may have changed), else the call
        ends with GuestInterrupted."""
        self.interrupt_requested = False
        self._pokes_left = 0
        WATCHDOG.disarm(self._stop_key)
        handler = self.machine.interrupt_handler
        if handler is not None and handler(pc):
            return self._pc_ret.read()[0]
        self.machine._faults.interrupted(pc, rec)
        raise AssertionError("unreachable")

    def pause_clock(self) -> None:
        """Stop charging time to the running calls (`Machine.paused_clock`)."""
        self.clock.pause()
        self._arm()

    def resume_clock(self) -> None:
        self.clock.resume()
        self._arm()
