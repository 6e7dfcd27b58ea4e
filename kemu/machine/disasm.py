"""Disassembly with symbols: `call uiomove`, `mov eax, dword ptr [fibo_scs+0x4]`.

capstone is imported when the first instruction is decoded (an oops, the debugger), not when
a machine is made: most runs never disassemble, and every `kemu` command would pay its import.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from .names import symbol_label

_MEM_RE = re.compile(r"\[[^\]]*\]")


@dataclass(frozen=True)
class Insn:
    """One decoded instruction. `op_str` has addresses replaced by symbols where known;
    `raw_op_str` is capstone's text."""

    address: int
    size: int
    bytes: bytes
    mnemonic: str
    op_str: str
    raw_op_str: str
    target: int | None = None  # branch target or absolute/rip-relative memory address

    @property
    def text(self) -> str:
        return f"{self.mnemonic} {self.op_str}".strip()

    def __str__(self) -> str:
        return f"{self.address:#x}: {self.bytes.hex(' '):<24} {self.text}"


class Disassembler:
    """capstone for one arch, symbolizing through `lookup(addr) -> (name, offset) | None`."""

    def __init__(self, arch: str, lookup: Callable[[int], "tuple[str, int] | None"]) -> None:
        self._lookup = lookup
        self._bits = 64 if arch == "x86_64" else 32

    @cached_property
    def _cs(self):
        """The capstone decoder, made (and capstone imported) on first use."""
        import capstone
        cs = capstone.Cs(capstone.CS_ARCH_X86,
                         capstone.CS_MODE_64 if self._bits == 64 else capstone.CS_MODE_32)
        cs.detail = True
        return cs

    def _name(self, addr: int) -> str | None:
        hit = self._lookup(addr)
        return None if hit is None else symbol_label(*hit)

    def decode(self, code: bytes, address: int, count: int) -> list[Insn]:
        out = []
        for ins in self._cs.disasm(code, address, count):
            out.append(self._symbolize(ins))
        return out

    def memory_operands(self, code: bytes, address: int, read_reg: Callable[[str], int]
                        ) -> list[tuple[int, int]]:
        """(effective address, size) of every memory the instruction at `address` touches,
        explicit operands and the implicit stack and string accesses, computed from the
        current registers (`read_reg(name)`). Used to turn the page a fault was reported
        for into the exact address."""
        from capstone import x86_const as CX
        out: list[tuple[int, int]] = []
        mask = (1 << self._bits) - 1
        ws = self._bits // 8
        for ins in self._cs.disasm(code, address, 1):
            for op in ins.operands:
                if op.type != CX.X86_OP_MEM:
                    continue
                mem = op.mem
                if mem.base == CX.X86_REG_RIP:
                    base = ins.address + ins.size
                else:
                    base = read_reg(ins.reg_name(mem.base)) if mem.base else 0
                index = read_reg(ins.reg_name(mem.index)) * mem.scale if mem.index else 0
                out.append(((base + index + mem.disp) & mask, op.size))
            sp = read_reg("rsp" if self._bits == 64 else "esp")
            name = ins.mnemonic
            if name.startswith(("push", "call", "enter")):
                out.append(((sp - ws) & mask, ws))
            elif name.startswith(("pop", "ret", "leave", "iret")):
                out.append((sp, ws))
            if name.startswith(("movs", "stos", "cmps", "scas", "ins", "rep")):
                di = "rdi" if self._bits == 64 else "edi"
                si = "rsi" if self._bits == 64 else "esi"
                out += [(read_reg(di), ws), (read_reg(si), ws)]
        return out

    def _symbolize(self, ins) -> Insn:
        import capstone
        from capstone import x86_const as CX
        op_str = ins.op_str
        target = None
        comment = ""
        try:
            ops = ins.operands
        except capstone.CsError:
            ops = []
        is_branch = ins.group(capstone.CS_GRP_CALL) or ins.group(capstone.CS_GRP_JUMP)
        for op in ops:
            if op.type == CX.X86_OP_IMM:
                value = op.imm & ((1 << self._bits) - 1)
                if is_branch:
                    target = value
                    name = self._name(value)
                    if name:
                        op_str = name
                elif value >= 0x1000:
                    name = self._name(value)
                    if name:
                        comment = f"  ; {name}"
            elif op.type == CX.X86_OP_MEM:
                mem = op.mem
                addr = None
                if mem.base == CX.X86_REG_RIP and mem.index == 0:
                    addr = (ins.address + ins.size + mem.disp) & ((1 << self._bits) - 1)
                elif mem.base == 0 and mem.index == 0:
                    addr = mem.disp & ((1 << self._bits) - 1)
                if addr is not None:
                    target = addr
                    name = self._name(addr)
                    if name:
                        # a function replacement: the name is text, never a template
                        op_str = _MEM_RE.sub(lambda _m, n=name: f"[{n}]", op_str, count=1)
                    elif mem.base == CX.X86_REG_RIP:
                        comment = f"  ; {addr:#x}"
        return Insn(ins.address, ins.size, bytes(ins.bytes), ins.mnemonic, op_str + comment,
                    ins.op_str, target)
