"""kemu.machine — one emulated x86 CPU, a kernel-like address space, service traps and
guest calls. No operating system knowledge lives here (docs/interfaces.md §3).

Each name is imported from its module when first used (kemu.lazy): `from kemu.machine import
MemoryFault` loads the errors, not Unicorn.
"""
from kemu.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    ".abi": ["ABIS", "Abi", "Cdecl", "Regparm3", "SysV"],
    ".debug_hooks": ["Hook"],
    ".disasm": ["Insn"],
    ".errors": ["BudgetExhausted", "GuestError", "GuestFault", "GuestInterrupted", "GuestTimeout",
                "MachineError", "MemoryFault"],
    ".layout": ["PAGE_SIZE", "AddressLayout", "Area"],
    ".machine": ["Machine"],
    ".oops": ["OopsReport"],
    ".prot": ["Prot"],
    ".recovery": ["GuestTrap"],
    ".stubs": ["Stub"],
    ".trap": ["TrapCall", "VarArgs"],
    ".valist": ["GuestVaList"],
})

__all__ = ["Machine", "GuestError", "GuestFault", "GuestTimeout", "BudgetExhausted", "GuestInterrupted",
           "MemoryFault",
           "MachineError", "Prot", "AddressLayout", "Area", "PAGE_SIZE", "TrapCall", "VarArgs", "GuestVaList",
           "OopsReport", "GuestTrap", "Insn", "Hook", "Stub", "Abi", "Cdecl", "Regparm3", "SysV", "ABIS"]
