"""The CPU state every outermost guest call starts from.

A module runs with the privileges of kernel code: it may load segment registers, set
EFLAGS.TF/DF/AC, change the x87 control word or MXCSR, write the FS/GS bases (wrmsr) or arm
the debug registers. Left in the CPU, any of those breaks the next call of every other
module (a null ES makes `rep stos` fault, TF raises #DB after the first instruction, a
16-bit stack segment makes `ret` read the wrong address). So the *boot state* — a snapshot
of the whole CPU taken when the machine is built, plus what a personality declares with
`Machine.set_boot_register` — is put back before each outermost `Machine.call`. Nested
calls (a service calling back into the guest) start from the state of the call that made
them and leave it as it was (`calls.py` saves and restores it around them).

Restoring is one `uc_context_restore` (a copy of the CPU structure, ~0.35 µs). One thing
that copy cannot undo is an armed hardware breakpoint: `mov %dr7` inserts a breakpoint or
watchpoint into the emulator's own lists, which a copy of the registers would orphan (it
would fire for ever). So the end of every run reads DR7 along with the program counter
(the same library call) and, when the guest left breakpoints armed, clears DR7 by running
kemu's own `mov %dr7` routine, which removes them the way the CPU inserted them. Hardware
breakpoints a module arms therefore last until its run stops: the end of its call, or a
service that calls back into the guest.

On i386 the boot state includes a real global descriptor table with flat 32-bit code and
data segments, loaded into cs/ds/es/ss/fs/gs: without one, loading any selector (even
`mov %ds, %ax; mov %ax, %es`) would leave a descriptor without its 32-bit flag behind.
"""
from __future__ import annotations

import ctypes
import struct
from typing import TYPE_CHECKING

from unicorn import x86_const as X

from . import native
from .errors import MachineError

if TYPE_CHECKING:
    from .calls import GuestCalls
    from .machine import Machine

#: Selectors of the boot GDT (the same numbers as NetBSD's GCODE_SEL/GDATA_SEL).
CODE_SELECTOR = 0x08
DATA_SELECTOR = 0x10
#: Flat 4 GiB descriptors, ring 0: 32-bit code (execute/read) and data (read/write); on
#: x86-64 the code descriptor is a 64-bit one (L bit).
_GDT = {
    "i386": [0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF],
    "x86_64": [0, 0x00AF9A000000FFFF, 0x00CF92000000FFFF],
}
#: DR7 with no breakpoint enabled (bit 10 always reads as one).
DR7_CLEAN = 0x400
#: The local/global enable bits of DR0-DR3.
DR7_ENABLE_BITS = 0xFF
#: Registers a personality may declare as part of the boot state.
DECLARABLE = ("fs_base", "gs_base", "eflags", "rflags", "cr0", "cr4",
              "fs", "gs", "ds", "es")


class BootState:
    """The snapshot outermost calls start from, and the debug-register cleanup."""

    def __init__(self, machine: "Machine", calls: "GuestCalls") -> None:
        self.machine = machine
        self._calls = calls
        self._h = machine.uc._uch
        arch = machine.arch
        # the descriptor table, in kernel data (like a kernel's own gdt)
        table = _GDT[arch]
        self.gdt = machine.alloc("kdata", 8 * len(table), 16)
        machine.mem.write(self.gdt, struct.pack(f"<{len(table)}Q", *table))
        uc = machine.uc
        uc.reg_write(X.UC_X86_REG_GDTR, (0, self.gdt, 8 * len(table) - 1, 0))
        if arch == "i386":
            uc.reg_write(X.UC_X86_REG_CS, CODE_SELECTOR)
            for reg in (X.UC_X86_REG_SS, X.UC_X86_REG_DS, X.UC_X86_REG_ES, X.UC_X86_REG_FS,
                        X.UC_X86_REG_GS):
                uc.reg_write(reg, DATA_SELECTOR)
        # kemu's routine that disarms the debug registers: one scratch word keeps the
        # register it needs, so the interrupted code's registers stay as they were
        self._scratch = machine.alloc("kdata", 8, 8)
        self.disarm_code = machine._stubs.alloc_code(64)
        code = _disarm_routine(arch, self._scratch)
        machine.mem.load_code(self.disarm_code, code)
        self.disarm_end = self.disarm_code + len(code)
        self._dr7 = ctypes.c_uint64()
        self._dr7_id = X.UC_X86_REG_DR7
        self.context = native.Context(self._h)
        self.context.save()
        self.restore = self.context.restore
        #: set when a run ended with hardware breakpoints armed (then disarmed)
        self.disarmed_runs = 0

    # ------------------------------------------------------------------ declarations

    def set_register(self, name: str, value: int) -> None:
        """`Machine.set_boot_register`: write `name` now and keep it in the boot state."""
        if name not in DECLARABLE:
            raise MachineError(f"register {name!r} cannot be declared part of the boot state "
                               f"(declarable: {', '.join(DECLARABLE)})")
        if self.machine.arch == "i386" and name in ("fs_base", "gs_base", "rflags"):
            raise MachineError(f"register {name!r} does not exist on i386")
        if self._calls.active:
            raise MachineError("the boot state can only be changed while no guest call runs")
        if not isinstance(value, int) or value < 0:
            raise MachineError(f"register {name!r}: value must be a non-negative int, got {value!r}")
        self.restore()
        try:
            self.machine.regs.write(name, value)
        except Exception as exc:   # the emulator refused (a selector the GDT does not hold …)
            self.restore()
            raise MachineError(f"register {name!r} cannot be set to {value:#x}: {exc}") from None
        self.context.save()

    # ------------------------------------------------------------------ debug registers

    def armed_now(self) -> bool:
        """True if the CPU has hardware breakpoints enabled (one register read)."""
        native.uclib.uc_reg_read(self._h, self._dr7_id, ctypes.byref(self._dr7))
        return bool(self._dr7.value & DR7_ENABLE_BITS)

    def disarm(self) -> bool:
        """Clear DR7 through the CPU's own `mov %dr7` path, which removes the breakpoints
        and watchpoints it inserted. Other registers and flags are kept. False if the CPU
        refused (the guest left it outside ring 0): its breakpoints then stay inserted."""
        calls = self._calls
        count = calls.unlimited_count() if calls.counting else 0
        self.machine.mem.code_may_be_translated = True
        err = native.emu_start(self._h, self.disarm_code, self.disarm_end, 0, count)
        self.disarmed_runs += 1
        return not err


def _disarm_routine(arch: str, scratch: int) -> bytes:
    """Machine code: keep eax/rax in `scratch`, write DR7_CLEAN to DR7, reload eax/rax."""
    if arch == "i386":
        addr = struct.pack("<I", scratch)
        return (b"\xa3" + addr                        # mov [scratch], eax
                + b"\xb8" + struct.pack("<I", DR7_CLEAN)  # mov eax, DR7_CLEAN
                + b"\x0f\x23\xf8"                     # mov dr7, eax
                + b"\xa1" + addr)                     # mov eax, [scratch]
    addr = struct.pack("<i", scratch - (1 << 64) if scratch >> 63 else scratch)
    return (b"\x48\x89\x04\x25" + addr                # mov [scratch], rax
            + b"\xb8" + struct.pack("<I", DR7_CLEAN)   # mov eax, DR7_CLEAN
            + b"\x0f\x23\xf8"                         # mov dr7, rax
            + b"\x48\x8b\x04\x25" + addr)             # mov rax, [scratch]
