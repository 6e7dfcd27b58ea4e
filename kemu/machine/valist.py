"""Reading a guest `va_list`, for vprintf(9) and vsnprintf(9).

A module that wraps printf (`void mylog(const char *fmt, ...) { va_list ap; va_start(ap, fmt);
vprintf(fmt, ap); }`) hands the kernel a `va_list`, not the arguments. Its shape is the ABI's:

* i386: a `char *` pointing at the first variadic argument on the caller's stack; each argument
  occupies 4 bytes (8 for a 64-bit integer).
* x86-64 System V: a pointer to `struct { u32 gp_offset; u32 fp_offset; void *overflow_arg_area;
  void *reg_save_area; }`. Integer arguments come from the register save area while
  gp_offset < 48, then from the overflow area 8 bytes at a time.

`GuestVaList` offers the same `next_int`/`next_ptr` cursor as a trap's own `...`
(`TrapCall.varargs`), so the kernel printf formatter reads either alike. The va_list shape is
the ABI's, not any one system's: BSD vprintf and Linux vprintk read it the same way.
"""
from __future__ import annotations

from kemu.arch import WORD_SIZE
from kemu.intbits import to_signed, to_unsigned

_GP_REGS_BYTES = 48   # six integer argument registers in the x86-64 register save area


class GuestVaList:
    """A cursor over the arguments a guest `va_list` at `va_list` describes."""

    def __init__(self, mem, arch: str, va_list: int):
        self.mem = mem
        self.arch = arch
        self.word_size = WORD_SIZE[arch]
        if arch == "i386":
            self.pos = va_list
        else:
            raw = mem.read(va_list, 24)
            self.gp_offset = int.from_bytes(raw[0:4], "little")
            self.overflow = int.from_bytes(raw[8:16], "little")
            self.reg_save = int.from_bytes(raw[16:24], "little")

    def _next_word(self, size: int) -> int:
        """The next argument slot's raw bytes as an unsigned integer of `size` (4 or 8) bytes."""
        if self.arch == "i386":
            value = int.from_bytes(self.mem.read(self.pos, size), "little")
            self.pos += size
            return value
        if self.gp_offset < _GP_REGS_BYTES:
            addr = self.reg_save + self.gp_offset
            self.gp_offset += 8
        else:
            addr = self.overflow
            self.overflow += 8
        return int.from_bytes(self.mem.read(addr, 8), "little")

    def next_int(self, size: int, signed: bool) -> int:
        slot = 8 if size == 8 else 4
        value = self._next_word(slot)
        return to_signed(value, 8 * size) if signed else to_unsigned(value, 8 * size)

    def next_ptr(self) -> int:
        return self._next_word(self.word_size) & ((1 << (8 * self.word_size)) - 1)
