"""A frame's parameters and locals as values: what `bt`, `info args`, `info locals` and `p` show.

The unwinder gives each frame the registers it could recover and its CFA; the DWARF scopes
give each function its variables and their locations. This reads one against the other:
frame #0 with the live registers, an outer frame with the registers as they were in it (a
caller-saved register there is `<not saved>`), and its scopes picked at `pc - 1`, the call
instruction, as gdb does, since the return address may already be in the next block.
"""
from __future__ import annotations

from typing import Callable

from kemu.debug.dwarf_locations import FrameState, LocationEvaluator, Place
from kemu.debug.dwarf_scopes import FunctionScope, Variable
from kemu.debug.entry_arguments import argument_registers
from kemu.debug.expr import CType, Value
from kemu.debug.frames import Frame
from kemu.debug.symbols import SymbolIndex


def typed_int(raw: int, t: CType) -> int:
    """`raw` cut to the type's size and read signed when the type is."""
    size = max(1, t.size)
    raw &= (1 << (8 * size)) - 1
    if t.signed and t.kind == "int" and raw >> (8 * size - 1):
        raw -= 1 << (8 * size)
    return raw


class FrameVariables:
    """Reads the DWARF variables of guest frames."""

    def __init__(self, symbols: SymbolIndex, arch: str, read_memory: Callable[[int, int], bytes]) -> None:
        self.symbols = symbols
        self.read_memory = read_memory
        self.arch = arch
        self.locations = LocationEvaluator(arch)

    # ---- which function, which pc ---------------------------------------------------------
    @staticmethod
    def scope_pc(frame: Frame) -> int:
        """The pc whose blocks are in scope: a caller's is its call instruction (pc - 1)."""
        return frame.pc if frame.level == 0 else frame.pc - 1

    def scope(self, frame: Frame) -> FunctionScope | None:
        return self.symbols.function_scope(self.scope_pc(frame))

    def state(self, frame: Frame) -> FrameState:
        return FrameState(self.scope_pc(frame), frame.regs, frame.cfa)

    def frame_base(self, frame: Frame) -> int | None:
        """DW_AT_frame_base of the frame's function evaluated in the frame (`info frame`'s Arglist)."""
        scope = self.scope(frame)
        if scope is None:
            return None
        place = self.locations.frame_base(scope.frame_base, self.state(frame))
        return place.value if place.kind == "value" else None

    # ---- values ---------------------------------------------------------------------------
    def arguments(self, frame: Frame) -> list[tuple[str, Value]] | None:
        """The parameters of the frame's function with their values; None without DWARF for it."""
        scope = self.scope(frame)
        if scope is None:
            return None
        state = self.state(frame)
        in_registers = self.in_argument_registers(frame, scope)
        return [(v.name, self.register_argument(v, in_registers[v.name], frame) if v.name in in_registers
                 else self.value(v, state, scope, frame.level)) for v in scope.parameters]

    def in_argument_registers(self, frame: Frame, scope: FunctionScope) -> dict[str, str]:
        """Parameters still in their argument registers (frame #0 before the prologue has
        stored them: `entry_arguments`), by name → register; empty anywhere else."""
        if frame.level != 0:
            return {}
        source = self.symbols.source_for(frame.pc)
        function = source.function_at(frame.pc) if source is not None else None
        if function is None or frame.pc >= source.after_prologue(function):
            return {}
        state = self.state(frame)
        found = argument_registers(self.arch, scope.parameters)
        return {name: reg for name, reg in found.items() if reg in frame.regs and self.locations.place(
            next(v for v in scope.parameters if v.name == name).location, state, scope.frame_base).kind == "mem"}

    def register_argument(self, var: Variable, register: str, frame: Frame) -> Value:
        return Value(typed_int(frame.regs[register], var.type), var.type, lval=("reg", register))

    def locals(self, frame: Frame) -> list[tuple[str, Value]] | None:
        """The locals in scope at the frame's pc, innermost block first; None without DWARF."""
        scope = self.scope(frame)
        if scope is None:
            return None
        state = self.state(frame)
        return [(v.name, self.value(v, state, scope, frame.level))
                for v in scope.locals_at(state.pc)]

    def lookup(self, frame: Frame | None, name: str) -> Value | None:
        """`name` as C scoping finds it from the frame: a local, a parameter, then a global."""
        if frame is not None:
            scope = self.scope(frame)
            if scope is not None:
                state = self.state(frame)
                v = scope.lookup(name, state.pc)
                if v is not None:
                    if v.is_parameter:
                        register = self.in_argument_registers(frame, scope).get(v.name)
                        if register is not None:
                            return self.register_argument(v, register, frame)
                    return self.value(v, state, scope, frame.level)
        g = self.symbols.global_variable(name)
        if g is None:
            return None
        place = self.locations.place(g.location, FrameState(0, {}, None), None)
        return self._value_at(place, g, frame_level=None)

    def value(self, var: Variable, state: FrameState, scope: FunctionScope, frame_level: int) -> Value:
        place = self.locations.place(var.location, state, scope.frame_base)
        return self._value_at(place, var, frame_level)

    def _value_at(self, place: Place, var: Variable, frame_level: int | None) -> Value:
        t = var.type
        if place.kind == "unavailable":
            return Value(0, t, unavailable=place.why)
        if place.kind == "value":
            return Value(typed_int(place.value, t), t)
        if place.kind == "reg":
            if t.aggregate or t.kind == "float":
                return Value(0, t, unavailable="<optimized out>")   # a struct in registers: not read here
            lval = ("reg", place.register) if frame_level == 0 else None   # only frame 0's registers are live
            return Value(typed_int(place.value, t), t, lval=lval)
        if t.aggregate:
            return Value(place.address, t, lval=("mem", place.address))
        try:
            data = self.read_memory(place.address, t.size)
        except Exception:
            return Value(0, t, unavailable="<error reading variable: Cannot access memory at address "
                                           f"{place.address:#x}>")
        return Value(typed_int(int.from_bytes(data, "little"), t), t, lval=("mem", place.address))
