"""Second chances for a guest run that stopped on an invalid opcode or a fault.

A kernel does not always die where the CPU traps: an invalid opcode may be a deliberate
`ud2` the kernel knows (Linux's WARN/BUG through `__bug_table`), and a fault in code that
touches user memory may have a fixup (Linux's `__ex_table`, NetBSD's onfault). The machine
knows none of those tables; a personality registers handlers and the machine asks them,
only when a run has already stopped for such a reason (nothing is hooked per instruction):

    machine.invalid_opcode_handlers.append(fn)   # fn(pc) -> resume pc | None
    machine.fault_fixups.append(fn)              # fn(pc, fault: GuestTrap) -> resume pc | None

The first handler that returns a pc wins: the run carries on there with the CPU state as the
trap left it (a handler may change registers first). None from all of them, and the call
ends with GuestFault as before. A handler may also raise; the call ends with that exception.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from unicorn import unicorn_const as ucc

from kemu.record import Record

from .memory import ACCESS_NAMES

if TYPE_CHECKING:
    from .machine import Machine

INVALID_OPCODE_VECTOR = 6
PAGE_FAULT_VECTOR = 14
_UNMAPPED = {ucc.UC_ERR_READ_UNMAPPED: "read", ucc.UC_ERR_WRITE_UNMAPPED: "write",
             ucc.UC_ERR_FETCH_UNMAPPED: "fetch"}

InvalidOpcodeHandler = Callable[[int], "int | None"]
FaultFixup = Callable[[int, "GuestTrap"], "int | None"]


class GuestTrap(Record, fields=("vector", "address", "access"), frozen=True):
    """What stopped the guest, as a fixup sees it: the x86 `vector` (14 for a refused memory
    access, 13 #GP, 0 #DE …), and for memory the byte wanted (`address`, what cr2 would hold)
    and the `access` ("read", "write" or "fetch")."""

    def __init__(self, vector: int, address: int | None = None, access: str | None = None) -> None:
        vars(self).update(vector=vector, address=address, access=access)


class Recovery:
    """Asks the machine's handlers whether a stopped run can go on (see the module docstring)."""

    def __init__(self, machine: "Machine") -> None:
        self.machine = machine
        self.invalid_opcode_handlers: list[InvalidOpcodeHandler] = []
        self.fault_fixups: list[FaultFixup] = []

    def resume_pc(self, err: int, pc: int, interrupt: "tuple[int, int] | None") -> int | None:
        """Where the run that stopped at `pc` (Unicorn error `err`, CPU interrupt
        `interrupt`) may carry on, or None when no handler takes it."""
        if not (self.invalid_opcode_handlers or self.fault_fixups):
            return None
        if err == ucc.UC_ERR_INSN_INVALID or (not err and interrupt is not None
                                              and interrupt[0] == INVALID_OPCODE_VECTOR):
            for fn in self.invalid_opcode_handlers:
                resume = fn(pc)
                if resume is not None:
                    return resume
            return None
        if not self.fault_fixups:
            return None
        trap = self._trap(err, pc, interrupt)
        if trap is None:
            return None
        for fn in self.fault_fixups:
            resume = fn(pc, trap)
            if resume is not None:
                return resume
        return None

    def _trap(self, err: int, pc: int, interrupt: "tuple[int, int] | None") -> GuestTrap | None:
        mem = self.machine.mem
        if err:
            denied = mem.last_denied
            if denied is not None:
                page, acc, _region = denied
                access = ACCESS_NAMES.get(acc, "access")
                address = self.machine._faults._exact_fault_address(pc, page, access)
                if self.machine.word_size == 8 and 0x0000800000000000 <= address < 0xffff800000000000:
                    return GuestTrap(13, address, access)     # non-canonical: #GP, as on x86-64
                return GuestTrap(PAGE_FAULT_VECTOR, address, access)
            if err in _UNMAPPED:
                return GuestTrap(PAGE_FAULT_VECTOR, None, _UNMAPPED[err])
            return None
        if interrupt is not None and interrupt[0] < 32 and interrupt[0] not in (1, 3):
            return GuestTrap(interrupt[0])
        return None
