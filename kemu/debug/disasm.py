"""Disassembly as the debugger shows it: address, symbol label and symbolized instruction.

The machine's disassembler already writes `call uiomove` instead of a stub address; this adds
the `<fibo_read+12>` label of each address and the two ways commands ask for code: a byte
range (`disassemble`, a function) or a number of instructions (`x/5i`, the panel's code
window when the function start is unknown).
"""
from __future__ import annotations

from kemu.debug.symbols import SymbolIndex

Line = tuple[int, "str | None", str]          # (address, label, text)


def insn_text(ins) -> str:
    """`mov    eax, dword ptr [ebp + 8]`: mnemonic padded like gdb's, then the operands."""
    return f"{ins.mnemonic:<6} {ins.op_str}".rstrip()


def disassemble(machine, symbols: SymbolIndex, addr: int, n: int, count_mode: bool = False) -> list[Line]:
    """(address, label, text) for instructions: `count_mode` n instructions, else n bytes' worth."""
    if count_mode:
        insns = machine.disassemble(addr, n)
    else:
        insns = []
        cur = addr
        end = addr + n
        while cur < end:
            chunk = machine.disassemble(cur, 32)
            if not chunk:
                break
            for ins in chunk:
                if ins.address >= end:
                    break
                insns.append(ins)
            cur = chunk[-1].address + chunk[-1].size
            if chunk[-1].address >= end:
                break
    return [(ins.address, symbols.label(ins.address), insn_text(ins)) for ins in insns]


def code_window(machine, symbols: SymbolIndex, pc: int, before: int = 3, after: int = 6) -> list[Line]:
    """A few instructions before pc and more after it, decoded from the function's start so
    the ones before pc are real instruction boundaries (from pc itself when it has none)."""
    start = symbols.function_start(pc)
    insns = []
    if start is not None and 0 <= pc - start < 0x2000:
        try:
            insns = disassemble(machine, symbols, start, max(1, pc - start + 64))
        except Exception:
            insns = []
    idx = next((i for i, ins in enumerate(insns) if ins[0] == pc), None)
    if idx is None:
        try:
            insns = disassemble(machine, symbols, pc, after + 1, count_mode=True)
        except Exception:
            return []
        idx = 0
    return insns[max(0, idx - before): idx + after + 1]
