"""Register names per architecture, in the orders the debugger's users expect them.

The engine, the unwinder, the context panel, `info registers` and the expression evaluator
all name registers; keeping every list here means an arch is described once. The panel and
`info registers` follow gdb's order (eax ebx ecx edx …), the unwinder needs the ones DWARF CFI
can describe, and the evaluator also accepts the 32-bit halves on x86-64 (`$eax`).
"""
from __future__ import annotations

from dataclasses import dataclass

_GENERAL = {
    "i386": ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp"),
    "x86_64": ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
               *(f"r{i}" for i in range(8, 16))),
}
_UNWIND = {
    "i386": ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip"),
    "x86_64": ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
               *(f"r{i}" for i in range(8, 16)), "rip"),
}
_SEGMENTS = ("cs", "ss", "ds", "es", "fs", "gs")
# registers a called function must give back unchanged (System V i386 / x86-64 psABI)
_CALLEE_SAVED = {
    "i386": ("ebx", "esi", "edi", "ebp", "esp"),
    "x86_64": ("rbx", "rbp", "rsp", "r12", "r13", "r14", "r15"),
}


@dataclass(frozen=True)
class ArchRegisters:
    """What the debugger calls the registers of one arch."""

    arch: str
    word: int            # bytes in a pointer
    pc: str
    sp: str
    fp: str
    ret: str             # where a function's return value is

    @property
    def mask(self) -> int:
        return (1 << (8 * self.word)) - 1

    @property
    def shown(self) -> list[str]:
        """The context panel's registers: general ones, pc and flags."""
        return [*_GENERAL[self.arch], self.pc, "eflags"]

    @property
    def info(self) -> list[str]:
        """`info registers` without arguments: the panel's, then the segment registers."""
        return self.shown + list(_SEGMENTS)

    @property
    def unwind(self) -> list[str]:
        """The registers the unwinder reads CFI rules against."""
        return list(_UNWIND[self.arch])

    @property
    def callee_saved(self) -> tuple[str, ...]:
        """Registers still valid in a caller's frame when no unwind rule mentions them."""
        return _CALLEE_SAVED[self.arch]

    @property
    def expression_names(self) -> set[str]:
        """Every `$name` an expression may use (on x86-64 also the 32-bit halves)."""
        names = set(self.info)
        if self.arch == "x86_64":
            names |= set(_GENERAL["i386"])
        return names

    def alias(self, name: str) -> str:
        """gdb's `pc`, `sp`, `fp` as this arch's register; other names unchanged."""
        return {"pc": self.pc, "sp": self.sp, "fp": self.fp}.get(name, name)


def arch_registers(arch: str) -> ArchRegisters:
    """The register names of "i386" or "x86_64"."""
    if arch == "x86_64":
        return ArchRegisters(arch, 8, "rip", "rsp", "rbp", "rax")
    return ArchRegisters(arch, 4, "eip", "esp", "ebp", "eax")
