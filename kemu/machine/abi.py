"""Calling conventions, one small class each.

A convention knows three things: how a *stub* spills the arguments of a call into a trap
frame (so Python reads them from guest memory instead of through slow register reads),
where argument *i* then lies relative to the frame, and how `Machine.call` places
arguments and a return address to call guest code. Adding a convention (Windows x64, a
Linux `asmlinkage` variant, …) means adding a class here and registering it.

Frame: the stub stores the stack pointer it has after spilling into a fixed word in kernel
data ("frame pointer slot") and calls its trap slot; the trap hook reads that word, so the
frame of an outer trap survives while a nested call runs on a deeper stack.
"""
from __future__ import annotations

import struct
from typing import Callable

from unicorn.x86_const import (UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_R8,
                               UC_X86_REG_R9, UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDI,
                               UC_X86_REG_RDX, UC_X86_REG_RSI)

from kemu.intbits import to_signed

from .errors import MachineError


def _rel32(src_end: int, target: int) -> bytes:
    delta = target - src_end
    if not -(1 << 31) <= delta < (1 << 31):
        raise MachineError(f"stub at {src_end:#x} cannot reach {target:#x} with a rel32 call")
    return struct.pack("<i", delta)


def _abs32(addr: int, word_size: int) -> bytes:
    """A 32-bit absolute address operand (sign-extended on x86-64)."""
    if word_size == 8:
        signed = to_signed(addr, 64)
        if not -(1 << 31) <= signed < (1 << 31):
            raise MachineError(f"{addr:#x} is not reachable with a sign-extended 32-bit address; "
                               "keep ktext and kdata in the top or bottom 2 GiB")
        return struct.pack("<i", signed)
    return struct.pack("<I", addr)


class Abi:
    """Base class: subclasses fill in the class attributes and `stub_code`."""

    name: str = ""
    arch: str = ""
    word_size: int = 4
    #: Registers carrying the first arguments, in order (Unicorn ids).
    arg_registers: tuple[int, ...] = ()
    #: Extra registers `Machine.call` sets, with their values (e.g. al=0 for SysV varargs).
    call_extra_registers: tuple[tuple[int, int], ...] = ()
    #: Byte offset of the return address from the frame pointer the stub records.
    return_address_offset: int = 0
    #: The convention a *variadic* function uses under this ABI (gcc's regparm does not
    #: apply to variadic functions: they take everything on the stack).
    variadic: str = ""
    #: Stack alignment required at the call instruction.
    stack_align: int = 16
    #: Longest stub, in bytes.
    stub_size: int = 64

    def __init__(self) -> None:
        self.word_fmt = "<Q" if self.word_size == 8 else "<I"
        self.word_struct = struct.Struct(self.word_fmt)
        self.word_mask = (1 << (8 * self.word_size)) - 1
        self.arg_offsets = tuple(self.arg_offset(i) for i in range(32))
        self._plans: dict[int, tuple[tuple[struct.Struct, int], ...]] = {}
        self._packers: dict[int, Callable] = {}
        self._extra_values = [v for _, v in self.call_extra_registers]

    def args_plan(self, n: int) -> tuple[tuple[struct.Struct, int], ...]:
        """How to read the first `n` arguments from a frame with few unpack calls:
        (Struct of k words, frame offset) per contiguous run."""
        plan = self._plans.get(n)
        if plan is None:
            if n > 64:
                raise ValueError(f"args({n}): at most 64 arguments can be read at once")
            runs: list[list[int]] = []
            for i in range(n):
                o = self.arg_offset(i)
                if runs and runs[-1][0] + self.word_size * runs[-1][1] == o:
                    runs[-1][1] += 1
                else:
                    runs.append([o, 1])
            plan = tuple((struct.Struct(f"<{k}{self.word_fmt[1]}"), o) for o, k in runs)
            self._plans[n] = plan
        return plan

    def arg_offset(self, i: int) -> int:
        """Byte offset of argument `i` (one machine word) from the frame pointer."""
        n = len(self.arg_registers)
        if i < n:
            return self.word_size * i  # spilled registers, first argument lowest
        # the caller's stack arguments lie above the spilled registers and the return address
        return self.return_address_offset + self.word_size * (1 + i - n)

    def stub_code(self, entry: int, trap: int, frame_slot: int, result_slot: int) -> bytes:
        """Machine code of a stub placed at `entry` that records its frame in `frame_slot`,
        calls the trap slot `trap`, loads the result from `result_slot` and returns."""
        raise NotImplementedError

    def prepare_call(self, args: tuple[int, ...], stack_top: int, return_address: int
                     ) -> tuple[int, bytes, list[int]]:
        """Lay out a call of a guest function: returns (stack pointer at entry, the bytes to
        store there — return address then stack arguments —, values for `arg_registers`
        followed by `call_extra_registers`)."""
        ws = self.word_size
        mask = self.word_mask
        low = -(1 << (8 * ws - 1))
        words = []
        for a in args:
            if a.__class__ is not int:
                if not isinstance(a, int):  # bool and IntEnum/IntFlag values are fine
                    raise MachineError(f"argument {len(words)} of a guest call must be an int, "
                                       f"got {type(a).__name__}")
                a = int(a)
            if not low <= a <= mask:
                raise MachineError(f"argument {len(words)} ({a:#x}) does not fit a {8 * ws}-bit word")
            words.append(a & mask)
        nreg = len(self.arg_registers)
        if nreg:
            regs = words[:nreg]
            if len(regs) < nreg:
                regs += [0] * (nreg - len(regs))
            stack_words = [return_address, *words[nreg:]]
        else:
            regs = []
            stack_words = [return_address, *words]
        k = len(stack_words)
        # at the call instruction the stack (just above the return address) is aligned
        sp = ((stack_top - ws * (k - 1)) & -self.stack_align) - ws
        packer = self._packers.get(k)
        if packer is None:
            packer = self._packers[k] = struct.Struct(f"<{k}{self.word_fmt[1]}").pack
        return sp, packer(*stack_words), regs + self._extra_values

