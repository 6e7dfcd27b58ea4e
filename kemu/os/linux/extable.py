"""Exception-table fixups: a fault at a module instruction listed in its `__ex_table` resumes
at the entry's fixup (arch/x86/mm/extable.c, 6.1), as inline user accesses need
(`unsafe_get_user`/`unsafe_put_user` between user_access_begin and _end, `__get_user` asm).

Each `struct exception_table_entry` is three ints on both arches: the faulting instruction
and the fixup as displacements from their own fields, and `data` packing the fixup type
(bits 0-7), a register number (8-11, instruction-encoding order: ax cx dx bx sp bp si di
r8…r15), flags (12-15: clear ax, clear dx) and a signed immediate (16-31). The types a
module's own code can carry are handled as the kernel's handlers do (MSR, FPU, SGX,
CLEAR_FS and zero-padded loads in extable_types.py); BPF and the MCE types find no fixup,
so the fault stays an oops.

`Linux.on_fault` is the machine.fault_fixups entry; the table is read once per module.
"""
from __future__ import annotations

from dataclasses import dataclass

from kemu.machine import GuestTrap

from . import extable_types

EX_TABLE = "__ex_table"
EX_TYPE_DEFAULT = 1
EX_TYPE_FAULT = 2
EX_TYPE_UACCESS = 3
EX_TYPE_COPY = 4
EX_TYPE_DEFAULT_MCE_SAFE = 14
EX_TYPE_FAULT_MCE_SAFE = 15
EX_TYPE_POP_REG = 16
EX_TYPE_IMM_REG = 17
EX_TYPE_UCOPY_LEN = 19
EX_FLAG_CLEAR_AX = 1
EX_FLAG_CLEAR_DX = 2
REGISTERS = {"x86_64": ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"),
             "i386": ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi")}


@dataclass(frozen=True)
class ExtableEntry:
    """One exception-table entry, addresses resolved."""

    insn: int
    fixup: int
    data: int

    @property
    def type(self) -> int:
        return self.data & 0xFF

    @property
    def reg(self) -> int:
        return (self.data >> 8) & 0xF

    @property
    def flags(self) -> int:
        return (self.data >> 12) & 0xF

    @property
    def imm(self) -> int:
        imm = (self.data >> 16) & 0xFFFF
        return imm - 0x10000 if imm & 0x8000 else imm


def read_ex_table(system, module) -> dict[int, ExtableEntry]:
    """The module's `__ex_table`, by faulting instruction."""
    placement = next((p for p in module.image.placements if p.name == EX_TABLE and p.size), None)
    if placement is None:
        return {}
    lay, mem = system.layout, system.machine.mem
    size = lay.size("struct exception_table_entry")
    o_insn = lay.offset("struct exception_table_entry", "insn")
    o_fixup = lay.offset("struct exception_table_entry", "fixup")
    o_data = lay.offset("struct exception_table_entry", "data")
    mask = (1 << (8 * system.machine.word_size)) - 1
    table = {}
    for entry in range(placement.addr, placement.addr + placement.size - size + 1, size):
        raw = mem.read(entry, size)
        insn = (entry + o_insn + _s32(raw, o_insn)) & mask
        fixup = (entry + o_fixup + _s32(raw, o_fixup)) & mask
        table[insn] = ExtableEntry(insn, fixup, _s32(raw, o_data) & 0xFFFFFFFF)
    return table


def _s32(raw: bytes, off: int) -> int:
    return int.from_bytes(raw[off:off + 4], "little", signed=True)


def search_exception_tables(system, pc: int) -> ExtableEntry | None:
    """The entry for the instruction at `pc` in the table of the module holding it."""
    module = system.module_at(pc)
    if module is None:
        return None
    table = module.os.get("ex_table")
    if table is None:
        table = module.os["ex_table"] = read_ex_table(system, module)
    return table.get(pc)


def fixup_exception(system, pc: int, trap: GuestTrap) -> int | None:
    """machine.fault_fixups entry (fixup_exception): the pc to resume at, after the entry's
    type has set the registers it names; None when `pc` has no usable entry."""
    entry = search_exception_tables(system, pc)
    if entry is None:
        return None
    regs = system.machine.regs
    names = REGISTERS[system.arch]
    word = system.machine.word_size
    mask = (1 << (8 * word)) - 1
    kind = entry.type
    if kind in (EX_TYPE_FAULT, EX_TYPE_FAULT_MCE_SAFE, EX_TYPE_COPY):
        regs.write(names[0], trap.vector)              # ex_handler_fault: ax = trap number
    elif kind in (EX_TYPE_POP_REG, EX_TYPE_IMM_REG):
        if kind == EX_TYPE_POP_REG:
            regs.write(names[4], (regs.read(names[4]) + word) & mask)
        if entry.reg >= len(names):
            return None
        regs.write(names[entry.reg], entry.imm & mask)
    elif kind == EX_TYPE_UCOPY_LEN:
        if entry.reg >= len(names):
            return None
        regs.write(names[1], (entry.imm * regs.read(names[1]) + regs.read(names[entry.reg])) & mask)
    elif kind in extable_types.HANDLED:
        if not extable_types.apply(system, entry, pc, trap, names):
            return None
    elif kind not in (EX_TYPE_DEFAULT, EX_TYPE_UACCESS, EX_TYPE_DEFAULT_MCE_SAFE):
        return None
    if kind == EX_TYPE_UACCESS and trap.vector == 13:
        system.pr("General protection fault in user access. Non-canonical address?", 4)
    if entry.flags & EX_FLAG_CLEAR_AX:
        regs.write(names[0], 0)
    if entry.flags & EX_FLAG_CLEAR_DX:
        regs.write(names[2], 0)
    return entry.fixup
