"""Parameters at a function's first instructions, before its prologue has stored them.

Unoptimised code describes each parameter by its stack slot in the frame (`DW_OP_fbreg`),
and the prologue fills those slots from the argument registers. On an ABI that passes
arguments in registers (x86-64 System V: rdi, rsi, rdx, rcx, r8, r9), a stop before the
prologue ends — the module's entry point, `break *fibo_read`, a `stepi` into a call — would read
slots not written yet (`lkmtp=0x0` while `$rdi` holds the pointer). There the values are still
in the registers the caller put them in, so frame #0 reads them from there: the same values the
slots will hold once the prologue has run. Arguments on the stack (i386) are in place from the
first instruction and are read where DWARF says.
"""
from __future__ import annotations

from typing import Mapping

from kemu.debug.dwarf_scopes import Variable

#: the integer argument registers, in order, of ABIs that pass arguments in registers
INTEGER_ARGUMENT_REGISTERS: Mapping[str, tuple[str, ...]] = {
    "x86_64": ("rdi", "rsi", "rdx", "rcx", "r8", "r9"),
}


def argument_registers(arch: str, parameters: list[Variable]) -> dict[str, str]:
    """Parameter name → the register that carries it at the call, for the leading integer and
    pointer parameters (assignment stops at the first parameter not passed that way, such as
    a struct or a floating-point value, since the classification after it is not followed)."""
    registers = INTEGER_ARGUMENT_REGISTERS.get(arch, ())
    found: dict[str, str] = {}
    for reg, p in zip(registers, parameters):
        t = p.type
        if t.kind not in ("int", "ptr") or not 0 < t.size <= 8:
            break
        found[p.name] = reg
    return found
