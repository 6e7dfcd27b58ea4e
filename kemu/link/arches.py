"""The per-architecture facts the machine-independent linker needs: relocation table, word size.

Each arch's table is imported when that arch is first linked (a run on one arch does not build
the other's relocation types); `RELOC_TABLES` (every arch) is made when asked for.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from kemu.arch import WORD_SIZE  # noqa: F401  (the linker's word sizes, from here)

if TYPE_CHECKING:
    from .reloc_types import ArchRelocs

#: arch -> the module of this package that defines its `RELOCS`
TABLE_MODULES = {"i386": ".reloc_i386", "x86_64": ".reloc_x86_64"}


def relocs_for(arch: str) -> "ArchRelocs":
    """The relocation table of `arch` ("i386" or "x86_64")."""
    module = TABLE_MODULES.get(arch)
    if module is None:
        raise ValueError(f"no relocation table for architecture {arch!r}")
    return importlib.import_module(module, __package__).RELOCS


def __getattr__(name: str):
    if name == "RELOC_TABLES":          # every arch's table: {"i386": ..., "x86_64": ...}
        return {arch: relocs_for(arch) for arch in TABLE_MODULES}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
