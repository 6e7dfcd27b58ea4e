"""Service stubs: addresses in kernel text whose calls enter a Python handler.

How a service call works (the hot path, ~1–2 µs):

1. The guest `call`s the service's stub in kernel text. The stub spills the argument
   registers (if the ABI has any) onto the stack, stores the stack pointer into the
   *frame slot* in kernel data and `call`s its own one-byte *trap slot* (a `ret`).
2. One range-restricted UC_HOOK_CODE covers all trap slots. It reads the frame slot from
   the mmap behind kernel data, builds a `TrapCall` that decodes arguments lazily from the
   frame, runs the Python handler and stores the result into the *result slot*.
3. The trap slot's `ret` returns into the stub, which loads eax/rax (and edx/rdx) from the
   result slot and returns to the guest. Python never writes the program counter.
"""
from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Callable

from unicorn import UC_HOOK_CODE

from kemu.record import Record

from . import native
from .abi import Abi
from .errors import MachineError
from .layout import PAGE_SIZE
from .prot import Prot
from .trap import Handler, TrapCall

if TYPE_CHECKING:
    from .calls import GuestCalls
    from .machine import Machine

_M64 = (1 << 64) - 1
TRAP_SLOTS = PAGE_SIZE
#: What fills kernel text kemu has not written: `ff ff` is an invalid opcode (FF /7) from
#: every offset, in 32- and 64-bit mode alike.
UNUSED_TEXT = b"\xff"


class Stub(Record, fields=("name", "handler", "abi", "entry", "size", "trap"), frozen=True):
    """A service stub: `entry` is the address the guest calls, `trap` its trap slot."""

    def __init__(self, name: str, handler: Handler, abi: Abi, entry: int, size: int,
                 trap: int) -> None:
        vars(self).update(name=name, handler=handler, abi=abi, entry=entry, size=size, trap=trap)


