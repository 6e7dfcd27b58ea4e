"""The stopped guest as the debugger reads it: registers by role, memory, instructions, frames.

Everything that looks at the guest without changing how it runs: the engine asks it where
the pc is and what instruction comes next, the unwinder where the caller's frame is, and the
frontends read registers and memory through the same names. Register names come from
`registers` so an arch is described once.
"""
from __future__ import annotations

import capstone

from kemu.debug.frames import Frame, Unwinder, UnwindTables
from kemu.debug.registers import arch_registers
from kemu.debug.symbols import SymbolIndex


class GuestView:
    """Reading one machine's registers, memory and call frames."""

    def __init__(self, machine, symbols: SymbolIndex) -> None:
        self.m = machine
        self.arch = machine.arch
        self.reg_names = arch_registers(self.arch)
        self.word = self.reg_names.word
        self.mask = self.reg_names.mask
        self.pc_name, self.sp_name = self.reg_names.pc, self.reg_names.sp
        self.fp_name, self.ret_name = self.reg_names.fp, self.reg_names.ret
        self.symbols = symbols
        self.unwind_tables = UnwindTables()
        self._cs = capstone.Cs(capstone.CS_ARCH_X86,
                               capstone.CS_MODE_64 if self.arch == "x86_64" else capstone.CS_MODE_32)
        self._insn_cache: dict[int, tuple[int, str]] = {}
        self.unwinder = Unwinder(self.arch, self.read_ptr, self.unwind_tables,
                                 self.symbols.function_start, self.symbols.in_module_code,
                                 self._read_code)

    def read_ptr(self, addr: int) -> int:
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
        return {n: self.reg(n) for n in self.reg_names.unwind}

    def frames(self, limit: int = 64) -> list[Frame]:
        return self.unwinder.frames(self.regs_for_unwind(), limit)

    def caller(self) -> tuple[int, int] | None:
        """(return address, CFA) of the current frame, or None when it cannot be unwound."""
        return self.unwinder.caller_of(self.regs_for_unwind())

    def decode(self, addr: int) -> tuple[int, str]:
        """(size, mnemonic) of the instruction at addr, cached: module code does not change."""
        hit = self._insn_cache.get(addr)
        if hit is None:
            code = self.m.mem.read(addr, 16)
            insn = next(self._cs.disasm(code, addr, 1), None)
            hit = (insn.size, insn.mnemonic) if insn is not None else (1, "(bad)")
            self._insn_cache[addr] = hit
        return hit
