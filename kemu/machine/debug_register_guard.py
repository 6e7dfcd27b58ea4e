"""Guest writes to DR7 stopped before the CPU executes them.

Ring-0 code may load DR7 on a real CPU; on Unicorn it must not. Unicorn's x86 hardware
breakpoint support inserts a watchpoint for every enable bit the guest sets, and with
lengths or addresses the guest picks freely that code reads host memory as if it were the
guest's ("unmapped read at 0x5639…") or kills the whole process with SIGILL (unicorn-engine
issue #1915: writing DR7 crashes Unicorn 2). Clearing DR7 after a run (cpu_state.py) is too
late: the damage happens in the run that armed it.

So module code is searched when it is placed, for every `0f 23` whose ModRM names DR7
(`mov %reg, %dr7`; the mod bits are ignored by the CPU, as here), at every byte offset, and
an instruction hook covers the few bytes where such an instruction could start (legacy and
REX prefixes). The hook costs nothing elsewhere: Unicorn instruments only the addresses a
code hook covers. When the guest really reaches such an instruction, the call ends with a
GuestFault naming it, before it executes. Module text is the only guest code that runs:
module data is never executable, so no other `mov %dr7` can be reached. A hit at an offset
that is the middle of some other instruction is never reported: the hook checks that the
instruction starting there is exactly prefixes + `0f 23 /7`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from unicorn import UC_HOOK_CODE

from . import native

if TYPE_CHECKING:
    from .machine import Machine

MOV_TO_DEBUG_REGISTER = b"\x0f\x23"
LEGACY_PREFIXES = frozenset(b"\x26\x2e\x36\x3e\x64\x65\x66\x67\xf0\xf2\xf3")
REX_PREFIXES = frozenset(range(0x40, 0x50))
MAX_INSTRUCTION = 15          # bytes: so at most 12 prefixes before `0f 23 modrm`


def writes_dr7(modrm: int) -> bool:
    """True if a `0f 23` with this ModRM byte loads DR7 (reg field 7)."""
    return (modrm >> 3) & 7 == 7


def dr7_write_sites(code: bytes | memoryview) -> list[int]:
    """Offsets in `code` of every `0f 23 modrm` that would load DR7, aligned or not."""
    data = bytes(code)
    sites, at = [], data.find(MOV_TO_DEBUG_REGISTER)
    while at >= 0:
        if at + 2 < len(data) and writes_dr7(data[at + 2]):
            sites.append(at)
        at = data.find(MOV_TO_DEBUG_REGISTER, at + 1)
    return sites


def is_dr7_write(insn: bytes, wide: bool) -> bool:
    """True if `insn` (one whole instruction) is prefixes followed by `0f 23 /7`."""
    if len(insn) < 3 or insn[-3:-1] != MOV_TO_DEBUG_REGISTER or not writes_dr7(insn[-1]):
        return False
    prefixes = LEGACY_PREFIXES | REX_PREFIXES if wide else LEGACY_PREFIXES
    return all(b in prefixes for b in insn[:-3])


class DebugRegisterGuard:
    """The DR7 hooks of each piece of code placed with `watch`, removed with `forget`."""

    def __init__(self, machine: "Machine") -> None:
        self.machine = machine
        self._h = machine.uc._uch
        self._wide = machine.word_size == 8
        self._hooks: dict[int, list[tuple[int, Any]]] = {}   # base -> [(hook handle, cfunc)]

    def watch(self, base: int, code: bytes | memoryview) -> int:
        """Hook every possible DR7 write in `code`, placed at `base`; the number of sites."""
        placed = self._hooks.setdefault(base, [])
        sites = dr7_write_sites(code)
        for off in sites:
            begin = base + max(0, off - (MAX_INSTRUCTION - 3))
            cfunc = native.HOOK_CODE_CFUNC(self._on_instruction)
            placed.append((native.hook_add(self._h, UC_HOOK_CODE, cfunc, begin, base + off), cfunc))
            self.machine.uc.ctl_remove_cache(begin, base + off + 3)
        return len(sites)

    def forget(self, base: int) -> None:
        """Remove the hooks of the code placed at `base` (its memory is given back)."""
        calls = self.machine._calls
        for handle, cfunc in self._hooks.pop(base, []):
            native.hook_del(self._h, handle)
            if calls.active:                 # Unicorn may still be inside this callback's run
                calls.graveyard.append(cfunc)

    def _on_instruction(self, handle: int, address: int, size: int, user_data: int) -> None:
        calls = self.machine._calls
        try:
            insn = self.machine.mem.read(address, size)
            if not is_dr7_write(insn, self._wide) or not calls.active:
                return
            self.machine._faults.debug_register_write(address, calls.active[-1])
        except BaseException as exc:
            if calls.pending is None:
                calls.pending = exc
            native.emu_stop(handle)
