"""Where `break`, `until`, `advance`, `list` and `info line` point: gdb's location forms.

`*EXPR` is an address; `FUNC` is the function's first line after its prologue (as gdb puts
`break fibo_read`), `FUNC+OFF` an exact address; `FILE:LINE` and a bare `LINE` (in the
current file) go through the DWARF line table, moving a line without code to the next one
with code. Each resolved address comes with the words a breakpoint listing shows for it.
"""
from __future__ import annotations

import os
import re
from typing import Callable

from kemu.debug.commands import CommandError
from kemu.debug.expr import Evaluator
from kemu.debug.core import Debugger
from kemu.debug.symbols import SymbolIndex


class LocationResolver:
    """Resolves location text against the loaded modules' symbols and line tables."""

    def __init__(self, symbols: SymbolIndex, dbg: Debugger, evaluator: Evaluator,
                 default_file: Callable[[], "str | None"]):
        self.symbols = symbols
        self.dbg = dbg
        self.evaluator = evaluator
        self.default_file = default_file      # the file `list` last showed

    def _stopped_pc(self) -> int | None:
        return self.dbg.pc if self.dbg.stopped is not None else None

    def resolve(self, text: str) -> list[tuple[int, str]]:
        """Addresses for a breakpoint location: *EXPR, FUNC, FUNC+OFF, FILE:LINE, LINE."""
        text = text.strip()
        if not text:
            pc = self._stopped_pc()
            if pc is None:
                raise CommandError("No default breakpoint address now.")
            return [(pc, self.label_or_hex(pc))]
        if text.startswith("*"):
            addr = self.evaluator.address_of(text[1:])
            return [(addr, self.label_or_hex(addr))]
        m = re.fullmatch(r"(.+):(\d+)", text)
        if m:
            return self.line_location(m.group(1), int(m.group(2)))
        if text.isdigit():
            pc = self._stopped_pc()
            loc = self.symbols.location(pc) if pc is not None else None
            file = loc.file if loc else self.default_file()
            if file is None:
                raise CommandError("No symbol table is loaded.  Use the \"file\" command.")
            return self.line_location(file, int(text))
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_.$]*)\s*(?:([+-])\s*(0x[0-9a-fA-F]+|\d+))?", text)
        if m:
            return [self._symbol_location(m.group(1), m.group(2), m.group(3))]
        addr = self.evaluator.address_of(text)
        return [(addr, self.label_or_hex(addr))]

    def _symbol_location(self, name: str, sign: str | None, offset: str | None) -> tuple[int, str]:
        sym = self.symbols.lookup(name)
        if sym is None:
            raise CommandError(f'Function "{name}" not defined.')
        addr = sym.addr
        if sign:
            off = int(offset, 0)
            addr = addr + off if sign == "+" else addr - off
            return addr, self.label_or_hex(addr)
        sm = self.symbols.source_for(addr)
        func = sm.function_named(name) if sm is not None else None
        if func is not None and func.low == addr:
            addr = sm.after_prologue(func)
        return addr, self.label_or_hex(addr)

    def line_location(self, file: str, line: int) -> list[tuple[int, str]]:
        """The addresses of FILE:LINE (one per function holding it), as `fibo.c:LINE` used."""
        maps = self.symbols.source_maps()
        if not maps:
            raise CommandError("No symbol table is loaded.  Use the \"file\" command.")
        for sm in maps:
            files = sm.match_file(file)
            for f in files:
                used, addrs = sm.addresses_for_line(f, line)
                if addrs:
                    return [(a, f"{os.path.basename(f)}:{used}") for a in addrs]
            if files:
                raise CommandError(f"Line {line} out of range; \"{file}\" has no code at or after it.")
        raise CommandError(f'No source file named {file}.')

    def label_or_hex(self, addr: int) -> str:
        lab = self.symbols.label(addr)
        return f"<{lab}>" if lab else f"{addr:#x}"

    def describe(self, addr: int) -> str:
        """`0x… : file fibo.c, line 150.` or `0x… <fibo_read+6>`, as `break` confirms."""
        loc = self.symbols.location(addr)
        fn = self.symbols.function_name(addr)
        text = f"{addr:#x}"
        if fn:
            text += f": file {loc.basename}, line {loc.line}." if loc else f" <{self.symbols.label(addr)}>"
        return text
