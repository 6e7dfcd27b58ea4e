"""What a service handler sees of the call that trapped into it.

Arguments are decoded lazily from the trap frame the stub spilled into guest memory, so a
handler that looks at two arguments pays for two memory reads and nothing else.
"""
from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Callable

from kemu.intbits import to_signed, to_unsigned

from .abi import Abi

if TYPE_CHECKING:
    from .machine import Machine

_unpack_from = struct.unpack_from


class TrapCall:
    """One trapped call of a kernel service.

    `arg(i)` is the raw unsigned machine word of argument `i`; `varargs(i)` a cursor over
    the variadic arguments starting at index `i`; `return_address` where the guest called
    from; `name` the service; `machine` the machine.
    """

    __slots__ = ("machine", "name", "abi", "frame", "_mm", "_base", "_lim", "_offs", "_fmt", "_unpack")

    def __init__(self, machine: "Machine", name: str, abi: Abi, frame: int, mm=None, base: int = 0,
                 end: int = 0) -> None:
        """`mm`/`base`/`end`: the host buffer holding the frame, the frame's offset in it and
        the end of the mapping there (the trap hook knows them; otherwise they are looked up)."""
        self.machine = machine
        self.name = name
        self.abi = abi
        self.frame = frame
        if mm is None:
            r = machine.mem.region_at(frame)
            if r is not None:
                mm, base, end = r.backing.mm, r.offset + frame - r.start, r.offset + r.end - r.start
        self._mm = mm
        self._base = base
        self._lim = end - abi.word_size     # last offset a whole word can be read from
        self._offs = abi.arg_offsets
        self._fmt = abi.word_fmt
        self._unpack = abi.word_struct.unpack_from

    def arg(self, i: int) -> int:
        """Argument `i` (0-based) as an unsigned machine word."""
        try:
            o = self._base + self._offs[i]
        except IndexError:
            o = self._base + self.abi.arg_offset(i)
        if o <= self._lim:
            return _unpack_from(self._fmt, self._mm, o)[0]
        # beyond the frame's mapping (or no mapping): a checked read raises MemoryFault
        return self.machine.mem.read_ptr(self.frame + o - self._base)

    def args(self, n: int) -> list[int]:
        """The first `n` arguments."""
        plan = self.abi.args_plan(n)
        if not plan:
            return []
        last = plan[-1]
        if self._base + last[1] + last[0].size - self.abi.word_size <= self._lim:
            out: list[int] = []
            for st, o in plan:
                out += st.unpack_from(self._mm, self._base + o)
            return out
        return [self.arg(i) for i in range(n)]

    def varargs(self, first_index: int) -> "VarArgs":
        """A cursor over the variadic arguments, the first of which is argument `first_index`."""
        return VarArgs(self, first_index)

    @property
    def return_address(self) -> int:
        return self.machine.mem.read_ptr(self.frame + self.abi.return_address_offset)

    def __repr__(self) -> str:
        return f"<TrapCall {self.name} frame={self.frame:#x}>"


class StackFrameCall(TrapCall):
    """The TrapCall the trap hook hands out for frames on a machine call stack.

    One per stack, reused for every trap at that nesting depth (a handler's `call` is valid
    while the handler runs; keep values, not the object). The machine only uses it when the
    frame lies at least `HEADROOM` bytes below the top of the stack, so arguments 0..31
    are inside the mapping and `arg` needs no bounds check.
    """

    __slots__ = ()
    HEADROOM = 512

    def __init__(self, machine: "Machine", abi: Abi, mm, stack_lo: int, stack_hi: int) -> None:
        super().__init__(machine, "", abi, stack_lo, mm, 0, stack_hi - stack_lo)

    def arg(self, i: int) -> int:
        try:
            return self._unpack(self._mm, self._base + self._offs[i])[0]
        except IndexError:
            return TrapCall.arg(self, i)

    def args(self, n: int) -> list[int]:
        plan = self.abi.args_plan(n)
        if len(plan) == 1:
            st, o = plan[0]
            return list(st.unpack_from(self._mm, self._base + o))
        return TrapCall.args(self, n)


class VarArgs:
    """Reads variadic arguments in order, honouring the convention: on x86-64 every value
    takes one 8-byte slot (registers first, then the stack); on i386 values sit on the
    stack in 4-byte slots and a 64-bit `long long` takes two consecutive slots."""

    __slots__ = ("call", "index")

    def __init__(self, call: TrapCall, first_index: int) -> None:
        self.call = call
        self.index = first_index

    def next_int(self, size: int = 4, signed: bool = False) -> int:
        """The next argument as an integer of `size` bytes (1, 2, 4 or 8)."""
        if size not in (1, 2, 4, 8):
            raise ValueError(f"varargs: unsupported integer size {size}")
        ws = self.call.abi.word_size
        value = self.call.arg(self.index)
        self.index += 1
        if size > ws:  # i386 long long: low word first
            value |= self.call.arg(self.index) << (8 * ws)
            self.index += 1
        return to_signed(value, 8 * size) if signed else to_unsigned(value, 8 * size)

    def next_ptr(self) -> int:
        return self.next_int(self.call.abi.word_size)


Handler = Callable[[TrapCall], "int | None"]
