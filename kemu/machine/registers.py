"""CPU registers by name, for services, the oops report and the debugger."""
from __future__ import annotations

from unicorn import x86_const as X

from .errors import MachineError

_I386_MAIN = ["eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip", "eflags"]
_X86_64_MAIN = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
                "r12", "r13", "r14", "r15", "rip", "rflags"]
_SEGMENTS = ["cs", "ss", "ds", "es", "fs", "gs"]


def _ids(names: list[str]) -> dict[str, int]:
    return {n: getattr(X, f"UC_X86_REG_{n.upper()}") for n in names}


_COMMON = _ids(["eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip", "eflags",
                "ax", "bx", "cx", "dx", "si", "di", "bp", "sp", "ip", "al", "bl", "cl", "dl",
                "ah", "bh", "ch", "dh", "cr0", "cr2", "cr3", "cr4", "dr0", "dr1", "dr2", "dr3",
                "dr6", "dr7", "fpcw", "fpsw", "fptag", "mxcsr"] + _SEGMENTS)
_X86_64_ONLY = _ids(["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "rip", "rflags",
                     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                     "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d",
                     "sil", "dil", "bpl", "spl", "fs_base", "gs_base"])


class Registers:
    """`read(name)`, `write(name, value)`, `snapshot()` of the main registers.

    Names are lower case as the assembler spells them (eax, rip, r8d, eflags, cs …).
    `pc`, `sp` and `fp` name the arch's program counter, stack and frame pointer.
    """

    def __init__(self, uc, arch: str) -> None:
        self._uc = uc
        self.arch = arch
        if arch == "x86_64":
            self.ids = dict(_COMMON, **_X86_64_ONLY)
            self.main = list(_X86_64_MAIN)
            self.pc_name, self.sp_name, self.fp_name, self.flags_name = "rip", "rsp", "rbp", "rflags"
            self.ids["eflags"] = X.UC_X86_REG_RFLAGS
        else:
            self.ids = dict(_COMMON)
            self.main = list(_I386_MAIN)
            self.pc_name, self.sp_name, self.fp_name, self.flags_name = "eip", "esp", "ebp", "eflags"
        self.ids["pc"] = self.ids[self.pc_name]
        self.ids["sp"] = self.ids[self.sp_name]  # the full-width stack pointer, not the 16-bit one
        self.ids["fp"] = self.ids[self.fp_name]
        self.pc_id = self.ids[self.pc_name]
        self.sp_id = self.ids[self.sp_name]
        self.fp_id = self.ids[self.fp_name]
        self.ret_id = self.ids["rax" if arch == "x86_64" else "eax"]

    def _id(self, name: str) -> int:
        try:
            return self.ids[name.lower()]
        except (KeyError, AttributeError):
            raise MachineError(f"unknown {self.arch} register {name!r}") from None

    def read(self, name: str) -> int:
        return self._uc.reg_read(self._id(name))

    def write(self, name: str, value: int) -> None:
        self._uc.reg_write(self._id(name), value)

    def snapshot(self, names: list[str] | None = None) -> dict[str, int]:
        """Values of `names` (default: general registers, pc and flags), in order."""
        names = self.main if names is None else names
        values = self._uc.reg_read_batch([self._id(n) for n in names])
        return dict(zip(names, values))

    def names(self) -> list[str]:
        return sorted(self.ids)
