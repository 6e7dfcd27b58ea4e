"""Where a variable lives in one frame: DWARF location descriptions, evaluated.

gcc and clang at -O0 describe every parameter and local with one operation: `DW_OP_fbreg N`
(N bytes from the function's frame base, itself `DW_OP_call_frame_cfa` for gcc and
`DW_OP_reg5`/`DW_OP_reg6` — ebp/rbp — for clang) or a register (`DW_OP_regN`). Those, with
`DW_OP_bregN`, `DW_OP_addr` (a static) and a constant value, are what this evaluates, in a
location list as well as alone. Anything else — a computed expression, a piece, an entry
value — is `<optimized out>` rather than a guess, and a location that needs a register the
unwinder could not recover for an outer frame is `<not saved>`, gdb's two words for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from elftools.dwarf.dwarf_expr import DWARFExprOp

from kemu.debug.frames import DWARF_REGS

OPTIMIZED_OUT = "<optimized out>"
NOT_SAVED = "<not saved>"


@dataclass(frozen=True)
class Location:
    """A variable's location as the DWARF gives it: one expression, a list by pc range, or a
    constant (`DW_AT_const_value`). `None` expression and no ranges: no location at all."""
    ops: tuple[DWARFExprOp, ...] | None = None
    ranges: tuple[tuple[int, int, tuple[DWARFExprOp, ...]], ...] | None = None   # [lo, hi)
    const: int | None = None

    def ops_at(self, pc: int) -> tuple[DWARFExprOp, ...] | None:
        """The expression in force at pc (None outside every range of a location list)."""
        if self.ranges is None:
            return self.ops
        for lo, hi, ops in self.ranges:
            if lo <= pc < hi:
                return ops
        return None


@dataclass(frozen=True)
class FrameState:
    """What a frame's locations are evaluated against."""
    pc: int                          # the pc that picks scopes and list entries (a caller's: pc - 1)
    regs: Mapping[str, int]          # the registers known in this frame
    cfa: int | None


@dataclass(frozen=True)
class Place:
    """Where a value is: in memory, in a register, known outright, or not available."""
    kind: str                        # "mem" | "reg" | "value" | "unavailable"
    address: int = 0                 # "mem"
    register: str = ""               # "reg"
    value: int = 0                   # "value"
    why: str = OPTIMIZED_OUT         # "unavailable": what to print instead


def _unavailable(why: str = OPTIMIZED_OUT) -> Place:
    return Place("unavailable", why=why)


class LocationEvaluator:
    """Evaluates frame bases and variable locations for one arch."""

    def __init__(self, arch: str) -> None:
        self.regnames = DWARF_REGS[arch]
        self.mask = (1 << (64 if arch == "x86_64" else 32)) - 1

    def _register(self, op: DWARFExprOp) -> str | None:
        """The register a DW_OP_regN/bregN/regx/bregx names."""
        name = op.op_name
        if name in ("DW_OP_regx", "DW_OP_bregx"):
            number = op.args[0]
        else:
            number = int(name[len("DW_OP_breg" if name.startswith("DW_OP_breg") else "DW_OP_reg"):])
        return self.regnames.get(number)

    def frame_base(self, location: Location | None, frame: FrameState) -> Place:
        """The value of DW_AT_frame_base in this frame, as a "value" Place."""
        if location is None:
            return _unavailable()
        ops = location.ops_at(frame.pc)
        if not ops or len(ops) != 1:
            return _unavailable()
        op = ops[0]
        if op.op_name == "DW_OP_call_frame_cfa":
            return Place("value", value=frame.cfa) if frame.cfa is not None else _unavailable(NOT_SAVED)
        if op.op_name.startswith("DW_OP_reg") or op.op_name.startswith("DW_OP_breg"):
            reg = self._register(op)
            if reg is None:
                return _unavailable()
            if reg not in frame.regs:
                return _unavailable(NOT_SAVED)
            offset = op.args[-1] if op.op_name.startswith("DW_OP_breg") else 0
            return Place("value", value=(frame.regs[reg] + offset) & self.mask)
        return _unavailable()

    def place(self, location: Location, frame: FrameState, frame_base: Location | None) -> Place:
        """Where the variable with `location` is in this frame."""
        if location.const is not None:
            return Place("value", value=location.const)
        ops = location.ops_at(frame.pc)
        if not ops or len(ops) != 1:
            return _unavailable()
        op = ops[0]
        name = op.op_name
        if name == "DW_OP_fbreg":
            base = self.frame_base(frame_base, frame)
            if base.kind != "value":
                return base
            return Place("mem", address=(base.value + op.args[0]) & self.mask)
        if name == "DW_OP_addr":
            return Place("mem", address=op.args[0])
        if name.startswith("DW_OP_breg"):
            reg = self._register(op)
            if reg is None:
                return _unavailable()
            if reg not in frame.regs:
                return _unavailable(NOT_SAVED)
            return Place("mem", address=(frame.regs[reg] + op.args[-1]) & self.mask)
        if name.startswith("DW_OP_reg"):
            reg = self._register(op)
            if reg is None:
                return _unavailable()
            if reg not in frame.regs:
                return _unavailable(NOT_SAVED)
            return Place("reg", register=reg, value=frame.regs[reg])
        return _unavailable()
