"""kemu.machine — one emulated x86 CPU, a kernel-like address space, service traps and
guest calls. No operating system knowledge lives here (docs/interfaces.md §3)."""
from .abi import ABIS, Abi, Cdecl, Regparm3, SysV
from .disasm import Insn
from .errors import BudgetExhausted, GuestError, GuestFault, GuestInterrupted, GuestTimeout, MachineError, \
    MemoryFault
from .layout import PAGE_SIZE, AddressLayout, Area
from .machine import Hook, Machine, Stub
from .oops import OopsReport
from .prot import Prot
from .recovery import GuestTrap
from .trap import TrapCall, VarArgs
from .valist import GuestVaList

__all__ = ["Machine", "GuestError", "GuestFault", "GuestTimeout", "BudgetExhausted", "GuestInterrupted",
           "MemoryFault",
           "MachineError", "Prot", "AddressLayout", "Area", "PAGE_SIZE", "TrapCall", "VarArgs", "GuestVaList",
           "OopsReport", "GuestTrap", "Insn", "Hook", "Stub", "Abi", "Cdecl", "Regparm3", "SysV", "ABIS"]