class StubTable:
    """The trap slots page, the frame and result slots, and every stub made so far."""

    def __init__(self, machine: "Machine", calls: "GuestCalls") -> None:
        self.machine = machine
        self.mem = machine.mem
        self._ktext_alloc = machine._allocators["ktext"]
        ktext = machine.layout["ktext"]
        self.ktext = ktext
        self.trap_base = ktext.start + PAGE_SIZE
        self._ktext_alloc.reserve(self.trap_base, TRAP_SLOTS)
        # a slot is a `ret` once its stub exists; until then, like every byte of kernel text
        # kemu did not write, it is UNUSED_TEXT: the guest cannot run into it unnoticed
        self.mem.write(self.trap_base, UNUSED_TEXT * TRAP_SLOTS)
        # kernel text past what is in use is not executable (a jump there is a clean oops,
        # not a slide through zeros that are `add [eax], al`); alloc_code opens it by pages
        self._exec_end = self.trap_base + TRAP_SLOTS
        if self._exec_end < ktext.end:
            self.mem.protect(self._exec_end, ktext.end - self._exec_end, Prot.READ)
        self.stubs: list[Stub] = []
        self.by_entry: dict[int, Stub] = {}
        self._trap_slots: list[tuple] = []   # per trap slot: (handler, name, abi, frame-slot reader)

        # kernel data: the frame slot and the result slot
        kdata = machine.layout["kdata"]
        self.frame_slot = kdata.start
        self.result_slot = kdata.start + 16
        machine._allocators["kdata"].reserve(kdata.start, PAGE_SIZE)
        self._kd_mm, self._frame_off = self.mem.locate(self.frame_slot, 32)
        self._result_off = self._frame_off + 16

        self._trap_cb = native.HOOK_CODE_CFUNC(self._make_trap_hook(calls))
        native.hook_add(machine.uc._uch, UC_HOOK_CODE, self._trap_cb, self.trap_base,
                        self.trap_base + TRAP_SLOTS - 1)

    def add(self, name: str, handler: Handler, conv: Abi) -> int:
        """`Machine.add_stub` once the convention is chosen: the stub's entry address."""
        if not callable(handler):
            raise MachineError(f"stub {name!r}: handler {handler!r} is not callable")
        slot = len(self._trap_slots)
        if slot >= TRAP_SLOTS:
            raise MachineError(f"stub {name!r}: all {TRAP_SLOTS} trap slots are in use")
        trap = self.trap_base + slot
        entry = self.alloc_code(conv.stub_size)
        code = conv.stub_code(entry, trap, self.frame_slot, self.result_slot)
        self.mem.load_code(entry, code)
        self.mem.load_code(trap, b"\xc3")
        stub = Stub(name, handler, conv, entry, len(code), trap)
        self.stubs.append(stub)
        self.by_entry[entry] = stub
        self._trap_slots.append((handler, name, conv, conv.word_struct.unpack_from))
        return entry

    def set_handler(self, entry: int, handler: Handler) -> None:
        """`Machine.set_stub_handler`: the stub at `entry` traps into `handler` from now on."""
        stub = self.by_entry.get(entry)
        if stub is None:
            raise MachineError(f"no stub at {entry:#x}")
        if not callable(handler):
            raise MachineError(f"stub {stub.name!r}: handler {handler!r} is not callable")
        slot = stub.trap - self.trap_base
        _, name, conv, read_frame = self._trap_slots[slot]
        self._trap_slots[slot] = (handler, name, conv, read_frame)
        new = Stub(stub.name, handler, stub.abi, stub.entry, stub.size, stub.trap)
        self.stubs[self.stubs.index(stub)] = new
        self.by_entry[entry] = new

    def alloc_code(self, size: int, align: int = 16) -> int:
        """Room for `size` bytes of kemu's own code in kernel text (stubs, helper routines):
        the pages it needs become executable, their unused bytes UNUSED_TEXT."""
        addr = self._ktext_alloc.alloc(size, align)
        end = addr + size
        if end > self._exec_end:
            new_end = -(-end // PAGE_SIZE) * PAGE_SIZE
            self.mem.write(self._exec_end, UNUSED_TEXT * (new_end - self._exec_end))
            self.mem.protect(self._exec_end, new_end - self._exec_end, Prot.RX)
            self._exec_end = new_end
        return addr

    def symbol(self, addr: int) -> "tuple[str, int] | None":
        """(name, offset) for a trap slot ("trap:uiomove") or an address inside a stub."""
        if self.trap_base <= addr < self.trap_base + len(self.stubs):
            return (f"trap:{self.stubs[addr - self.trap_base].name}", 0)
        if self.ktext.start <= addr < self.ktext.end:
            stub = self.by_entry.get(addr)
            if stub is not None:
                return (stub.name, 0)
            for back in range(16, 64 + 1, 16):  # stubs are 16-byte aligned, at most 64 bytes
                stub = self.by_entry.get((addr & ~15) - back + 16)
                if stub is not None and stub.entry <= addr < stub.entry + stub.size:
                    return (stub.name, addr - stub.entry)
        return None

    def _make_trap_hook(self, calls: "GuestCalls") -> Callable:
        """The trap hook, as a closure over everything it needs (this is the hot path:
        attribute lookups on objects cost measurably at half a million traps a second)."""
        trap_base, kd_mm = self.trap_base, self._kd_mm
        frame_off, result_off, active = self._frame_off, self._result_off, calls.active
        handle, stop = self.machine.uc._uch, native.emu_stop
        wide = self.machine.word_size == 8
        machine = self.machine

        slots = self._trap_slots
        pack_result = struct.Struct("<QQ" if wide else "<Q").pack_into

        clear_frame = struct.Struct("<Q" if wide else "<I").pack_into
        faults = machine._faults

        def on_trap(h: int, address: int, size: int, user_data: int) -> None:
            slot = address - trap_base
            if slot >= len(slots):
                return   # a slot no stub uses: its UNUSED_TEXT faults as an invalid opcode
            try:
                handler, name, conv, read_frame = slots[slot]
                frame = read_frame(kd_mm, frame_off)[0]
                rec = active[-1]
                if not frame:   # the stub did not record a frame: the guest jumped past it
                    faults.bad_stub_entry(address, name, rec)
                clear_frame(kd_mm, frame_off, 0)
                st = rec.stack
                if st.lo <= frame < st.safe_hi:
                    call = st.view
                    if call.abi is not conv:
                        call.abi, call._offs, call._fmt = conv, conv.arg_offsets, conv.word_fmt
                        call._unpack = read_frame
                    call.name = name
                    call.frame = frame
                    call._base = frame - st.lo
                else:  # the guest moved its stack somewhere else: checked accesses
                    call = TrapCall(machine, name, conv, frame)
                rec.trap = call
                result = handler(call)
                if result is None:
                    result = 0
                elif result.__class__ is not int and not isinstance(result, int):
                    raise TypeError(f"service {name}: handler returned {result!r}; "
                                    "a handler returns an int or None")
                if wide:
                    pack_result(kd_mm, result_off, result & _M64, (result >> 64) & _M64)
                else:
                    pack_result(kd_mm, result_off, result & _M64)
            except BaseException as exc:
                if calls.pending is None:
                    calls.pending = exc
                stop(handle)

        return on_trap
