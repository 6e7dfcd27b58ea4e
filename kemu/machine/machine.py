"""One emulated x86 CPU with a kernel-like address space, service traps and guest calls.

`Machine` wires the parts together and is the only public face (docs/interfaces.md §3):
the address space (`memory`), the area allocators, the service stubs and their trap hook
(`stubs`), the guest-call runner with nesting, time limits and budgets (`calls`), the
fault → oops translation (`faults`), debugger hooks (`debug_hooks`), and symbolization
and disassembly for reports.
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterator

from unicorn import Uc, UC_ARCH_X86, UC_HOOK_TLB_FILL, UC_MODE_32, UC_MODE_64, UC_TLB_VIRTUAL

from kemu.arch import WORD_SIZE
from kemu.intbits import align_up

from . import native
from .abi import DEFAULT_ABI, Abi, get_abi
from .allocator import RangeAllocator
from .calls import ActiveCall, GuestCalls
from .cpu_state import BootState
from .debug_register_guard import DebugRegisterGuard
from .errors import MachineError
from .faults import FaultReports
from .instruction_watch import InstructionWatch
from .layout import MANAGED, ON_DEMAND, PAGE_SIZE, PREMAPPED, AddressLayout
from .memory import Memory
from .names import symbol_label
from .prot import Prot
from .recovery import GuestTrap, Recovery
from .registers import Registers
from .stubs import Stub, StubTable
from .suspend import Suspension
from .trap import Handler
from .watchdog import WATCHDOG

if TYPE_CHECKING:
    from .debug_hooks import DebugHooks, Hook
    from .disasm import Disassembler, Insn
    from .oops import OopsReport

__all__ = ["Machine", "Stub", "GuestTrap"]


class Machine:
    """An x86 CPU ("i386" or "x86_64") with a kernel-like address space.

    See docs/interfaces.md §3 for the contract. Keyword options: `layout` (an
    `AddressLayout`), `timeout` (default seconds per call; 0 = none), `stack_size` (bytes of
    kernel stack per nesting depth), `max_depth` (deepest nesting of guest calls).
    """

    def __init__(self, arch: str, layout: AddressLayout | None = None, *, timeout: float = 5.0,
                 stack_size: int = 16 * 1024, max_depth: int = 32) -> None:
        if arch not in DEFAULT_ABI:
            raise MachineError(f"unknown arch {arch!r} (expected 'i386' or 'x86_64')")
        self.arch = arch
        self.word_size = WORD_SIZE[arch]
        self.default_abi = DEFAULT_ABI[arch]
        self.layout = layout if layout is not None else AddressLayout.default(arch)
        if self.layout.arch != arch:
            raise MachineError(f"layout is for {self.layout.arch}, machine is {arch}")
        self.default_timeout = timeout
        #: handler(pc) -> bool for a call stopped by `interrupt()`: True resumes at the pc
        #: register (the debugger stops there first); None/False ends the call (GuestInterrupted)
        self.interrupt_handler: Callable[[int], bool] | None = None

        self.uc = Uc(UC_ARCH_X86, UC_MODE_64 if arch == "x86_64" else UC_MODE_32)
        self.uc.ctl_set_tlb_mode(UC_TLB_VIRTUAL)
        self.mem = Memory(self.uc, self.word_size, 64 if arch == "x86_64" else 32)
        self.regs = Registers(self.uc, arch)
        self._abis: dict[str, Abi] = {}
        self._tlb_cb = native.HOOK_TLB_FILL_CFUNC(self.mem.tlb_fill)
        native.hook_add(self.uc._uch, UC_HOOK_TLB_FILL, self._tlb_cb)

        # areas: premapped ones now, allocators for all but the machine-managed ones
        self._allocators: dict[str, RangeAllocator] = {}
        for area in self.layout.areas:
            if area.kind == PREMAPPED:
                self.mem.map(area.start, area.size, area.prot, area.name)
            if area.kind != MANAGED:
                self._allocators[area.name] = RangeAllocator(area.name, area.start, area.end)

        self.symbolizers: list[Callable[[int], "tuple[str, int] | None"]] = [self._machine_symbol]
        #: fn(addr) -> (file, line) | None, asked only when a report wants a source line
        #: (an oops); later ones win (kemu.link.source_locator makes one)
        self.source_locators: list[Callable[[int], "tuple[str, int] | None"]] = []
        # kernel text: the return trap (calls), the trap slots, then stubs as services come
        self._calls = GuestCalls(self, stack_size, max_depth)
        self._faults = FaultReports(self)
        self._recovery = Recovery(self)
        #: fn(pc) -> resume pc | None, asked when guest code hits an invalid opcode (a
        #: personality's ud2 table); fn(pc, GuestTrap) -> resume pc | None when it faults (an
        #: exception table). Nothing is hooked per instruction (recovery.py).
        self.invalid_opcode_handlers = self._recovery.invalid_opcode_handlers
        self.fault_fixups = self._recovery.fault_fixups
        self._stubs = StubTable(self, self._calls)
        #: hooks on module code's `mov %dr7` (watch when code is placed, forget when freed)
        self.code_guard = DebugRegisterGuard(self)
        #: hooks before chosen instructions of module code (watch when placed, forget when freed)
        self.instruction_watch = InstructionWatch(self)
        self.return_trap = self._calls.return_trap
        self.max_depth = self._calls.max_depth
        self.frame_slot = self._stubs.frame_slot
        self.result_slot = self._stubs.result_slot
        # last: the snapshot every outermost call starts from
        self._boot = self._calls.boot_state = BootState(self, self._calls)

    # Made on first use: most runs never disassemble (an oops, the debugger do) and never
    # hook code (the debugger, the tracer); their modules are not imported until then.
    @cached_property
    def _disasm(self) -> "Disassembler":
        from .disasm import Disassembler
        return Disassembler(self.arch, self.lookup_symbol)

    @cached_property
    def _hooks(self) -> "DebugHooks":
        from .debug_hooks import DebugHooks
        return DebugHooks(self, self._calls)

    # ------------------------------------------------------------------ allocation

    def alloc(self, area: str, size: int, align: int = 16) -> int:
        """A block of `size` bytes in `area`. In premapped areas (kdata, kheap, ktext) the
        memory is already mapped; in on-demand areas (modules, user) whole pages are mapped
        read-write, named after the area (callers may `mem.protect` parts of it)."""
        a = self.layout[area]
        alloc = self._allocators.get(area)
        if alloc is None:
            raise MachineError(f"area {area!r} is managed by the machine; alloc() cannot use it")
        if a.kind == ON_DEMAND:
            size = align_up(size, PAGE_SIZE)
            addr = alloc.alloc(size, max(align, PAGE_SIZE))
            self.mem.map(addr, size, Prot.RW, area)
            return addr
        if area == "ktext":   # kernel text beyond what is in use is kept non-executable
            return self._stubs.alloc_code(size, align)
        return alloc.alloc(size, align)

    def free(self, area: str, addr: int) -> None:
        """Give back a block from `alloc`; on-demand areas unmap it (stale pointers fault)."""
        a = self.layout[area]
        alloc = self._allocators.get(area)
        if alloc is None:
            raise MachineError(f"area {area!r} is managed by the machine; free() cannot use it")
        size = alloc.free(addr)
        if a.kind == ON_DEMAND:
            self.mem.unmap(addr, size)

    # ------------------------------------------------------------------ ABIs and stubs

    def abi(self, name: str | None = None) -> Abi:
        """The calling convention object for `name` (default: the arch's)."""
        name = name or self.default_abi
        abi = self._abis.get(name)
        if abi is None:
            abi = self._abis[name] = get_abi(name, self.arch)
        return abi

    def add_stub(self, name: str, handler: Handler, abi: str | None = None, *,
                 variadic: bool = False) -> int:
        """Make a stub in kernel text that traps into `handler(call: TrapCall)`; returns its
        address. `variadic=True` uses the convention's rule for variadic functions (for
        regparm3 that is plain cdecl)."""
        if not callable(handler):
            raise MachineError(f"stub {name!r}: handler {handler!r} is not callable")
        conv = self.abi(abi)
        if variadic:
            conv = self.abi(conv.variadic)
        return self._stubs.add(name, handler, conv)

    def set_stub_handler(self, addr: int, handler: Handler) -> None:
        """Make the stub whose entry is `addr` trap into `handler` from its next call on (a
        kernel builds a service's handler on the first call: most are never called)."""
        self._stubs.set_handler(addr, handler)

    def stub_at(self, addr: int) -> Stub | None:
        """The stub whose entry is `addr`."""
        return self._stubs.by_entry.get(addr)

    def stubs(self) -> list[Stub]:
        return list(self._stubs.stubs)

    # ------------------------------------------------------------------ calling the guest

    def call(self, addr: int, *args: int, abi: str | None = None, budget: int | None = None,
             timeout: float | None = None) -> int:
        """Call the guest function at `addr` with integer arguments and return its result
        (the raw unsigned eax/rax). Raises GuestFault, GuestTimeout, BudgetExhausted, or
        whatever a service handler raised, and leaves the machine usable."""
        return self._calls.call(addr, args, abi, budget, timeout)

    def call_on_stack(self, addr: int, args: tuple[int, ...], stack: tuple[int, int],
                      timeout: float | None = None) -> int:
        """`call` on a stack of its own ([lo, hi)), as a run a service may suspend: then
        the Suspension it raised comes out of here, filled in for `resume` (suspend.py)."""
        return self._calls.call(addr, tuple(args), None, None, timeout, own_stack=stack)

    def resume(self, suspended: "Suspension", timeout: float | None = None) -> int:
        """Carry on a suspended run: its service is called again; returns the run's result
        or raises Suspension again (suspend.py)."""
        return self._calls.call(suspended.pc, (), None, None, timeout, resume=suspended)

    def can_suspend(self) -> bool:
        """Whether a service called now may suspend the run that called it."""
        return self._calls.can_suspend()

    def set_boot_register(self, name: str, value: int) -> None:
        """Make `name` = `value` part of the CPU state every outermost call starts from (a
        personality's per-CPU data in gs_base, …); written now too. Only between calls."""
        self._boot.set_register(name, value)

    @property
    def depth(self) -> int:
        """How many guest calls are running (0 outside `call`)."""
        return len(self._calls.active)

    @contextmanager
    def paused_clock(self) -> Iterator[None]:
        """While Python holds control for a person (a debugger prompt inside a hook, gdb's
        packets), the running calls' time limits stand still: they count only time spent
        running guest code and service handlers. Nests; a guest call made inside runs on
        the clock (and is bounded by what is left of the enclosing calls' limits)."""
        self._calls.pause_clock()
        try:
            yield
        finally:
            self._calls.resume_clock()

    @property
    def clock_paused(self) -> bool:
        """True inside `paused_clock()` (and no guest call made from there is running)."""
        return self._calls.clock.paused

    # ------------------------------------------------------------------ interrupts (Ctrl-C)

    def interrupt(self) -> None:
        """Stop the running guest call at the instruction it is about to execute. Safe from
        any thread and from signal handlers. The call hands the stop to `interrupt_handler`
        (the debugger) or raises GuestInterrupted. With no call running, the next call stops
        before its first instruction: the request stands until a call takes it or
        `clear_interrupt()`."""
        self._calls.request_interrupt()

    def clear_interrupt(self) -> None:
        """Withdraw an `interrupt()` no call has taken yet (the command it was for is over)."""
        self._calls.clear_interrupt()

    @property
    def interrupt_pending(self) -> bool:
        return self._calls.interrupt_requested

    def poke(self) -> None:
        """Make running guest code give the main thread a moment of Python, then carry on.
        Safe from any thread. CPython runs signal handlers only in the main thread between
        bytecodes, never while Unicorn runs guest code: a thread that learns of a signal
        (`signal.set_wakeup_fd`) pokes the machine so the handler runs now. Repeated for a few
        watchdog ticks unless `cancel_poke()` (the handler ran)."""
        self._calls.poke()

    def cancel_poke(self) -> None:
        self._calls.cancel_poke()

    def oops(self, kind: str, message: str, pc: int | None = None, rec: ActiveCall | None = None,
             fault_addr: int | None = None, access: str | None = None) -> OopsReport:
        """Build a report of the CPU's current state (used for faults; the debugger may
        call it too)."""
        return self._faults.oops(kind, message, pc, rec, fault_addr, access)

    # ------------------------------------------------------------------ symbols, disassembly

    def _machine_symbol(self, addr: int) -> "tuple[str, int] | None":
        if addr == self.return_trap:
            return ("kemu_return_trap", 0)
        return self._stubs.symbol(addr)

    def lookup_symbol(self, addr: int) -> "tuple[str, int] | None":
        """(name, offset) from the first symbolizer that knows `addr`."""
        for fn in reversed(self.symbolizers):
            try:
                hit = fn(addr)
            except Exception:
                hit = None
            if hit is not None:
                return hit
        return None

    def source_location(self, addr: int) -> "tuple[str, int] | None":
        """(file, line) from the last source locator that knows `addr`; a locator that
        fails counts as not knowing it."""
        for fn in reversed(self.source_locators):
            try:
                hit = fn(addr)
            except Exception:
                hit = None
            if hit is not None:
                return hit
        return None

    def symbolize(self, addr: int) -> str:
        """"fibo_read+0x12", or the address in hex when no symbolizer knows it."""
        hit = self.lookup_symbol(addr)
        return f"{addr:#x}" if hit is None else symbol_label(*hit)

    def disassemble(self, addr: int, count: int = 1) -> list[Insn]:
        """Up to `count` instructions from `addr` (fewer where memory ends)."""
        n = 16 * count
        while n > 0 and not self.mem.is_mapped(addr, n):
            n -= 1
        if n <= 0:
            return []
        return self._disasm.decode(self.mem.read(addr, n), addr, count)

    # ------------------------------------------------------------------ debugger hooks

    def add_code_hook(self, cb: Callable[[int, int], None], begin: int, end: int) -> Hook:
        """Call `cb(address, size)` before each instruction in [begin, end]. Costs nothing
        outside the range; an exception from `cb` ends the call and propagates."""
        return self._hooks.add_code_hook(cb, begin, end)

    def add_block_hook(self, cb: Callable[[int, int], None], begin: int, end: int) -> Hook:
        """Call `cb(address, size)` each time a basic block starting in [begin, end] runs
        (`size`: its bytes). Costs nothing outside the range; removed with `remove_hook`."""
        return self._hooks.add_block_hook(cb, begin, end)

    def add_write_watch(self, cb: Callable[[int, int, int], None], begin: int, end: int) -> Hook:
        """Call `cb(address, size, value)` on each guest write touching [begin, end] (every
        byte of which must be mapped)."""
        return self._hooks.add_write_watch(cb, begin, end)

    def remove_hook(self, hook: Hook) -> None:
        """Remove a hook made by add_code_hook / add_write_watch / start_stepping."""
        self._hooks.remove_hook(hook)

    def hooks(self) -> list[Hook]:
        return list(self._hooks.installed)

    def flush_code_cache(self) -> None:
        """Drop translated code, so the next instructions see the hooks installed now.

        While an outer guest call is suspended in a hook (a kernel service that called guest
        code, e.g. FreeBSD's module_register_init calling a modevent handler), only the
        translations of each executable mapping are dropped: a whole-cache flush would also
        free the code buffer the suspended run returns into (the host dies of SIGILL)."""
        if len(self._calls.active) > 1:
            self._calls.invalidate_all_code()
        else:
            self.uc.ctl_flush_tb()

    def start_stepping(self, cb: Callable[[int, int], "bool | None"]) -> Hook:
        """Single-step: call `cb(address, size)` before every instruction, until
        `stop_stepping()` or `cb` returns False. The hook exists only while stepping."""
        return self._hooks.start_stepping(cb)

    def stop_stepping(self) -> None:
        self._hooks.stop_stepping()

    # ------------------------------------------------------------------ misc

    def close(self) -> None:
        """Release the watchdog entry (the CPU itself goes with the object)."""
        WATCHDOG.disarm(id(self))

    def __repr__(self) -> str:
        return f"<Machine {self.arch} stubs={len(self._stubs.stubs)} depth={len(self._calls.active)}>"
