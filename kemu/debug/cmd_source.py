"""Source commands: list, info line, info source — the module's C text through its DWARF.

`list` keeps gdb's habits: ten lines around a place, a bare `list` goes on where the last one
stopped, `list -` goes back; the file it shows becomes the default for `break LINE`. Source
files are found as the compiler recorded them or by trailing path under the search directories.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kemu.debug.command_table import CommandGroup, Handler, InfoHandler
from kemu.debug.commands import CommandError
from kemu.debug.source import SourceLocation, SourceMap

if TYPE_CHECKING:
    from kemu.debug.session import Session


class SourceCommands(CommandGroup):

    def __init__(self, s: "Session") -> None:
        super().__init__(s)
        self.list_file: str | None = None     # the file `list` shows (gdb's default source file)
        self.list_last = 0                    # the last line listed

    def commands(self) -> dict[str, Handler]:
        return {"list": self.list}

    def info_commands(self) -> dict[str, InfoHandler]:
        return {"line": self.info_line, "source": self.info_source}

    def _current_location(self) -> "SourceLocation | None":
        s = self.s
        return s.symbols.location(s.dbg.pc) if s.dbg.stopped else None

    def list(self, args: str, fmt: str) -> None:
        s = self.s
        args = args.strip()
        maps = s.symbols.source_maps()
        if not maps:
            raise CommandError("No symbol table is loaded.  Use the \"file\" command.")
        first = last = None
        if not args:
            if self.list_file is None:
                loc = self._current_location()
                if loc is None:
                    raise CommandError("No default source file; use \"list FUNCTION\" or \"list FILE:LINE\".")
                self.list_file = loc.file
                first = max(1, loc.line - 5)
            else:
                first = self.list_last + 1
        elif args == "-":
            if self.list_file is None:
                raise CommandError("No default source file.")
            first = max(1, self.list_last - 19)
        elif re.fullmatch(r"\d+\s*,\s*\d+", args):
            a, b = (int(x) for x in args.split(","))
            first, last = a, b
            if self.list_file is None:
                loc = self._current_location()
                self.list_file = loc.file if loc else maps[0].files()[0]
        else:
            first = max(1, self._center(args, maps) - 5)
        if last is None:
            last = first + 9
        lines = s.symbols.source_lines(self.list_file)
        if lines is None:
            raise CommandError(f"{self.list_file}: No such file or directory.")
        if first > len(lines):
            raise CommandError(f"Line number {first} out of range; \"{self.list_file}\" has {len(lines)} lines.")
        for n in range(first, min(last, len(lines)) + 1):
            s.say(f"{n}\t{lines[n - 1]}")
        self.list_last = min(last, len(lines))

    def _center(self, args: str, maps: list[SourceMap]) -> int:
        """The line `list FILE:LINE | LINE | FUNCTION` centres on; sets the file listed."""
        m = re.fullmatch(r"(.+):(\d+)", args)
        if m:
            for sm in maps:
                files = sm.match_file(m.group(1))
                if files:
                    self.list_file = files[0]
                    return int(m.group(2))
            raise CommandError(f"No source file named {m.group(1)}.")
        if args.isdigit():
            if self.list_file is None:
                loc = self._current_location()
                self.list_file = loc.file if loc else maps[0].files()[0]
            return int(args)
        addr = self.s.locations.resolve(args)[0][0]
        sm = self.s.symbols.source_for(addr)
        f = sm.function_at(addr) if sm else None
        if f is None or f.file is None:
            raise CommandError(f'Function "{args}" has no line information.')
        self.list_file = f.file
        return f.line or 1

    def info_line(self, rest: str) -> None:
        s = self.s
        if rest:
            addr = s.locations.resolve(rest)[0][0]
        else:
            s.need_stop()
            addr = s.dbg.pc
        sm = s.symbols.source_for(addr)
        loc = sm.location(addr) if sm else None
        label = s.symbols.label
        if loc is None:
            s.say(f"No line number information available for address {addr:#x} <{label(addr)}>")
            return
        ranges = sm.line_ranges(loc.file, loc.line)
        span = next(((lo, hi) for lo, hi in ranges if lo <= addr < hi), ranges[0] if ranges else (addr, addr))
        s.say(f'Line {loc.line} of "{loc.basename}" starts at address {span[0]:#x} <{label(span[0])}> '
              f"and ends at {span[1]:#x} <{label(span[1])}>.")

    def info_source(self, rest: str) -> None:
        s = self.s
        loc = self._current_location()
        if loc is None:
            s.say("No current source file.")
            return
        sm = s.symbols.source_for(s.dbg.pc)
        path = sm.find_source(loc.file) if sm else None
        s.say(f"Current source file is {loc.file}")
        s.say(f"Located in {path.resolve() if path else '(not found)'}")
