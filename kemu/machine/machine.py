"""One emulated x86 CPU with a kernel-like address space, service traps and guest calls.

How a service call works (the hot path, ~1–2 µs):

1. The guest `call`s the service's stub in kernel text. The stub spills the argument
   registers (if the ABI has any) onto the stack, stores the stack pointer into the
   *frame slot* in kernel data and `call`s its own one-byte *trap slot* (a `ret`).
2. One range-restricted UC_HOOK_CODE covers all trap slots. It reads the frame slot from
   the mmap behind kernel data, builds a `TrapCall` that decodes arguments lazily from the
   frame, runs the Python handler and stores the result into the *result slot*.
3. The trap slot's `ret` returns into the stub, which loads eax/rax (and edx/rdx) from the
   result slot and returns to the guest. Python never writes the program counter.

`call()` runs guest code on a fresh kernel stack per nesting depth (each above an unmapped
guard page) until it returns to the *return trap*, where emulation stops. A handler may
call back into the guest: the CPU context is saved and restored around the nested run.
"""
from __future__ import annotations

import math
import struct
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from unicorn import Uc, UC_ARCH_X86, UC_HOOK_CODE, UC_HOOK_INTR, UC_HOOK_MEM_WRITE, UC_HOOK_TLB_FILL, \
    UC_MODE_32, UC_MODE_64, UC_TLB_VIRTUAL
from unicorn import unicorn_const as ucc

from . import native
from .abi import DEFAULT_ABI, Abi, get_abi
from .allocator import RangeAllocator
from .disasm import Disassembler, Insn
from .errors import BudgetExhausted, GuestFault, GuestTimeout, MachineError, MemoryFault
from .layout import MANAGED, ON_DEMAND, PAGE_SIZE, PREMAPPED, AddressLayout
from .memory import ACCESS_NAMES, Memory
from .oops import OopsReport, backtrace
from .prot import Prot
from .registers import Registers
from .trap import Handler, StackFrameCall, TrapCall
from .watchdog import WATCHDOG

_unpack_from = struct.unpack_from
_pack_into = struct.pack_into
_M64 = (1 << 64) - 1
#: Count passed to nested runs once Unicorn's instruction counter is installed: removing
#: it would flush translated code under the suspended outer run.
_UNLIMITED_COUNT = (1 << 62)
#: Unicorn allows 64 nested emu_start levels.
_UC_MAX_NESTED = 64
_TRAP_SLOTS = PAGE_SIZE

_VECTORS = {
    0: ("divide error", "#DE"), 1: ("debug trap", "#DB"), 3: ("breakpoint", "int3"),
    4: ("overflow", "#OF"), 5: ("bound range exceeded", "#BR"), 6: ("invalid opcode", "#UD"),
    7: ("device not available", "#NM"), 8: ("double fault", "#DF"), 10: ("invalid TSS", "#TS"),
    11: ("segment not present", "#NP"), 12: ("stack segment fault", "#SS"),
    13: ("general protection fault", "#GP"), 14: ("page fault", "#PF"),
    16: ("x87 floating point error", "#MF"), 17: ("alignment check", "#AC"),
    19: ("SIMD floating point error", "#XM"),
}


@dataclass(frozen=True)
class Stub:
    """A service stub: `entry` is the address the guest calls, `trap` its trap slot."""

    name: str
    handler: Handler
    abi: Abi
    entry: int
    size: int
    trap: int


@dataclass
class Hook:
    """A debugger hook; pass it to `Machine.remove_hook`."""

    kind: str
    begin: int
    end: int
    handles: list[int] = field(repr=False)
    cfuncs: list[Any] = field(repr=False)


@dataclass
class _Stack:
    lo: int      # lowest usable address (the guard page is just below)
    hi: int      # one past the highest; the stack grows down from here
    mm: Any = field(default=None, repr=False)   # host memory behind [lo, hi)
    view: Any = field(default=None, repr=False) # the reused StackFrameCall of this depth
    safe_hi: int = 0                            # frames below this are read unchecked


