"""kemu.kernel — what every kernel has, with no single OS's rules (contract: docs/interfaces.md §4).

Public API: `Kernel`, `ServiceTable`, `service`, `Errno`, `SyscallError`, `KernelError`, plus the
building blocks personalities wrap (`format_printf`, `UioLayout`/`uiomove`, `StructLayout`,
`ListVarArgs`, `CharDriver`).
"""
from .clock import VirtualClock
from .cstruct import StructLayout
from .devfs import DevFS, DevNode, ls_long
from .errno import Errno
from .errors import BadAddress, GuestCrash, KernelError, KernelPanic, SyscallError
from .files import CharDriver, FileTable, IoctlResult, OpenFile
from .guarded import guarded_call
from .heap import Allocation, HeapError, KernelHeap
from .kernel import Kernel, MissingCall
from .loader import LinkFailure, ModuleLoader
from .module import LoadedModule, ModuleState
from .msgbuf import MessageBuffer
from .printf import format_printf
from .prototype import CType, Param, Prototype, PrototypeError, parse_prototype
from .service import Service, ServiceCall, ServiceTable, TraceRing, service
from .symbols import KERNEL, KernelSymbol, SymbolTable
from .uio import GuestUio, UioLayout, UioState, make_uiomove, read_uio, uiomove, write_uio
from .user import UserSpace
from .varargs import ListVarArgs, VarArgs

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
