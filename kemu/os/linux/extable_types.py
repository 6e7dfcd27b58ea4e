"""The __ex_table handler types extable.py leaves to this file, as 6.1's arch/x86/mm/extable.c
applies them (types from asm/extable_fixup_types.h):

* EX_TYPE_ZEROPAD (load_unaligned_zeropad): a `mov mem, reg` of one long whose load ran off
  the end of a page into an unmapped one. The fixup must be the next instruction, the
  opcode 0x8b with long operands, and the fault address exactly the aligned word after the
  address's own; the register then gets the bytes that are there, zero-filled above
  (aligned word >> 8 * misalignment).
* EX_TYPE_RDMSR / WRMSR (rdmsr/wrmsr with no error path): `unchecked MSR access error: …`
  once per kernel per direction; a read pretends to have read 0 (ax = dx = 0).
  EX_TYPE_RDMSR_SAFE / WRMSR_SAFE: the same without the message, and the entry's register
  gets -EIO. (Unicorn raises no #GP for an MSR it lacks, so these fire only when the
  instruction carrying the entry faults some other way; the MSR services decide from
  cpu.IMPLEMENTED_MSRS instead.)
* EX_TYPE_CLEAR_FS (loadsegment(fs, …) of a bad selector): %fs := 0.
* EX_TYPE_FPU_RESTORE: `Bad FPU state detected at …, reinitializing FPU registers.` (a
  WARN_ONCE, taint W), then the x87/SSE state is reset to its init values.
* EX_TYPE_FAULT_SGX: ax := trap number | SGX_ENCLS_FAULT_FLAG.

Not applied (the fault stays an oops): EX_TYPE_BPF (only BPF JIT images carry it, never a
module's __ex_table) and the *_IN_MCE types (machine-check context, a panic there).
"""
from __future__ import annotations

EX_TYPE_CLEAR_FS = 5
EX_TYPE_FPU_RESTORE = 6
EX_TYPE_WRMSR = 8
EX_TYPE_RDMSR = 9
EX_TYPE_WRMSR_SAFE = 10
EX_TYPE_RDMSR_SAFE = 11
EX_TYPE_FAULT_SGX = 18
EX_TYPE_ZEROPAD = 20
HANDLED = (EX_TYPE_CLEAR_FS, EX_TYPE_FPU_RESTORE, EX_TYPE_WRMSR, EX_TYPE_RDMSR, EX_TYPE_WRMSR_SAFE,
           EX_TYPE_RDMSR_SAFE, EX_TYPE_FAULT_SGX, EX_TYPE_ZEROPAD)
SGX_ENCLS_FAULT_FLAG = 0x40000000
EIO = 5
MAX_INSN_SIZE = 15
PAGE_FAULT = 14
TAINT_WARN = "W"


def apply(system, entry, pc: int, trap, names: tuple[str, ...]) -> bool:
    """Set the registers `entry`'s type sets for a fault at `pc`; False when the handler
    declines (the fault then stays an oops). The caller applies the default part (flags,
    resuming at the fixup)."""
    regs, word = system.machine.regs, system.machine.word_size
    mask = (1 << (8 * word)) - 1
    kind = entry.type
    if kind == EX_TYPE_ZEROPAD:
        return _zeropad(system, entry, pc, trap)
    if kind in (EX_TYPE_RDMSR, EX_TYPE_WRMSR, EX_TYPE_RDMSR_SAFE, EX_TYPE_WRMSR_SAFE):
        wrmsr = kind in (EX_TYPE_WRMSR, EX_TYPE_WRMSR_SAFE)
        safe = kind in (EX_TYPE_RDMSR_SAFE, EX_TYPE_WRMSR_SAFE)
        if not safe:
            _unchecked_msr_message(system, wrmsr, pc, names)
        if not wrmsr:
            regs.write(names[0], 0)                    # pretend the read succeeded with 0
            regs.write(names[2], 0)
        if safe:
            if entry.reg >= len(names):
                return False
            regs.write(names[entry.reg], -EIO & mask)
        return True
    if kind == EX_TYPE_CLEAR_FS:
        regs.write("fs", 0)
        return True
    if kind == EX_TYPE_FPU_RESTORE:
        _fpu_reset(system, pc)
        return True
    if kind == EX_TYPE_FAULT_SGX:
        regs.write(names[0], trap.vector | SGX_ENCLS_FAULT_FLAG)
        return True
    return False


