"""Why a guest run stopped, as an exception with an oops report.

When `emu_start` returns anywhere but the return trap, `FaultReports.raise_outcome` works
out what happened — a refused memory access (with the exact byte the instruction wanted,
classified as NULL dereference, stack overflow into a guard page, write to read-only
memory …), an invalid opcode, a CPU exception or `int n`, `hlt`, the time limit or the
instruction budget — and raises GuestFault / GuestTimeout / BudgetExhausted carrying an
`OopsReport` of the CPU state and the chain of nested calls.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from unicorn import unicorn_const as ucc

from . import native
from .errors import BudgetExhausted, GuestFault, GuestInterrupted, GuestTimeout, MemoryFault
from .layout import PAGE_SIZE
from .memory import ACCESS_NAMES
from .names import printable
from .prot import Prot

if TYPE_CHECKING:
    from .calls import ActiveCall
    from .oops import OopsReport
    from .machine import Machine

VECTORS = {
    0: ("divide error", "#DE"), 1: ("debug trap", "#DB"), 3: ("breakpoint", "int3"),
    4: ("overflow", "#OF"), 5: ("bound range exceeded", "#BR"), 6: ("invalid opcode", "#UD"),
    7: ("device not available", "#NM"), 8: ("double fault", "#DF"), 10: ("invalid TSS", "#TS"),
    11: ("segment not present", "#NP"), 12: ("stack segment fault", "#SS"),
    13: ("general protection fault", "#GP"), 14: ("page fault", "#PF"),
    16: ("x87 floating point error", "#MF"), 17: ("alignment check", "#AC"),
    19: ("SIMD floating point error", "#XM"),
}


class FaultReports:
    """Turns the end of a failed run into the exception `Machine.call` raises."""

    def __init__(self, machine: "Machine") -> None:
        self.machine = machine
        self.mem = machine.mem

    def raise_outcome(self, err: int, pc: int, rec: "ActiveCall", count: int, timed_out: bool,
                      interrupt: tuple[int, int] | None) -> None:
        """Raise the exception for a run of `rec` that stopped at `pc` with Unicorn error
        `err`, after the CPU interrupt `interrupt` (vector, pc) if one was taken; `timed_out`:
        the call's deadline has passed."""
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
        if interrupt is not None:
            vector, _ = interrupt
            name, mnemonic = VECTORS.get(vector, (f"software interrupt {vector:#x}", f"int {vector:#x}"))
            if vector not in VECTORS or vector == 3:
                kind = "breakpoint" if vector == 3 else "software interrupt"
                # int n / int3 are traps: the pc is already past the instruction
                insn_pc = self._previous_insn(pc, b"\xcd" if vector != 3 else b"\xcc")
                self._fail(GuestFault, kind, f"{name} ({mnemonic}) in guest code", insn_pc, rec)
            self._fail(GuestFault, name, f"{name} ({mnemonic})", pc, rec)
        if timed_out:
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

    def bad_stub_entry(self, pc: int, service: str, rec: "ActiveCall") -> None:
        """Raise GuestFault: the guest reached the trap of `service` without passing through
        its stub's entry (a jump into the middle of kernel text)."""
        self._fail(GuestFault, "bad jump into kernel text",
                   f"jump into kernel text: reached the trap of '{printable(service)}' without entering "
                   f"its stub", pc, rec)

    def debug_register_write(self, pc: int, rec: "ActiveCall") -> None:
        """Raise GuestFault: the guest is about to load DR7 (debug_register_guard.py)."""
        self._fail(GuestFault, "debug register write",
                   f"mov to %dr7 at {self.machine.symbolize(pc)}: hardware breakpoints are not "
                   f"available to guest code", pc, rec)

    def interrupted(self, pc: int, rec: "ActiveCall") -> None:
        """Raise GuestInterrupted for `rec`, stopped on request before the instruction at pc."""
        self._fail(GuestInterrupted, "interrupted", f"interrupted at {self.machine.symbolize(pc)}", pc, rec)

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
            candidates = self.machine._disasm.memory_operands(self.mem.read(pc, n), pc,
                                                              self.machine.regs.read)
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
        where = self.machine.symbolize(addr)
        at = f"{addr:#x}" if where == f"{addr:#x}" else f"{addr:#x} ({where})"
        if self.machine.word_size == 8 and 0x0000800000000000 <= addr < 0xffff800000000000:
            return "general protection fault", f"general protection fault (#GP): {access} at non-canonical address {addr:#x}"
        if self.machine._calls.is_guard(addr):
            return "stack overflow", f"kernel stack overflow: {access} at {at} hit the guard page"
        if region is None:
            if addr < PAGE_SIZE:
                what = "jump to NULL" if access == "fetch" else f"NULL pointer dereference ({access})"
                return "NULL pointer dereference", f"{what} at {at}"
            return f"unmapped {access}", f"unmapped {access} at {at}"
        prot = Prot(region.prot).short()
        if access == "write":
            return "write to read-only memory", f"write to read-only memory ({prot} {printable(region.name)}) at {at}"
        if access == "fetch":
            return "execute non-executable memory", f"fetch from non-executable memory ({prot} {printable(region.name)}) at {at}"
        return "read of unreadable memory", f"read of unreadable memory ({prot} {printable(region.name)}) at {at}"

    def _fail(self, cls: type, kind: str, message: str, pc: int, rec: "ActiveCall",
              fault_addr: int | None = None, access: str | None = None) -> None:
        raise cls(f"{message} in {self.describe_call(rec)}",
                  self.oops(kind, message, pc, rec, fault_addr, access))

    def describe_call(self, rec: "ActiveCall") -> str:
        """`fibo_read(0x1d00, 0xc1000040, 0x0)`: the call `rec` with its raw arguments."""
        args = ", ".join(f"{a & rec.abi.word_mask:#x}" for a in rec.args)
        return f"{self.machine.symbolize(rec.addr)}({args})"

    def oops(self, kind: str, message: str, pc: int | None = None, rec: "ActiveCall | None" = None,
             fault_addr: int | None = None, access: str | None = None) -> OopsReport:
        """A report of the CPU's current state (`Machine.oops`)."""
        from .oops import OopsReport, backtrace   # only a fault needs the report's module
        machine = self.machine
        regs = machine.regs.snapshot()
        pc = regs[machine.regs.pc_name] if pc is None else pc
        sp, fp = regs[machine.regs.sp_name], regs[machine.regs.fp_name]
        insns = machine.disassemble(pc, 1)
        active = machine._calls.active
        if rec is None and active:
            rec = active[-1]
        if rec is not None:
            # only this call's own stack: from its lowest address up to the return trap's
            # slot, where the call entered the guest (above lie earlier calls' leftovers)
            lo, hi = rec.stack.lo, rec.entry_sp + machine.word_size
        else:
            lo, hi = sp, sp + 4096
        chain = []
        for i, c in enumerate(active if rec is None or rec in active else [*active, rec]):
            line = f"#{i} {self.describe_call(c)}"
            if c.trap is not None and c is not rec:
                try:
                    line += f" -> service {printable(c.trap.name)} called from " \
                            f"{machine.symbolize(c.trap.return_address)}"
                except MemoryFault:
                    line += f" -> service {printable(c.trap.name)}"
            chain.append(line)
        frames = backtrace(machine, pc, sp, fp, lo, hi)
        return OopsReport(kind=kind, message=message, arch=machine.arch, pc=pc, fault_address=fault_addr,
                          access=access, registers=regs, instruction=insns[0] if insns else None,
                          backtrace=frames, call_chain=chain, pc_symbol=machine.symbolize(pc),
                          frame_sources=self._frame_sources(frames))

    def _frame_sources(self, frames: list[tuple[int, str, bool]]) -> list[str]:
        """"file.c:line" per frame from the machine's source locators: the faulting pc's own
        line, and for each caller the line of its call (the byte before the return address)."""
        machine = self.machine
        if not machine.source_locators:
            return []
        out = []
        for i, (addr, _, _) in enumerate(frames):
            hit = machine.source_location(addr if i == 0 else addr - 1)
            out.append("" if hit is None else f"{printable(os.path.basename(hit[0]))}:{hit[1]}")
        return out
