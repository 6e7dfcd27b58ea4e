"""Hooks for a debugger: code ranges, write watches, single-stepping.

Nothing is hooked until a debugger asks, so guest code runs at full speed otherwise. An
exception raised by a hook callback is recorded as the run's pending exception and
emulation stops; `Machine.call` re-raises it. Unicorn applies a new hook only to code it
translates afterwards, so adding one drops the translations it must cover.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from unicorn import UC_HOOK_BLOCK, UC_HOOK_CODE, UC_HOOK_MEM_WRITE

from . import native
from .errors import MachineError, MemoryFault
from .prot import Prot

if TYPE_CHECKING:
    from .calls import GuestCalls
    from .machine import Machine

_M64 = (1 << 64) - 1


@dataclass
class Hook:
    """A debugger hook; pass it to `Machine.remove_hook`."""

    kind: str
    begin: int
    end: int
    handles: list[int] = field(repr=False)
    cfuncs: list[Any] = field(repr=False)


class DebugHooks:
    """The hooks installed on one machine (`Machine.add_code_hook` and friends)."""

    def __init__(self, machine: "Machine", calls: "GuestCalls") -> None:
        self.machine = machine
        self.uc = machine.uc
        self._h = machine.uc._uch
        self.mem = machine.mem
        self._calls = calls
        self._all_addresses = (1 << (8 * machine.word_size)) - 1
        self.installed: list[Hook] = []
        self._step_hook: Hook | None = None

    def _guarded(self, cb: Callable) -> Callable:
        calls, handle = self._calls, self._h

        def run(*a: Any) -> Any:
            try:
                return cb(*a)
            except BaseException as exc:
                if calls.pending is None:
                    calls.pending = exc
                native.emu_stop(handle)
        return run

    def add_code_hook(self, cb: Callable[[int, int], None], begin: int, end: int) -> Hook:
        """Call `cb(address, size)` before each instruction in [begin, end]. Costs nothing
        outside the range; an exception from `cb` ends the call and propagates."""
        wrapped = self._guarded(lambda h, address, size, ud: cb(address, size))
        cfunc = native.HOOK_CODE_CFUNC(wrapped)
        handle = native.hook_add(self._h, UC_HOOK_CODE, cfunc, begin, end)
        hook = Hook("code", begin, end, [handle], [cfunc])
        self.installed.append(hook)
        self._retranslate(begin, end)
        return hook

    def add_block_hook(self, cb: Callable[[int, int], None], begin: int, end: int) -> Hook:
        """Call `cb(address, size)` as each translation block starting in [begin, end] starts
        (coverage): one Python call per block run, none outside the range."""
        calls, handle = self._calls, self._h

        def run(h: int, address: int, size: int, ud: Any) -> None:
            try:
                cb(address, size)
            except BaseException as exc:
                if calls.pending is None:
                    calls.pending = exc
                native.emu_stop(handle)

        cfunc = native.HOOK_CODE_CFUNC(run)
        hook = Hook("block", begin, end, [native.hook_add(self._h, UC_HOOK_BLOCK, cfunc, begin, end)], [cfunc])
        self.installed.append(hook)
        self._retranslate(begin, end)
        return hook

    def add_write_watch(self, cb: Callable[[int, int, int], None], begin: int, end: int) -> Hook:
        """Call `cb(address, size, value)` on each guest write touching [begin, end] (every
        byte of which must be mapped). In virtual-TLB mode Unicorn reports memory accesses
        by *physical* address, so the watch hooks the physical pages behind the range as it
        is mapped now and translates back."""
        if end < begin or not self.mem.is_mapped(begin, end - begin + 1):
            raise MemoryFault(begin, max(end - begin + 1, 0), "watch")
        handles, cfuncs = [], []
        addr = begin
        while addr <= end:
            r = self.mem.region_at(addr)
            piece_end = min(end, r.end - 1)
            phys = r.backing.phys + r.offset + (addr - r.start)
            delta = addr - phys

            def on_write(h, access, paddr, size, value, ud, delta=delta):
                cb(paddr + delta, size, value & _M64)

            cfunc = native.HOOK_MEM_ACCESS_CFUNC(self._guarded(on_write))
            handles.append(native.hook_add(self._h, UC_HOOK_MEM_WRITE, cfunc, phys, phys + piece_end - addr))
            cfuncs.append(cfunc)
            addr = piece_end + 1
        hook = Hook("write", begin, end, handles, cfuncs)
        self.installed.append(hook)
        self.mem.flush_tlb()
        self._retranslate(0, self._all_addresses)
        return hook

    def remove_hook(self, hook: Hook) -> None:
        """Remove a hook made by add_code_hook / add_write_watch / start_stepping."""
        if hook not in self.installed:
            raise MachineError(f"{hook!r} is not installed")
        self.installed.remove(hook)
        for handle in hook.handles:
            native.hook_del(self._h, handle)
        if self._calls.active:
            self._calls.graveyard.extend(hook.cfuncs)  # Unicorn frees them when the outer run ends
        if self._step_hook is hook:
            self._step_hook = None

    def start_stepping(self, cb: Callable[[int, int], "bool | None"]) -> Hook:
        """Single-step: call `cb(address, size)` before every instruction, until
        `stop_stepping()` or `cb` returns False. The hook exists only while stepping."""
        if self._step_hook is not None:
            raise MachineError("already stepping")

        def step(address: int, size: int) -> None:
            if cb(address, size) is False:
                self.stop_stepping()

        self._step_hook = self.add_code_hook(step, 0, self._all_addresses)
        return self._step_hook

    def stop_stepping(self) -> None:
        if self._step_hook is not None:
            self.remove_hook(self._step_hook)

    def _retranslate(self, begin: int, end: int) -> None:
        """Make hooks added now apply to code Unicorn had already translated."""
        for r in self.mem.regions():
            if r.prot & Prot.EXEC and r.start <= end and begin < r.end:
                self.uc.ctl_remove_cache(max(r.start, begin), min(r.end, end + 1))
