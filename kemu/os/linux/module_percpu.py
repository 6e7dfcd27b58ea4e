"""A module's own per-CPU variables (DEFINE_PER_CPU in a module: its `.data..percpu`
section), placed as kernel/module/main.c (6.1) places them.

The kernel does not load `.data..percpu` with the module: it drops the section's SHF_ALLOC,
takes room for it from the per-CPU areas' module reserve (percpu_modalloc), makes every
symbol of the section point there (simplify_symbols: value + mod->percpu), links, then
copies the section's bytes into each CPU's copy (percpu_modcopy; relocations of that
section are not applied, as it is not allocated). The module's `this_cpu_*` code then
reaches its variables exactly as the kernel's: %gs:offset on x86-64 (gs_base is the area, a
symbol's value its offset), %fs:address on i386 (flat %fs, the value the copy's address).

kemu has one CPU, so one copy, in the boot CPU's area after the kernel's variables
(exports.PERCPU_MODULE_RESERVE bytes). The room goes back when the module goes, whether its
load failed or it was unloaded.
"""
from __future__ import annotations

from dataclasses import dataclass

from .elf_edit import clear_alloc, make_absolute, section_headers

PERCPU_SECTION = ".data..percpu"
PAGE_SIZE = 4096


class PerCpuError(Exception):
    """The module's per-CPU data does not fit (the kernel's -ENOMEM); the text is its message."""


@dataclass
class PerCpuBlock:
    """Room one module holds in the module reserve."""
    offset: int           # from the start of the per-CPU area
    size: int
    pointer: int          # the per-CPU pointer its symbols are relative to (mod->percpu)


class ModulePerCpu:
    """First-fit allocator over the module reserve of the boot CPU's per-CPU area."""

    def __init__(self, system) -> None:
        self.system = system
        area = system.percpu
        self.start, self.end = area.size, area.size + area.reserve
        self.blocks: dict[int, PerCpuBlock] = {}        # offset -> block

    def pointer(self, offset: int) -> int:
        """The per-CPU pointer for an area offset: the offset itself on x86-64 (%gs-relative),
        the copy's address on i386 (flat %fs)."""
        return offset if self.system.arch == "x86_64" else self.system.percpu.addr + offset

    def alloc(self, size: int, align: int) -> PerCpuBlock | None:
        align = max(align, 1)
        cursor = self.start
        for off in sorted(self.blocks):
            cursor = -(-cursor // align) * align
            if cursor + size <= off:
                break
            cursor = max(cursor, off + self.blocks[off].size)
        cursor = -(-cursor // align) * align
        if cursor + size > self.end:
            return None
        block = self.blocks[cursor] = PerCpuBlock(cursor, size, self.pointer(cursor))
        return block

    def free(self, block: PerCpuBlock) -> None:
        self.blocks.pop(block.offset, None)

    def used(self) -> int:
        return sum(b.size for b in self.blocks.values())


def place_percpu(system, name: str, data: bytes) -> tuple[bytes, PerCpuBlock | None]:
    """percpu_modalloc + simplify_symbols + percpu_modcopy for the module image `data`: the
    edited image to link and the block it holds (None without per-CPU data).
    PerCpuError with the kernel's message when the reserve is too small."""
    sections = section_headers(data)
    sec = next((s for s in sections if s.name == PERCPU_SECTION and s.flags & 0x2), None)
    if sec is None or not sec.size:
        return data, None
    if sec.align > PAGE_SIZE:
        raise PerCpuError(f"{name}: per-cpu alignment {sec.align} > {PAGE_SIZE}")
    block = system.module_percpu.alloc(sec.size, sec.align)
    if block is None:
        raise PerCpuError(f"{name}: Could not allocate {sec.size} bytes percpu data")
    out = bytearray(data)
    clear_alloc(out, sec)
    make_absolute(out, sections, sec.index, block.pointer)
    template = data[sec.offset:sec.offset + sec.size] if sec.type != 8 else bytes(sec.size)   # 8: NOBITS
    system.machine.mem.write(system.percpu.addr + block.offset, template)
    return bytes(out), block