class Cdecl(Abi):
    """i386 System V / BSD kernels: every argument on the stack, result in eax (edx:eax)."""

    name = "cdecl"
    arch = "i386"
    word_size = 4
    return_address_offset = 0
    variadic = "cdecl"

    def stub_code(self, entry: int, trap: int, frame_slot: int, result_slot: int) -> bytes:
        code = b"\x89\x25" + _abs32(frame_slot, 4)            # mov [frame_slot], esp
        code += b"\xe8" + _rel32(entry + len(code) + 5, trap)  # call trap
        code += b"\xa1" + _abs32(result_slot, 4)               # mov eax, [result]
        code += b"\x8b\x15" + _abs32(result_slot + 4, 4)       # mov edx, [result+4]
        return code + b"\xc3"                                  # ret


class Regparm3(Abi):
    """i386 Linux kernels (-mregparm=3): eax, edx, ecx, then the stack."""

    name = "regparm3"
    arch = "i386"
    word_size = 4
    arg_registers = (UC_X86_REG_EAX, UC_X86_REG_EDX, UC_X86_REG_ECX)
    return_address_offset = 12
    variadic = "cdecl"

    def stub_code(self, entry: int, trap: int, frame_slot: int, result_slot: int) -> bytes:
        code = b"\x51\x52\x50"                                 # push ecx; push edx; push eax
        code += b"\x89\x25" + _abs32(frame_slot, 4)            # mov [frame_slot], esp
        code += b"\xe8" + _rel32(entry + len(code) + 5, trap)  # call trap
        code += b"\x83\xc4\x0c"                                # add esp, 12
        code += b"\xa1" + _abs32(result_slot, 4)               # mov eax, [result]
        code += b"\x8b\x15" + _abs32(result_slot + 4, 4)       # mov edx, [result+4]
        return code + b"\xc3"                                  # ret


class SysV(Abi):
    """x86-64 System V: rdi, rsi, rdx, rcx, r8, r9, then the stack; varargs continue the
    same way (al holds the number of vector registers used: 0, kernels have no SSE)."""

    name = "sysv"
    arch = "x86_64"
    word_size = 8
    arg_registers = (UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX, UC_X86_REG_RCX,
                     UC_X86_REG_R8, UC_X86_REG_R9)
    call_extra_registers = ((UC_X86_REG_RAX, 0),)
    return_address_offset = 48
    variadic = "sysv"

    def stub_code(self, entry: int, trap: int, frame_slot: int, result_slot: int) -> bytes:
        code = b"\x41\x51\x41\x50\x51\x52\x56\x57"             # push r9, r8, rcx, rdx, rsi, rdi
        code += b"\x48\x89\x24\x25" + _abs32(frame_slot, 8)    # mov [frame_slot], rsp
        code += b"\xe8" + _rel32(entry + len(code) + 5, trap)  # call trap
        code += b"\x48\x83\xc4\x30"                            # add rsp, 48
        code += b"\x48\x8b\x04\x25" + _abs32(result_slot, 8)   # mov rax, [result]
        code += b"\x48\x8b\x14\x25" + _abs32(result_slot + 8, 8)  # mov rdx, [result+8]
        return code + b"\xc3"                                  # ret


#: Registered conventions by name.
ABIS: dict[str, type[Abi]] = {cls.name: cls for cls in (Cdecl, Regparm3, SysV)}
#: The default convention per arch.
DEFAULT_ABI = {"i386": "cdecl", "x86_64": "sysv"}


def get_abi(name: str, arch: str) -> Abi:
    """The convention `name` for `arch`; a clear error for unknown or mismatched names."""
    cls = ABIS.get(name)
    if cls is None:
        raise MachineError(f"unknown ABI {name!r} (known: {', '.join(sorted(ABIS))})")
    if cls.arch != arch:
        raise MachineError(f"ABI {name!r} is for {cls.arch}, not {arch}")
    return cls()
