"""Coverage of module code: which lines and branches of a module's own source ran.

While a `CoverageRecorder` is started, every module the shared loader places — whatever the
personality — gets a basic-block hook over its text alone (`Machine.add_block_hook`), added
when its bytes are placed and removed just before its memory is freed. Code outside module
text (the kernel's stubs, Python services) is never hooked, and nothing is hooked while no
recorder runs. Each block run counts once under (previous block's end, start, size) in the
module's own table: the block counts give the instructions that ran, and the previous end
tells a conditional branch's outcome apart (the block after a branch starts either at its
target or where it falls through). When the module goes, or when asked, the counts are mapped
to source lines through its DWARF line table (kemu.kernel.coverage_map) and merged into one
`Coverage` (kemu.kernel.lcov), so loading a module twice adds up.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from .coverage_map import BlockCounts, MapCache, ModuleMap
from .lcov import Coverage, TOTAL_KEYS


#: Finished module runs whose totals the recorder keeps for the report (a console loading and
#: unloading for hours must not keep them all); their coverage is merged either way
KEPT_RUNS = 1000


@dataclass
class ModuleRun:
    """One module's life under the recorder: its hooks and block counts while it is loaded;
    once it is gone, only its totals (the module, its map and counts are let go)."""

    module: Any
    map: ModuleMap | None
    blocks: BlockCounts
    name: str = ""
    serial: int = 0
    hooks: list = field(default_factory=list)
    final: dict[str, Any] | None = None    # totals once the module is gone
    unplaced: int = 0              # instructions run that the line table does not place

    def totals(self) -> dict[str, Any]:
        if self.final is not None:
            return dict(self.final)
        return self.summarize(self.map.fold(self.blocks)[0])

    def summarize(self, cov: Coverage) -> dict[str, Any]:
        return {"module": self.name, "serial": self.serial, "has_lines": self.map.has_lines,
                "blocks_run": sum(self.blocks.values()), **cov.totals()}


class CoverageRecorder:
    """Records which code of every loaded module runs, from `start()` to `stop()`."""

    def __init__(self, kernel: Any) -> None:
        self.kernel = kernel
        self.machine = kernel.machine
        self.loader = kernel.loader
        self.maps = MapCache()
        self.runs: list[ModuleRun] = []      # modules seen, in load order (KEPT_RUNS gone ones)
        self.runs_let_go = 0                 # older finished runs no longer listed
        self._no_lines: set[str] = set()     # modules that ran code without line information
        self._live: dict[int, ModuleRun] = {}
        self._done = Coverage()
        self.started = False

    # --- life ------------------------------------------------------------------------------
    def start(self) -> "CoverageRecorder":
        """Hook every loaded module's text, and each module placed from now on."""
        if not self.started:
            self.started = True
            self.loader.observers.append(self)
            for module in list(self.loader.modules):
                self.module_placed(module)
        return self

    def stop(self) -> Coverage:
        """Remove every hook; the coverage recorded so far."""
        if self.started:
            self.started = False
            if self in self.loader.observers:
                self.loader.observers.remove(self)
            for run in list(self._live.values()):
                self._finish(run)
        return self.coverage()

    # --- loader observer -------------------------------------------------------------------
    def module_placed(self, module: Any) -> None:
        cmap = self.maps.get(module.obj, module.image)
        run = ModuleRun(module, cmap, {}, module.name, module.serial)
        base = module.image.base
        for start, end in cmap.text:
            run.hooks.append(self.machine.add_block_hook(_counter(run.blocks, base), base + start, base + end - 1))
        self.runs.append(run)
        self._live[id(module)] = run

    def module_retiring(self, module: Any) -> None:
        run = self._live.get(id(module))
        if run is not None:
            self._finish(run)

    def _finish(self, run: ModuleRun) -> None:
        for hook in run.hooks:
            self.machine.remove_hook(hook)
        run.hooks = []
        self._live.pop(id(run.module), None)
        coverage, run.unplaced = self._fold(run)
        self._done.merge(coverage)
        run.final = run.summarize(coverage)
        if run.blocks and not run.map.has_lines:
            self._no_lines.add(run.name)
        run.module, run.map, run.blocks = None, None, {}
        finished = [r for r in self.runs if r.final is not None]
        if len(finished) > KEPT_RUNS:
            self.runs.remove(finished[0])
            self.runs_let_go += 1

    def _fold(self, run: ModuleRun) -> tuple[Coverage, int]:
        cov, unplaced = run.map.fold(run.blocks)
        path = run.module.path
        return cov.renamed(lambda source: source_path(source, path)), unplaced

    # --- results ---------------------------------------------------------------------------
    def coverage(self) -> Coverage:
        """Everything recorded: modules gone and (as they stand now) modules still loaded."""
        total = Coverage().merge(self._done)
        for run in self._live.values():
            total.merge(self._fold(run)[0])
        return total

    def totals(self) -> dict[str, Any]:
        """Found/hit counts over all files, and per module (for the run report)."""
        cov = self.coverage()
        return {**cov.totals(), "modules": [run.totals() for run in self.runs],
                "modules_left_out": self.runs_let_go}

    def without_lines(self) -> list[str]:
        """Names of modules that ran code but carry no line information (built without -g)."""
        live = {run.name for run in self._live.values() if run.blocks and not run.map.has_lines}
        return sorted(self._no_lines | live)


#: How many directories above a module's object file a relative source path is looked for in
SOURCE_SEARCH_DEPTH = 8


def source_path(path: str, object_path: str) -> str:
    """Where a source file the DWARF names relatively is on this host, so `genhtml` finds it
    from any directory: the path as is when it exists from the current directory, else under
    the object file's directory or one of its parents (a build maps its directory to "."),
    made absolute. An absolute path that does not exist here (a module built in another
    tree) is looked for by its file name beside the object. Unchanged when found nowhere."""
    if os.path.isabs(path):
        if os.path.isfile(path):
            return path
        # kbuild names sources under the kernel tree it built in; the author's file is usually
        # beside the module
        beside = os.path.join(os.path.dirname(os.path.abspath(object_path)), os.path.basename(path))
        return beside if os.path.isfile(beside) else path
    if os.path.isfile(path):
        return os.path.abspath(path)
    folder = os.path.dirname(os.path.abspath(object_path))
    for _ in range(SOURCE_SEARCH_DEPTH):
        candidate = os.path.join(folder, path)
        if os.path.isfile(candidate):
            return os.path.normpath(candidate)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return path


def _counter(blocks: BlockCounts, base: int):
    """The block hook of one module: count (previous end, start, size), relative to `base`.
    Kept to a dictionary update: it runs once per block executed in module text."""
    prev_end = 0

    def on_block(address: int, size: int) -> None:
        nonlocal prev_end
        start = address - base
        key = (prev_end, start, size)
        blocks[key] = blocks.get(key, 0) + 1
        prev_end = start + size

    return on_block


__all__ = ["CoverageRecorder", "Coverage", "ModuleRun", "TOTAL_KEYS"]