@dataclass
class _ActiveCall:
    addr: int
    args: tuple
    abi: Abi
    depth: int
    stack: _Stack
    budget: int | None
    trap: TrapCall | None = None   # the service trap being handled at this level, if any


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
        self.word_size = 8 if arch == "x86_64" else 4
        self.default_abi = DEFAULT_ABI[arch]
        self.layout = layout if layout is not None else AddressLayout.default(arch)
        if self.layout.arch != arch:
            raise MachineError(f"layout is for {self.layout.arch}, machine is {arch}")
        self.default_timeout = timeout

        self.uc = Uc(UC_ARCH_X86, UC_MODE_64 if arch == "x86_64" else UC_MODE_32)
        self.uc.ctl_set_tlb_mode(UC_TLB_VIRTUAL)
        self._h = self.uc._uch
        self.mem = Memory(self.uc, self.word_size, 64 if arch == "x86_64" else 32)
        self.regs = Registers(self.uc, arch)
        self._abis: dict[str, Abi] = {}
        self._word_fmt = "<Q" if self.word_size == 8 else "<I"
        self._graveyard: list[Any] = []   # callbacks of hooks deleted while running

        self._tlb_cb = native.HOOK_TLB_FILL_CFUNC(self.mem.tlb_fill)
        native.hook_add(self._h, UC_HOOK_TLB_FILL, self._tlb_cb)
        self._intr_cb = native.HOOK_INTR_CFUNC(self._on_interrupt)
        native.hook_add(self._h, UC_HOOK_INTR, self._intr_cb)

        # areas: premapped ones now, allocators for all but the machine-managed ones
        self._allocators: dict[str, RangeAllocator] = {}
        for area in self.layout.areas:
            if area.kind == PREMAPPED:
                self.mem.map(area.start, area.size, area.prot, area.name)
            if area.kind != MANAGED:
                self._allocators[area.name] = RangeAllocator(area.name, area.start, area.end)

        # kernel text: return trap, trap slots, then stubs (allocated as services come)
        ktext = self.layout["ktext"]
        # not at the start of the page: stopping at an exit address that begins a page makes
        # Unicorn fetch from the page before it, which is unmapped here (measured, 2.1.4)
        self.return_trap = ktext.start + 0x100
        self._allocators["ktext"].reserve(ktext.start, PAGE_SIZE)
        self.mem.write(self.return_trap, b"\x0f\x0b")  # ud2: never executed, emulation stops first
        self._trap_base = ktext.start + PAGE_SIZE
        self._allocators["ktext"].reserve(self._trap_base, _TRAP_SLOTS)
        self.mem.write(self._trap_base, b"\xc3" * _TRAP_SLOTS)
        self._stubs: list[Stub] = []
        self._stub_by_entry: dict[int, Stub] = {}
        self._trap_table: list[Stub] = []
        self._trap_slots: list[tuple] = []

        # kernel data: the frame slot and the result slot
        kdata = self.layout["kdata"]
        self.frame_slot = kdata.start
        self.result_slot = kdata.start + 16
        self._allocators["kdata"].reserve(kdata.start, PAGE_SIZE)
        self._kd_mm, self._frame_off = self.mem.locate(self.frame_slot, 32)
        self._result_off = self._frame_off + 16
        self._result_fmt = "<QQ" if self.word_size == 8 else "<Q"

        # stacks: one slot per nesting depth, a guard page below each
        stacks = self.layout["stacks"]
        stack_size = (stack_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        self._stack_slot = stack_size + PAGE_SIZE
        self.max_depth = min(max_depth, stacks.size // self._stack_slot, _UC_MAX_NESTED)
        if self.max_depth < 1:
            raise MachineError(f"stacks area of {stacks.size:#x} bytes cannot hold one "
                               f"{stack_size:#x}-byte stack and its guard page")
        self._stacks: list[_Stack] = []
        self._stack_area = stacks

        # running state
        self._active: list[_ActiveCall] = []
        self._contexts: list[native.Context] = []
        self._pending: BaseException | None = None
        self._interrupt: tuple[int, int] | None = None
        self._deadlines: list[float] = []
        self._budgets: list[int] = []         # effective counts of active budgeted runs
        self._counting = False                # Unicorn's instruction counter is installed
        self._count_epoch = 0                 # bumped when a nested run restarts that counter
        sp_id, pc_id, ret_id = self.regs.sp_id, self.regs.pc_id, self.regs.ret_id
        self._pc_ret = native.RegisterBatch(self._h, [pc_id, ret_id])
        self._call_batches: dict[str, native.RegisterBatch] = {}

        self.symbolizers: list[Callable[[int], "tuple[str, int] | None"]] = [self._machine_symbol]
        self._disasm = Disassembler(arch, self.lookup_symbol)
        self._hooks: list[Hook] = []
        self._step_hook: Hook | None = None

        self._trap_cb = native.HOOK_CODE_CFUNC(self._make_trap_hook())
        native.hook_add(self._h, UC_HOOK_CODE, self._trap_cb, self._trap_base,
                        self._trap_base + _TRAP_SLOTS - 1)

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
            size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
            addr = alloc.alloc(size, max(align, PAGE_SIZE))
            self.mem.map(addr, size, Prot.RW, area)
            return addr
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
        slot = len(self._trap_table)
        if slot >= _TRAP_SLOTS:
            raise MachineError(f"stub {name!r}: all {_TRAP_SLOTS} trap slots are in use")
        trap = self._trap_base + slot
        entry = self._allocators["ktext"].alloc(conv.stub_size, 16)
        code = conv.stub_code(entry, trap, self.frame_slot, self.result_slot)
        self.mem.load_code(entry, code)
        stub = Stub(name, handler, conv, entry, len(code), trap)
        self._stubs.append(stub)
        self._stub_by_entry[entry] = stub
        self._trap_table.append(stub)
        self._trap_slots.append((handler, name, conv, conv.word_struct.unpack_from))
        return entry

    def stub_at(self, addr: int) -> Stub | None:
        """The stub whose entry is `addr`."""
        return self._stub_by_entry.get(addr)

    def _make_trap_hook(self) -> Callable:
        """The trap hook, as a closure over everything it needs (this is the hot path:
        attribute lookups on `self` cost measurably at half a million traps a second)."""
        trap_base, kd_mm = self._trap_base, self._kd_mm
        frame_off, result_off, active = self._frame_off, self._result_off, self._active
        handle, stop = self._h, native.emu_stop
        wide = self.word_size == 8
        machine = self

        # per trap slot: (handler, name, convention, frame-slot reader)
        slots = self._trap_slots
        pack_result = struct.Struct("<QQ" if wide else "<Q").pack_into

        def on_trap(h: int, address: int, size: int, user_data: int) -> None:
            try:
                handler, name, conv, read_frame = slots[address - trap_base]
                frame = read_frame(kd_mm, frame_off)[0]
                rec = active[-1]
                st = rec.stack
                if st.lo <= frame < st.safe_hi:
                    call = st.view
                    if call.abi is not conv:
                        call.abi, call._offs, call._fmt = conv, conv.arg_offsets, conv.word_fmt
                        call._unpack = read_frame
                    call.name = name
                    call.frame = frame
                    call._base = frame - st.lo
                else:  # the guest moved its stack somewhere else: checked accesses
                    call = TrapCall(machine, name, conv, frame)
                rec.trap = call
                result = handler(call)
                if result is None:
                    result = 0
                elif result.__class__ is not int and not isinstance(result, int):
                    raise TypeError(f"service {name}: handler returned {result!r}; "
                                    "a handler returns an int or None")
                if wide:
                    pack_result(kd_mm, result_off, result & _M64, (result >> 64) & _M64)
                else:
                    pack_result(kd_mm, result_off, result & _M64)
            except BaseException as exc:
                if machine._pending is None:
                    machine._pending = exc
                stop(handle)

        return on_trap

    def _on_interrupt(self, handle: int, intno: int, user_data: int) -> None:
        self._interrupt = (intno, self.uc.reg_read(self.regs.pc_id))
        native.emu_stop(self._h)

    # ------------------------------------------------------------------ calling the guest

    def _stack(self, depth: int) -> _Stack:
        while len(self._stacks) <= depth:
            d = len(self._stacks)
            lo = self._stack_area.start + d * self._stack_slot + PAGE_SIZE
            hi = self._stack_area.start + (d + 1) * self._stack_slot
            self.mem.map(lo, hi - lo, Prot.RW, f"stack{d}")
            mm = self.mem.locate(lo, hi - lo)[0]
            view = StackFrameCall(self, self.abi(), mm, lo, hi)
            self._stacks.append(_Stack(lo, hi, mm, view, hi - StackFrameCall.HEADROOM))
            self._contexts.append(native.Context(self._h))
        return self._stacks[depth]

    def _batch(self, abi: Abi) -> native.RegisterBatch:
        b = self._call_batches.get(abi.name)
        if b is None:
            ids = [self.regs.sp_id, *abi.arg_registers, *(r for r, _ in abi.call_extra_registers)]
            b = self._call_batches[abi.name] = native.RegisterBatch(self._h, ids)
        return b

    def call(self, addr: int, *args: int, abi: str | None = None, budget: int | None = None,
             timeout: float | None = None) -> int:
        """Call the guest function at `addr` with integer arguments and return its result
        (the raw unsigned eax/rax). Raises GuestFault, GuestTimeout, BudgetExhausted, or
        whatever a service handler raised, and leaves the machine usable."""
        conv = self.abi(abi)
        depth = len(self._active)
        if depth >= self.max_depth:
            raise MachineError(f"guest calls nested {depth} deep: the limit is {self.max_depth}")
        if budget is not None and (not isinstance(budget, int) or budget <= 0):
            raise MachineError(f"budget must be a positive number of instructions, got {budget!r}")
        stack = self._stack(depth)
        sp, data, regvals = conv.prepare_call(args, stack.safe_hi, self.return_trap)
        if sp < stack.lo + 256:
            raise MachineError(f"{len(args)} arguments do not fit a {stack.hi - stack.lo}-byte stack")
        self.mem.write(sp, data)

        timeout = self.default_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout if timeout and timeout > 0 else math.inf
        if self._deadlines:
            deadline = min(deadline, self._deadlines[-1])
        count = self._choose_count(depth, budget)

        rec = _ActiveCall(addr, args, conv, depth, stack, budget)
        ctx = self._contexts[depth] if depth else None
        if ctx is not None:
            ctx.save()
        self._active.append(rec)
        self._deadlines.append(deadline)
        self._budgets.append(count)
        self._arm()
        try:
            self._batch(conv).write([sp, *regvals])
            self.mem.last_denied = None
            self._interrupt = None
            start = addr
            if depth and count:
                self._count_epoch += 1   # this run restarts Unicorn's instruction counter
            epoch = self._count_epoch
            while True:
                err = native.emu_start(self._h, start, self.return_trap, 0, count)
                pc, ret = self._pc_ret.read()
                if pc == self.return_trap and not err and self._pending is None:
                    return ret & conv.word_mask
                if (not err and self._pending is None and self._interrupt is None and self._counting
                        and self._count_epoch != epoch and time.monotonic() < deadline):
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
            self._raise_outcome(err, pc, rec, count, deadline)
            raise AssertionError("unreachable")
        finally:
            self._active.pop()
            self._deadlines.pop()
            self._budgets.pop()
            self._arm()
            if ctx is not None:
                ctx.restore()
                self.mem.last_denied = None   # the outer run's fault record is its own
            if not self._active:
                self._graveyard.clear()

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
                self._invalidate_all_code()
                self._counting = True
            return min(budget, outer) if outer else budget
        if self._counting:
            return outer or _UNLIMITED_COUNT
        return 0

    def _invalidate_all_code(self) -> None:
        """Drop translations of every executable mapping without flushing the code buffer
        (safe while an outer run is suspended in a hook)."""
        for r in self.mem.regions():
            if r.prot & Prot.EXEC:
                self.uc.ctl_remove_cache(r.start, r.end)

    def _arm(self) -> None:
        if self._deadlines and self._deadlines[-1] != math.inf:
            WATCHDOG.arm(id(self), self._deadlines[-1], self._expire)
        else:
            WATCHDOG.disarm(id(self))

    def _expire(self) -> None:
        native.emu_stop(self._h)

    # ------------------------------------------------------------------ outcomes

    def _raise_outcome(self, err: int, pc: int, rec: _ActiveCall, count: int, deadline: float) -> None:
        if self._pending is not None:
            exc, self._pending = self._pending, None
            raise exc
        fault_addr = access = None
        if err:
            denied = self.mem.last_denied
            if err == ucc.UC_ERR_INSN_INVALID:
                kind, message = "invalid opcode", "invalid opcode (#UD)"
            elif denied is not None:
                fault_addr, acc, region = denied
                access = ACCESS_NAMES.get(acc, "access")
                fault_addr = self._exact_fault_address(pc, fault_addr, access)
                kind, message = self._classify_memory_fault(fault_addr, access, region)
            elif err in (ucc.UC_ERR_READ_UNMAPPED, ucc.UC_ERR_WRITE_UNMAPPED, ucc.UC_ERR_FETCH_UNMAPPED):
                access = {ucc.UC_ERR_READ_UNMAPPED: "read", ucc.UC_ERR_WRITE_UNMAPPED: "write"}.get(err, "fetch")
                kind, message = f"unmapped {access}", f"unmapped {access}"
            else:
                kind, message = "cpu exception", f"unhandled CPU exception ({native.error_name(err)})"
            self._fail(GuestFault, kind, message, pc, rec, fault_addr, access)
        if self._interrupt is not None:
            vector, ipc = self._interrupt
            self._interrupt = None
            name, mnemonic = _VECTORS.get(vector, (f"software interrupt {vector:#x}", f"int {vector:#x}"))
            if vector not in _VECTORS or vector == 3:
                kind = "breakpoint" if vector == 3 else "software interrupt"
                # int n / int3 are traps: the pc is already past the instruction
                insn_pc = self._previous_insn(pc, b"\xcd" if vector != 3 else b"\xcc")
                self._fail(GuestFault, kind, f"{name} ({mnemonic}) in guest code", insn_pc, rec)
            self._fail(GuestFault, name, f"{name} ({mnemonic})", pc, rec)
        if time.monotonic() >= deadline:
            self._fail(GuestTimeout, "timeout", "guest call exceeded its time limit", pc, rec)
        if count:
            own = rec.budget
            how = f"budget of {own} instructions" if own and own <= count else \
                f"budget of {count} instructions (inherited from the enclosing call)"
            self._fail(BudgetExhausted, "budget exhausted", f"instruction {how} exhausted", pc, rec)
        try:
            halted = self.mem.read(pc - 1, 1) == b"\xf4"
        except MemoryFault:
            halted = False
        if halted:
            self._fail(GuestFault, "halt", "hlt executed in guest code", pc - 1, rec)
        self._fail(GuestFault, "stopped", "emulation stopped for no known reason", pc, rec)

    def _exact_fault_address(self, pc: int, page: int, access: str) -> int:
        """Unicorn reports the *page* its TLB refused; find the byte the instruction at `pc`
        wanted in that page (what cr2 would hold), else keep the page address."""
        page &= ~(PAGE_SIZE - 1)
        if access == "fetch":
            return pc if pc & ~(PAGE_SIZE - 1) == page else page
        n = 16
        while n > 0 and not self.mem.is_mapped(pc, n):
            n -= 1
        if n == 0:
            return page
        try:
            candidates = self._disasm.memory_operands(self.mem.read(pc, n), pc, self.regs.read)
        except Exception:
            return page
        for ea, size in candidates:
            if ea & ~(PAGE_SIZE - 1) == page:
                return ea
            if ea < page < ea + max(size, 1):
                return page   # the access straddles into the refused page
        return page

    def _previous_insn(self, pc: int, opcode: bytes) -> int:
        for back in (2, 1):
            try:
                if self.mem.read(pc - back, 1) == opcode:
                    return pc - back
            except MemoryFault:
                pass
        return pc

    def _classify_memory_fault(self, addr: int, access: str, region) -> tuple[str, str]:
        where = self.symbolize(addr)
        at = f"{addr:#x}" if where == f"{addr:#x}" else f"{addr:#x} ({where})"
        if self.word_size == 8 and 0x0000800000000000 <= addr < 0xffff800000000000:
            return "general protection fault", f"general protection fault (#GP): {access} at non-canonical address {addr:#x}"
        if self._is_guard(addr):
            return "stack overflow", f"kernel stack overflow: {access} at {at} hit the guard page"
        if region is None:
            if addr < PAGE_SIZE:
                what = "jump to NULL" if access == "fetch" else f"NULL pointer dereference ({access})"
                return "NULL pointer dereference", f"{what} at {at}"
            return f"unmapped {access}", f"unmapped {access} at {at}"
        prot = Prot(region.prot).short()
        if access == "write":
            return "write to read-only memory", f"write to read-only memory ({prot} {region.name}) at {at}"
        if access == "fetch":
            return "execute non-executable memory", f"fetch from non-executable memory ({prot} {region.name}) at {at}"
        return "read of unreadable memory", f"read of unreadable memory ({prot} {region.name}) at {at}"

    def _is_guard(self, addr: int) -> bool:
        a = self._stack_area
        return a.start <= addr < a.end and (addr - a.start) % self._stack_slot < PAGE_SIZE

    def _fail(self, cls: type, kind: str, message: str, pc: int, rec: _ActiveCall,
              fault_addr: int | None = None, access: str | None = None) -> None:
        raise cls(f"{message} in {self._describe_call(rec)}",
                  self.oops(kind, message, pc, rec, fault_addr, access))

    def _describe_call(self, rec: _ActiveCall) -> str:
        args = ", ".join(f"{a & rec.abi.word_mask:#x}" for a in rec.args)
        return f"{self.symbolize(rec.addr)}({args})"

    def oops(self, kind: str, message: str, pc: int | None = None, rec: _ActiveCall | None = None,
             fault_addr: int | None = None, access: str | None = None) -> OopsReport:
        """Build a report of the CPU's current state (used for faults; the debugger may
        call it too)."""
        regs = self.regs.snapshot()
        pc = regs[self.regs.pc_name] if pc is None else pc
        sp, fp = regs[self.regs.sp_name], regs[self.regs.fp_name]
        insns = self.disassemble(pc, 1)
        if rec is None and self._active:
            rec = self._active[-1]
        if rec is not None:
            lo, hi = rec.stack.lo, rec.stack.hi
        else:
            lo, hi = sp, sp + 4096
        chain = []
        for i, c in enumerate(self._active if rec is None or rec in self._active else [*self._active, rec]):
            line = f"#{i} {self._describe_call(c)}"
            if c.trap is not None and c is not rec:
                try:
                    line += f" -> service {c.trap.name} called from {self.symbolize(c.trap.return_address)}"
                except MemoryFault:
                    line += f" -> service {c.trap.name}"
            chain.append(line)
        return OopsReport(kind=kind, message=message, arch=self.arch, pc=pc, fault_address=fault_addr,
                          access=access, registers=regs, instruction=insns[0] if insns else None,
                          backtrace=backtrace(self, pc, sp, fp, lo, hi), call_chain=chain,
                          pc_symbol=self.symbolize(pc))

    # ------------------------------------------------------------------ symbols, disassembly

    def _machine_symbol(self, addr: int) -> "tuple[str, int] | None":
        if self._trap_base <= addr < self._trap_base + len(self._trap_table):
            return (f"trap:{self._trap_table[addr - self._trap_base].name}", 0)
        if addr == self.return_trap:
            return ("kemu_return_trap", 0)
        ktext = self.layout["ktext"]
        if ktext.start <= addr < ktext.end:
            stub = self._stub_by_entry.get(addr)
            if stub is not None:
                return (stub.name, 0)
            for back in range(16, 64 + 1, 16):  # stubs are 16-byte aligned, at most 64 bytes
                stub = self._stub_by_entry.get((addr & ~15) - back + 16)
                if stub is not None and stub.entry <= addr < stub.entry + stub.size:
                    return (stub.name, addr - stub.entry)
        return None

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

    def symbolize(self, addr: int) -> str:
        """"fibo_read+0x12", or the address in hex when no symbolizer knows it."""
        hit = self.lookup_symbol(addr)
        if hit is None:
            return f"{addr:#x}"
        name, off = hit
        return name if off == 0 else f"{name}+{off:#x}"

    def disassemble(self, addr: int, count: int = 1) -> list[Insn]:
        """Up to `count` instructions from `addr` (fewer where memory ends)."""
        n = 16 * count
        while n > 0 and not self.mem.is_mapped(addr, n):
            n -= 1
        if n <= 0:
            return []
        return self._disasm.decode(self.mem.read(addr, n), addr, count)

    # ------------------------------------------------------------------ debugger hooks

    def _guarded(self, cb: Callable) -> Callable:
        def run(*a: Any) -> Any:
            try:
                return cb(*a)
            except BaseException as exc:
                if self._pending is None:
                    self._pending = exc
                native.emu_stop(self._h)
        return run

    def add_code_hook(self, cb: Callable[[int, int], None], begin: int, end: int) -> Hook:
        """Call `cb(address, size)` before each instruction in [begin, end]. Costs nothing
        outside the range; an exception from `cb` ends the call and propagates."""
        wrapped = self._guarded(lambda h, address, size, ud: cb(address, size))
        cfunc = native.HOOK_CODE_CFUNC(wrapped)
        handle = native.hook_add(self._h, UC_HOOK_CODE, cfunc, begin, end)
        hook = Hook("code", begin, end, [handle], [cfunc])
        self._hooks.append(hook)
        self._retranslate(begin, end)
        return hook

    def add_write_watch(self, cb: Callable[[int, int, int], None], begin: int, end: int) -> Hook:
        """Call `cb(address, size, value)` on each guest write touching [begin, end] (every
        byte of which must be mapped). In virtual-TLB mode Unicorn reports memory accesses
        by *physical* address, so the watch hooks the physical pages behind the range as it
        is mapped now and translates back."""
        if end < begin or not self.mem.is_mapped(begin, end - begin + 1):
            raise MemoryFault(begin, max(end - begin + 1, 0), "watch")
        handles, cfuncs = [], []
        addr = begin
        while addr <= end:
            r = self.mem.region_at(addr)
            piece_end = min(end, r.end - 1)
            phys = r.backing.phys + r.offset + (addr - r.start)
            delta = addr - phys

            def on_write(h, access, paddr, size, value, ud, delta=delta):
                cb(paddr + delta, size, value & _M64)

            cfunc = native.HOOK_MEM_ACCESS_CFUNC(self._guarded(on_write))
            handles.append(native.hook_add(self._h, UC_HOOK_MEM_WRITE, cfunc, phys, phys + piece_end - addr))
            cfuncs.append(cfunc)
            addr = piece_end + 1
        hook = Hook("write", begin, end, handles, cfuncs)
        self._hooks.append(hook)
        self.mem.flush_tlb()
        self._retranslate(0, (1 << (8 * self.word_size)) - 1)
        return hook

    def remove_hook(self, hook: Hook) -> None:
        """Remove a hook made by add_code_hook / add_write_watch / start_stepping."""
        if hook not in self._hooks:
            raise MachineError(f"{hook!r} is not installed")
        self._hooks.remove(hook)
        for handle in hook.handles:
            native.hook_del(self._h, handle)
        if self._active:
            self._graveyard.extend(hook.cfuncs)  # Unicorn frees them when the outer run ends
        if self._step_hook is hook:
            self._step_hook = None

    def hooks(self) -> list[Hook]:
        return list(self._hooks)

    def start_stepping(self, cb: Callable[[int, int], "bool | None"]) -> Hook:
        """Single-step: call `cb(address, size)` before every instruction, until
        `stop_stepping()` or `cb` returns False. The hook exists only while stepping."""
        if self._step_hook is not None:
            raise MachineError("already stepping")

        def step(address: int, size: int) -> None:
            if cb(address, size) is False:
                self.stop_stepping()

        self._step_hook = self.add_code_hook(step, 0, (1 << (8 * self.word_size)) - 1)
        return self._step_hook

    def stop_stepping(self) -> None:
        if self._step_hook is not None:
            self.remove_hook(self._step_hook)

    def _retranslate(self, begin: int, end: int) -> None:
        """Make hooks added now apply to code Unicorn had already translated."""
        for r in self.mem.regions():
            if r.prot & Prot.EXEC and r.start <= end and begin < r.end:
                self.uc.ctl_remove_cache(max(r.start, begin), min(r.end, end + 1))

    # ------------------------------------------------------------------ misc

    @property
    def depth(self) -> int:
        """How many guest calls are running (0 outside `call`)."""
        return len(self._active)

    def stubs(self) -> list[Stub]:
        return list(self._stubs)

    def close(self) -> None:
        """Release the watchdog entry (the CPU itself goes with the object)."""
        WATCHDOG.disarm(id(self))

    def __repr__(self) -> str:
        return f"<Machine {self.arch} stubs={len(self._stubs)} depth={len(self._active)}>"
