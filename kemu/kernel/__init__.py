"""kemu.kernel — what every kernel has, with no single OS's rules (contract: docs/interfaces.md §4).

Public API: `Kernel`, `ServiceTable`, `service`, `Errno`, `SyscallError`, `KernelError`, plus the
building blocks personalities wrap (`format_printf`, `UioLayout`/`uiomove`, `StructLayout`,
`ListVarArgs`, `CharDriver`).

Each name is imported from its module when first used (kemu.lazy): a run that needs the heap
and the loader does not pay for uio, varargs or the printf formatter until it calls them.
"""
from kemu.lazy import lazy_exports

# `service` is also the name of a module here: bound now, so the function is what
# `kemu.kernel.service` means whichever import comes first (as before).
from .service import Service, ServiceTable, TraceRing, service

__getattr__, __dir__ = lazy_exports(__name__, {
    ".clock": ["VirtualClock"],
    ".cstruct": ["StructLayout"],
    ".devfs": ["DevFS", "DevNode", "ls_long"],
    ".errno": ["Errno"],
    ".errors": ["BadAddress", "GuestCrash", "KernelError", "KernelPanic", "SyscallError"],
    ".files": ["CharDriver", "FileTable", "IoctlResult", "OpenFile"],
    ".guarded": ["guarded_call"],
    ".heap": ["Allocation", "HeapError", "KernelHeap"],
    ".kernel": ["Kernel"],
    ".loader": ["LinkFailure", "ModuleLoader"],
    ".missing_call": ["MissingCall"],
    ".module": ["LoadedModule", "ModuleState"],
    ".msgbuf": ["MessageBuffer"],
    ".printf": ["format_printf"],
    ".prototype": ["CType", "Param", "Prototype", "PrototypeError", "parse_prototype"],
    ".service_call": ["ServiceCall"],
    ".symbols": ["KERNEL", "KernelSymbol", "SymbolTable"],
    ".uio": ["GuestUio", "UioLayout", "UioState", "make_uiomove", "read_uio", "uiomove", "write_uio"],
    ".user": ["UserSpace"],
    ".varargs": ["ListVarArgs", "VarArgs"],
})

__all__ = [
    "KERNEL", "GuestCrash", "KernelPanic", "LinkFailure", "LoadedModule", "ModuleLoader", "ModuleState",
    "guarded_call",
    "Allocation", "BadAddress", "CType", "CharDriver", "DevFS", "DevNode", "Errno", "FileTable",
    "GuestUio", "HeapError", "IoctlResult", "Kernel", "KernelError", "KernelHeap", "KernelSymbol",
    "ListVarArgs", "MessageBuffer", "MissingCall", "OpenFile", "Param", "Prototype", "PrototypeError",
    "Service", "ServiceCall", "ServiceTable", "StructLayout", "SymbolTable", "SyscallError",
    "TraceRing", "UioLayout", "UioState", "UserSpace", "VarArgs", "VirtualClock", "format_printf",
    "ls_long", "make_uiomove", "parse_prototype", "read_uio", "service", "uiomove", "write_uio",
]
