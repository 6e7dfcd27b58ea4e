"""What a module's code looks like to coverage: its instructions, lines, functions, branches.

Built once per object (and reused for every load of the same bytes: addresses are kept
relative to the module's base) from the linked image and the DWARF line table the debugger
reads (kemu.link.source_lines). The text is decoded straight through, section by section; a
line "holds code" when at least one decoded instruction maps to it, so a line that ran always
holds code. `fold` turns the blocks a run executed into lcov counts (kemu.kernel.lcov).
"""
from __future__ import annotations

import bisect
import hashlib
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from kemu.elf.constants import SHF_EXECINSTR
from kemu.machine.code_shape import Instruction, decode

from .lcov import Coverage

#: (previous block's end, block start, block size) -> times run, all relative to the base
BlockCounts = dict[tuple[int, int, int], int]


@dataclass(frozen=True)
class Branch:
    """A conditional branch of the module: lcov's BRDA line, block and its two outcomes."""

    at: int            # relative address of the instruction
    file: str
    line: int
    block: int         # its index among the conditional branches of that line
    target: int        # where it goes when taken (relative)
    fallthrough: int   # where it goes when not (relative)


@dataclass(frozen=True)
class Function:
    name: str
    at: int            # relative address
    file: str
    line: int


class ModuleMap:
    """The static coverage facts of one linked module (relative addresses)."""

    def __init__(self, arch: str, code: bytes, text: list[tuple[int, int]], locate, functions: Iterable[tuple[str, int]]):
        self.arch = arch
        self.code = code
        self.text = text                              # [(start, end)) executable ranges
        self.insns: list[Instruction] = []
        for start, end in text:
            self.insns += _sweep(arch, code[start:end], start)
        self.insns.sort(key=lambda i: i.address)
        self.starts = [i.address for i in self.insns]
        self.line_of: dict[int, tuple[str, int]] = {}
        for insn in self.insns:
            where = locate(insn.address)
            if where is not None and where[1] > 0:
                self.line_of[insn.address] = where
        self.found: dict[str, set[int]] = defaultdict(set)
        for file, line in self.line_of.values():
            self.found[file].add(line)
        self.branches: dict[int, Branch] = {}         # keyed by fallthrough address
        per_line: dict[tuple[str, int], int] = defaultdict(int)
        for insn in self.insns:
            where = self.line_of.get(insn.address)
            if insn.conditional and where is not None:
                block = per_line[where]
                per_line[where] += 1
                self.branches[insn.fallthrough] = Branch(insn.address, where[0], where[1], block,
                                                         insn.target, insn.fallthrough)
        self.functions = []
        for name, at in functions:
            where = self.line_of.get(at) or locate(at)
            if where is not None and where[1] > 0:
                self.functions.append(Function(name, at, where[0], where[1]))

    @property
    def has_lines(self) -> bool:
        return bool(self.line_of)

    def block_instructions(self, start: int, size: int) -> list[Instruction]:
        """The instructions of the block [start, start+size): from the sweep when the block
        starts on an instruction it found, else decoded from the bytes themselves."""
        i = bisect.bisect_left(self.starts, start)
        if i < len(self.starts) and self.starts[i] == start:
            j = bisect.bisect_left(self.starts, start + size, i)
            return self.insns[i:j]
        return decode(self.arch, self.code[start:start + size], start)

    def fold(self, blocks: BlockCounts) -> tuple[Coverage, int]:
        """lcov counts for one run: (coverage, instructions run that have no line)."""
        per_block: dict[tuple[int, int], int] = defaultdict(int)
        for (_prev, start, size), count in blocks.items():
            per_block[(start, size)] += count
        ran: dict[int, int] = defaultdict(int)
        for (start, size), count in per_block.items():
            for insn in self.block_instructions(start, size):
                ran[insn.address] += count
        cov = Coverage()
        for file, lines in self.found.items():
            fc = cov.file(file)
            for line in lines:
                fc.lines[line] = 0
        unplaced = 0
        for addr, count in ran.items():
            where = self.line_of.get(addr)
            if where is None:
                unplaced += 1
                continue
            fc = cov.file(where[0])
            fc.lines[where[1]] = max(fc.lines.get(where[1], 0), count)
        for f in self.functions:
            cov.file(f.file).functions[f.name] = [f.line, ran.get(f.at, 0)]
        outcomes: dict[int, list[int]] = {}
        for (prev, start, _size), count in blocks.items():
            br = self.branches.get(prev)
            if br is None:
                continue
            pair = outcomes.setdefault(prev, [0, 0])
            if start == br.target:
                pair[0] += count
            elif start == br.fallthrough:
                pair[1] += count
        for fall, br in self.branches.items():
            fc = cov.file(br.file)
            if ran.get(br.at, 0) == 0:
                taken = (None, None)
            else:
                taken = tuple(outcomes.get(fall, (0, 0)))
            fc.branches[(br.line, br.block, 0)] = taken[0]
            fc.branches[(br.line, br.block, 1)] = taken[1]
        return cov, unplaced


def _sweep(arch: str, code: bytes, start: int) -> list[Instruction]:
    """Decode straight through, stepping one byte over anything that is not an instruction."""
    out: list[Instruction] = []
    view = memoryview(code)
    offset = 0
    while offset < len(code):
        got = decode(arch, view[offset:], start + offset)
        out += got
        if got:
            offset = got[-1].fallthrough - start
        if offset < len(code):
            offset += 1              # the byte capstone stopped at
    return out


def text_ranges(image: Any) -> list[tuple[int, int]]:
    """Relative [start, end) of the image's executable sections."""
    return [(p.addr - image.base, p.end - image.base) for p in image.placements
            if p.flags & SHF_EXECINSTR and p.size]


def build_map(obj: Any, image: Any) -> ModuleMap:
    """The ModuleMap of `obj` linked as `image`; a module without readable line information
    gets a map without lines (its code is still counted, just not placed in a file)."""
    from kemu.link.source_lines import line_table
    try:
        table = line_table(obj, image)
    except Exception:       # damaged debug sections: no lines, never a crash
        table = None
    base = image.base

    def locate(rel: int):
        return None if table is None else table.locate(base + rel)

    functions = [(s.name, s.addr - base) for s in image.symbol_list
                 if s.type == "func" and image.base <= s.addr < image.base + image.size]
    return ModuleMap(image.arch, bytes(image.bytes), text_ranges(image), locate, functions)


class MapCache:
    """ModuleMaps by object contents: a module loaded again reuses its map."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._maps: OrderedDict[tuple[str, str], ModuleMap] = OrderedDict()

    def get(self, obj: Any, image: Any) -> ModuleMap:
        key = (hashlib.sha256(obj.data).hexdigest(), image.arch)
        found = self._maps.get(key)
        if found is None:
            found = self._maps[key] = build_map(obj, image)
            while len(self._maps) > self.size:
                self._maps.popitem(last=False)
        self._maps.move_to_end(key)
        return found
