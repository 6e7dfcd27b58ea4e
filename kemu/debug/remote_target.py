"""The GDB stub's view of the machine: registers by GDB name, memory, breakpoints in kemu.

General registers go through the machine's register file; the x87 and SSE registers GDB's
target description also lists are read from Unicorn directly (the machine's register file
covers what services and the oops report need, not the FPU).
"""
from __future__ import annotations

from unicorn import x86_const as X

_FPU = {"fctrl": X.UC_X86_REG_FPCW, "fstat": X.UC_X86_REG_FPSW, "ftag": X.UC_X86_REG_FPTAG,
        "fop": X.UC_X86_REG_FOP, "mxcsr": X.UC_X86_REG_MXCSR}
_FPU_UNAVAILABLE = {"fiseg", "fioff", "foseg", "fooff"}


class RemoteTarget:
    """StubTarget over a Debugger: what `gdbstub.PacketHandler` reads and writes."""

    def __init__(self, debugger):
        self.dbg = debugger
        self.m = debugger.m
        self.arch = debugger.arch
        self.uc = getattr(self.m, "uc", None)

    def read_register(self, name: str) -> int | None:
        if name.startswith("st") and name[2:].isdigit():
            return self._read_st(int(name[2:]))
        if name.startswith("xmm"):
            return self._read_uc(getattr(X, f"UC_X86_REG_XMM{name[3:]}"))
        if name in _FPU:
            return self._read_uc(_FPU[name])
        if name in _FPU_UNAVAILABLE:
            return None
        try:
            return self.m.regs.read(name)
        except Exception:
            return None

    def _read_uc(self, reg_id: int) -> int | None:
        if self.uc is None:
            return None
        try:
            return int(self.uc.reg_read(reg_id))
        except Exception:
            return None

    def _read_st(self, i: int) -> int | None:
        if self.uc is None:
            return None
        try:
            mantissa, exponent = self.uc.reg_read(getattr(X, f"UC_X86_REG_FP{i}"))
        except Exception:
            return None
        return (mantissa & ((1 << 64) - 1)) | ((exponent & 0xFFFF) << 64)

    def write_register(self, name: str, value: int) -> None:
        if name.startswith("xmm") and self.uc is not None:
            self.uc.reg_write(getattr(X, f"UC_X86_REG_XMM{name[3:]}"), value)
            return
        if name in _FPU and self.uc is not None:
            self.uc.reg_write(_FPU[name], value)
            return
        if name.startswith("st") or name in _FPU_UNAVAILABLE:
            raise ValueError(f"register {name} cannot be written")
        if name in ("cs", "ss", "ds", "es", "fs", "gs") and value == self.m.regs.read(name):
            return
        self.m.regs.write(name, value)

    def read_memory(self, addr: int, size: int) -> bytes:
        return self.m.mem.read(addr, size)

    def write_memory(self, addr: int, data: bytes) -> None:
        self.m.mem.write(addr, data)
        if hasattr(self.m.mem, "load_code"):
            # the write may patch code: drop its translations (Python-side writes bypass Unicorn)
            try:
                self.m.uc.ctl_remove_cache(addr, addr + len(data))
            except Exception:
                pass

    def insert_breakpoint(self, addr: int) -> bool:
        self.dbg.add_remote_breakpoint(addr)
        return True

    def remove_breakpoint(self, addr: int) -> bool:
        self.dbg.remove_remote_breakpoint(addr)
        return True

    def insert_watchpoint(self, addr: int, size: int) -> bool:
        try:
            self.dbg.add_remote_watchpoint(addr, size)
        except Exception:
            return False
        return True

    def remove_watchpoint(self, addr: int, size: int) -> bool:
        return self.dbg.remove_remote_watchpoint(addr, size)

    def interrupt(self) -> None:
        """gdb's interrupt (Ctrl-C) while the guest runs; safe from the stub's watching thread."""
        self.m.interrupt()