def _once(system, key: str) -> bool:
    """True the first time `key` is asked on this kernel (__ONCE_LITE_IF, WARN_ONCE)."""
    seen = vars(system).setdefault("extable_once", set())
    if key in seen:
        return False
    seen.add(key)
    return True


def _unchecked_msr_message(system, wrmsr: bool, pc: int, names: tuple[str, ...]) -> None:
    regs = system.machine.regs
    ecx = regs.read(names[1]) & 0xFFFFFFFF
    where = f"at rIP: {pc:#x} ({system.machine.symbolize(pc)})"
    if wrmsr and _once(system, "wrmsr"):
        system.pr(f"unchecked MSR access error: WRMSR to {ecx:#x} (tried to write "
                  f"0x{regs.read(names[2]) & 0xFFFFFFFF:08x}{regs.read(names[0]) & 0xFFFFFFFF:08x}) {where}", 4)
    elif not wrmsr and _once(system, "rdmsr"):
        system.pr(f"unchecked MSR access error: RDMSR from {ecx:#x} {where}", 4)


def _fpu_reset(system, pc: int) -> None:
    """fpu_reset_from_exception_fixup: the x87 and SSE state as fninit and init_fpstate
    leave it."""
    if _once(system, "fpu"):
        system.pr("------------[ cut here ]------------", 4)
        system.pr(f"Bad FPU state detected at {system.machine.symbolize(pc)}, reinitializing FPU registers.", 4)
        system.add_taint(TAINT_WARN)
    from unicorn import x86_const as X
    uc = system.machine.uc
    for reg, value in ((X.UC_X86_REG_FPCW, 0x37F), (X.UC_X86_REG_FPSW, 0), (X.UC_X86_REG_FPTAG, 0xFFFF),
                       (X.UC_X86_REG_MXCSR, 0x1F80)):
        uc.reg_write(reg, value)


def _zeropad(system, entry, pc: int, trap) -> bool:
    """ex_handler_zeropad: see the module docstring."""
    if trap.vector != PAGE_FAULT or trap.address is None:
        return False
    length = entry.fixup - pc
    if not 0 < length <= MAX_INSN_SIZE:
        return False
    m, word = system.machine, system.machine.word_size
    insn = _decode(m, pc, length)
    if insn is None or insn.size != length or insn.opcode[0] != 0x8B:
        return False
    import capstone.x86 as x86
    dst, src = insn.operands if len(insn.operands) == 2 else (None, None)
    if dst is None or dst.type != x86.X86_OP_REG or src.type != x86.X86_OP_MEM or dst.size != word:
        return False
    mem = src.mem
    regs = m.regs
    addr = mem.disp
    if mem.base:
        addr += (pc + length) if insn.reg_name(mem.base) in ("rip", "eip") else regs.read(insn.reg_name(mem.base))
    if mem.index:
        addr += regs.read(insn.reg_name(mem.index)) * mem.scale
    addr &= (1 << (8 * word)) - 1
    offset, aligned = addr & (word - 1), addr & ~(word - 1)
    if trap.address != aligned + word:
        return False
    value = int.from_bytes(m.mem.read(aligned, word), "little") >> (8 * offset)
    regs.write(insn.reg_name(dst.reg), value)
    return True


def _decode(machine, pc: int, length: int):
    import capstone
    mode = capstone.CS_MODE_64 if machine.word_size == 8 else capstone.CS_MODE_32
    cs = capstone.Cs(capstone.CS_ARCH_X86, mode)
    cs.detail = True
    return next(cs.disasm(machine.mem.read(pc, length), pc, 1), None)
