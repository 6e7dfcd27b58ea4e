"""A loaded module as every kernel sees it.

Whatever the module system — a NetBSD LKM slot, a FreeBSD linker file, a Linux `struct
module`, a NetBSD `module_t` — the kernel holds the same facts about a module it loaded: its
name and file, the linked image and where its segments are mapped with which protections, the
symbols it defines and exports, the modules it uses and the ones that use it, its state, and
what it registered with the kernel that must be undone if it goes away (devices, switch slots,
callbacks). `LoadedModule` is that record; `ModuleLoader` (loader.py) creates and retires it.
A personality keeps its own extra facts in `LoadedModule.os` (the LKM slot id, a Linux
module's parameters …) instead of keeping a second table in step with the loader's.
"""
from __future__ import annotations

from enum import Enum
from typing import Any, Callable

from kemu.record import Record


class ModuleState(Enum):
    """The life of a module (Linux's MODULE_STATE_* names the same three stages)."""
    LOADING = "loading"    # mapped, its entry point not yet returned success
    LIVE = "live"          # initialised; its exports visible
    GOING = "going"        # being unloaded


class Undo(Record, fields=("what", "action")):
    """Something a module made the kernel do, and how to take it back."""

    def __init__(self, what: str, action: Callable[[], None]) -> None:
        self.what = what
        self.action = action


class LoadedModule(Record, fields=("name", "path", "obj", "image", "base", "size", "serial", "state",
                                   "missing_symbols", "exports", "os", "undo", "left_behind",
                                   "leaked"), eq=False):
    """One module in the kernel; identity is the object (names can repeat over time)."""

    def __init__(self, name: str, path: str, obj: Any, image: Any, base: int, size: int, serial: int,
                 state: ModuleState = ModuleState.LOADING, missing_symbols: list[str] | None = None,
                 exports: list[str] | None = None, os: dict[str, Any] | None = None,
                 undo: list[Undo] | None = None, left_behind: list[str] | None = None,
                 leaked: list | None = None) -> None:
        self.name = name
        self.path = path                # the file as the user named it
        self.obj = obj                  # kemu.elf.ObjectFile
        self.image = image              # kemu.link.LinkedImage at its final address
        self.base = base                # start of its memory (page aligned)
        self.size = size                # bytes of memory reserved for it (page multiple)
        self.serial = serial            # load order over the kernel's life: unique
        self.state = state
        # lenient-load stubs it is bound to; names it published when live; the personality's own
        # facts; what to undo; what it never undid at unload; heap blocks it never freed
        self.missing_symbols = [] if missing_symbols is None else missing_symbols
        self.exports = [] if exports is None else exports
        self.os = {} if os is None else os
        self.undo = [] if undo is None else undo
        self.left_behind = [] if left_behind is None else left_behind
        self.leaked = [] if leaked is None else leaked

    @property
    def object_name(self) -> str:
        """The object file's path, for the debugger (docs/interfaces.md §5)."""
        return self.path

    @property
    def segments(self) -> list:
        return list(self.image.segments)

    def holds(self, addr: int) -> bool:
        """True if `addr` lies in this module's memory."""
        return self.base <= addr < self.base + self.size

    def on_unload(self, what: str, action: Callable[[], None]) -> None:
        """Register how to undo something the module made the kernel do (a device switch slot
        it took, a node it created). The loader runs these newest first when the module goes,
        whether its load failed or it is unloaded, so nothing can point into freed code."""
        self.undo.append(Undo(what, action))

    def forget_undo(self, what: str) -> None:
        """The module undid `what` itself (its unload handler gave the slot back)."""
        self.undo = [u for u in self.undo if u.what != what]

    def symbolize(self, addr: int) -> tuple[str, int] | None:
        return self.image.symbolize(addr) if self.holds(addr) else None

    def __repr__(self) -> str:
        return f"<module {self.name} #{self.serial} {self.state.value} at {self.base:#x}+{self.size:#x}>"
