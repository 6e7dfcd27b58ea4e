"""The variables a module's DWARF declares, by function and lexical block.

`info args` lists a function's `DW_TAG_formal_parameter`s, `info locals` the `DW_TAG_variable`s
of the blocks that hold the pc (innermost first, as gdb does), and `p NAME` looks a name up
in the same order, then among the compilation unit's globals and statics. Each variable comes
with its C type (`dwarf_types`) and its location description (`dwarf_locations.Location`),
read from the DWARF as `dwarf_load` relocated it, so every address is a linked one. A
function's children are read the first time a frame in it asks.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from elftools.dwarf.compileunit import CompileUnit
from elftools.dwarf.die import DIE
from elftools.dwarf.dwarf_expr import DWARFExprParser
from elftools.dwarf.dwarfinfo import DWARFInfo
from elftools.dwarf.locationlists import BaseAddressEntry, LocationEntry, LocationExpr, LocationParser

from kemu.debug.dwarf_locations import Location
from kemu.debug.dwarf_types import TypeReader, dwarf_text
from kemu.debug.expr import CType


@dataclass(frozen=True)
class Variable:
    name: str
    type: CType
    location: Location
    is_parameter: bool = False


@dataclass
class Block:
    """A lexical block (or a function's outermost one): its code ranges, variables and sub-blocks."""
    ranges: list[tuple[int, int]]
    variables: list[Variable] = field(default_factory=list)
    blocks: list["Block"] = field(default_factory=list)

    def holds(self, pc: int) -> bool:
        return any(lo <= pc < hi for lo, hi in self.ranges)


@dataclass
class FunctionScope:
    """One function's frame base, parameters and blocks of locals."""
    name: str
    low: int
    high: int
    die: DIE = field(repr=False)
    reader: "ScopeIndex" = field(repr=False)
    _loaded: bool = field(default=False, repr=False)
    _frame_base: Location | None = field(default=None, repr=False)
    _parameters: list[Variable] = field(default_factory=list, repr=False)
    _body: Block | None = field(default=None, repr=False)
    damage: str = ""                  # why its DWARF could not be read ("" when it could)

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            try:
                self._frame_base, self._parameters, self._body = self.reader.read_function(self)
            except Exception as exc:  # pyelftools reports damaged DWARF with many exception types
                self.damage = f"{type(exc).__name__}: {exc}"
                self._body = Block([(self.low, self.high)])

    @property
    def frame_base(self) -> Location | None:
        self._load()
        return self._frame_base

    @property
    def parameters(self) -> list[Variable]:
        self._load()
        return self._parameters

    def locals_at(self, pc: int) -> list[Variable]:
        """The locals in scope at pc, innermost block first (each block in declaration order)."""
        self._load()
        chain: list[Block] = []
        block = self._body
        while block is not None:
            chain.append(block)
            block = next((b for b in block.blocks if b.holds(pc)), None)
        return [v for b in reversed(chain) for v in b.variables]

    def lookup(self, name: str, pc: int) -> Variable | None:
        """A local (innermost first) or parameter named `name`, as C scoping finds it."""
        for v in self.locals_at(pc) + self.parameters:
            if v.name == name:
                return v
        return None


def _name(die: DIE) -> str | None:
    """DW_AT_name, or that of the DIE it is a concrete instance or definition of."""
    for _ in range(4):
        a = die.attributes.get("DW_AT_name")
        if a is not None:
            return dwarf_text(a.value)
        origin = die.attributes.get("DW_AT_abstract_origin") or die.attributes.get("DW_AT_specification")
        if origin is None:
            return None
        die = die.get_DIE_from_attribute(origin.name)
    return None


def _typed_die(die: DIE) -> DIE:
    """The DIE carrying DW_AT_type: the variable itself or its abstract origin / declaration."""
    for _ in range(4):
        if "DW_AT_type" in die.attributes:
            return die
        origin = die.attributes.get("DW_AT_abstract_origin") or die.attributes.get("DW_AT_specification")
        if origin is None:
            return die
        die = die.get_DIE_from_attribute(origin.name)
    return die


class ScopeIndex:
    """Functions (by pc) and globals (by name) of one module's DWARF."""

    def __init__(self, dwarf: DWARFInfo, word: int) -> None:
        self.dwarf = dwarf
        self.types = TypeReader(word)
        self._locations = LocationParser(dwarf.location_lists())
        self._ranges = None
        self.functions: list[FunctionScope] = []
        self._globals: dict[str, Variable] = {}
        self._global_dies: dict[str, DIE] = {}
        for cu in dwarf.iter_CUs():
            for die in cu.get_top_DIE().iter_children():
                if die.tag == "DW_TAG_subprogram":
                    for lo, hi in self.ranges_of(die):
                        self.functions.append(FunctionScope(_name(die) or "??", lo, hi, die, self))
                elif die.tag == "DW_TAG_variable" and ("DW_AT_location" in die.attributes
                                                       or "DW_AT_const_value" in die.attributes):
                    name = _name(die)
                    if name and name not in self._global_dies:
                        self._global_dies[name] = die
        self.functions.sort(key=lambda f: f.low)
        self._lows = [f.low for f in self.functions]

    # ---- questions ------------------------------------------------------------------------
    def function_at(self, pc: int) -> FunctionScope | None:
        """The function holding pc; None outside every function and for one whose DWARF is
        damaged (it is debugged as if it had none: `info locals` says so, nothing raises)."""
        i = bisect.bisect_right(self._lows, pc) - 1
        if i >= 0 and pc < self.functions[i].high:
            function = self.functions[i]
            function._load()
            return None if function.damage else function
        return None

    def global_named(self, name: str) -> Variable | None:
        """A compilation unit's global or static variable (not a function's local static)."""
        if name not in self._globals:
            die = self._global_dies.get(name)
            if die is None:
                return None
            try:
                self._globals[name] = self._variable(die, is_parameter=False)
            except Exception:         # damaged DWARF: as if the variable had no debug info
                self._global_dies.pop(name)
                return None
        return self._globals[name]

    # ---- reading ------------------------------------------------------------------------
    def read_function(self, f: FunctionScope) -> tuple[Location | None, list[Variable], Block]:
        die = f.die
        frame_base = die.attributes.get("DW_AT_frame_base")
        base = self.location(frame_base, die) if frame_base is not None else None
        parameters = [self._variable(c, is_parameter=True) for c in die.iter_children()
                      if c.tag == "DW_TAG_formal_parameter"]
        body = self._block(die, [(f.low, f.high)])
        return base, parameters, body

    def _block(self, die: DIE, ranges: list[tuple[int, int]]) -> Block:
        block = Block(ranges)
        for c in die.iter_children():
            if c.tag == "DW_TAG_variable":
                block.variables.append(self._variable(c, is_parameter=False))
            elif c.tag == "DW_TAG_lexical_block":
                sub_ranges = self.ranges_of(c)
                sub = self._block(c, sub_ranges)
                if sub_ranges:
                    block.blocks.append(sub)
                else:                       # a block without code of its own: its names join ours
                    block.variables.extend(sub.variables)
                    block.blocks.extend(sub.blocks)
        return block

    def _variable(self, die: DIE, is_parameter: bool) -> Variable:
        t = self.types.of(_typed_die(die))
        const = die.attributes.get("DW_AT_const_value")
        if const is not None and isinstance(const.value, int):
            loc = Location(const=const.value)
        elif "DW_AT_location" in die.attributes:
            loc = self.location(die.attributes["DW_AT_location"], die)
        else:
            loc = Location()
        return Variable(_name(die) or "?", t, loc, is_parameter)

    def location(self, attr, die: DIE) -> Location:
        """A DW_AT_location / DW_AT_frame_base as a Location; an unreadable one is no location."""
        cu = die.cu
        parse = DWARFExprParser(cu.structs).parse_expr
        try:
            parsed = self._locations.parse_from_attribute(attr, cu.header.version, die)
            if isinstance(parsed, LocationExpr):
                return Location(ops=tuple(parse(parsed.loc_expr)))
            base = self._cu_base(cu)
            ranges = []
            for entry in parsed:
                if isinstance(entry, BaseAddressEntry):
                    base = entry.base_address
                elif isinstance(entry, LocationEntry):
                    lo, hi = entry.begin_offset, entry.end_offset
                    if not entry.is_absolute:
                        lo, hi = lo + base, hi + base
                    ranges.append((lo, hi, tuple(parse(entry.loc_expr))))
            return Location(ranges=tuple(ranges))
        except Exception:           # pyelftools reports damaged location data in many ways
            return Location()

    def ranges_of(self, die: DIE) -> list[tuple[int, int]]:
        """[lo, hi) code ranges of a function or block: low/high pc, else DW_AT_ranges."""
        low = die.attributes.get("DW_AT_low_pc")
        high = die.attributes.get("DW_AT_high_pc")
        if low is not None and high is not None:
            hi = high.value if high.form == "DW_FORM_addr" else low.value + high.value
            return [(low.value, hi)]
        attr = die.attributes.get("DW_AT_ranges")
        if attr is None:
            return []
        try:
            if self._ranges is None:
                self._ranges = self.dwarf.range_lists()
            base = self._cu_base(die.cu)
            out = []
            for entry in self._ranges.get_range_list_at_offset(attr.value, cu=die.cu):
                if hasattr(entry, "base_address"):
                    base = entry.base_address
                elif entry.is_absolute:
                    out.append((entry.begin_offset, entry.end_offset))
                else:
                    out.append((entry.begin_offset + base, entry.end_offset + base))
            return out
        except Exception:
            return []

    @staticmethod
    def _cu_base(cu: CompileUnit) -> int:
        low = cu.get_top_DIE().attributes.get("DW_AT_low_pc")
        return low.value if low is not None else 0
