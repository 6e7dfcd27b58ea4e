"""`Kernel`: what every kernel has, tied to one machine.

A personality (`kemu.os.<system>`) creates one `Kernel` per emulated system, chooses its errno
table and console, installs the service tables it wants (the generic ones in
`kemu.kernel.services` and its own), defines its data symbols and hands `k.resolver()` to the
linker. Everything here is OS-neutral: numbers, names and layouts that differ between systems
come in from the personality.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from kemu.machine import MemoryFault

from .clock import DEFAULT_BOOT_TIME, VirtualClock
from .devfs import DevFS
from .errno import Errno
from .errors import BadAddress, KernelError
from .files import FileTable
from .heap import KernelHeap
from .loader import ModuleLoader
from .msgbuf import Console, MessageBuffer
from .printf import format_printf
from .service import Service, ServiceTable, TraceRing, build_handler
from .symbols import SymbolTable
from .user import UserSpace

#: Faults a service may meet on a guest pointer; the trap turns them into the OS's EFAULT.
FAULTS = (MemoryFault, BadAddress)
STRING_LIMIT = 1 << 20   # longest C string a service will read (1 MiB): a guard, not a kernel rule
SMALL_ACCESS = 1 << 16   # accesses up to this size are left to the machine's own checks

if TYPE_CHECKING:
    from .missing_call import MissingCall


class Kernel:
    """One emulated kernel: symbols, services, heap, messages, clock, /dev, files, user space."""

    def __init__(self, machine: Any, errno: Errno | None = None, console: Console | None = None, *,
                 abi: str | None = None, trace_size: int = 4096, hz: int = 100,
                 boot_time: int = DEFAULT_BOOT_TIME, msgbuf_size: int = 64 * 1024,
                 heap_area: str = "kheap", user_area: str = "user",
                 driver_for: Callable[[Any], Any] | None = None):
        self.machine = machine
        self.arch: str = machine.arch
        self.word_size: int = machine.word_size
        self.errno = errno if errno is not None else Errno.netbsd()
        self.abi = abi
        self.symbols = SymbolTable()
        self.trace = TraceRing(self.arch, trace_size, read_cstr=machine.mem.read_cstr)
        self.msgbuf = MessageBuffer(msgbuf_size, console)
        self.clock = VirtualClock(hz, boot_time)
        self.heap = KernelHeap(machine, heap_area, symbolize=machine.symbolize)
        self.user = UserSpace(machine, self.errno, user_area)
        self.devfs = DevFS(self.errno, self.clock)
        self.files = FileTable(self.devfs, self.user, self.errno, driver_for)
        self.missing_calls: list["MissingCall"] = []
        self.installed: dict[str, tuple[Service, int]] = {}
        self._lenient_stubs: dict[str, int] = {}
        #: symbol name -> fn(pc), run before module code executes an instruction that refers
        #: to that symbol (found from its relocations when placed): a personality watches
        #: variables modules read inline, as Linux does `jiffies` (reference_sites.py)
        self.reference_watches: dict[str, Callable[[int], None]] = {}
        self._addr_limit = 1 << (8 * self.word_size)
        kernel_areas = [a for a in machine.layout.areas if a.name != user_area]
        self._kernel_start = min(a.start for a in kernel_areas)
        machine.symbolizers.append(self.symbols.symbolize)
        self.loader = ModuleLoader(self)

    # --- console ---------------------------------------------------------------------------
    @property
    def console(self) -> Console | None:
        return self.msgbuf.console

    @console.setter
    def console(self, sink: Console | None) -> None:
        self.msgbuf.console = sink

    # --- services ---------------------------------------------------------------------------
    def install(self, table: ServiceTable | Service, replace: bool = False) -> dict[str, int]:
        """Make a trap stub for every service of `table` and define its symbol.

        Installing a name twice is an error unless `replace` (a personality overriding a generic
        service with its own); returns name → stub address.
        """
        services = [table] if isinstance(table, Service) else list(table)
        for svc in services:
            if svc.name in self.installed and not replace:
                raise KernelError(f"service {svc.name} is already installed "
                                  f"(from subsystem {self.installed[svc.name][0].subsystem!r})")
        out = {}
        for svc in services:
            addr = self._install_stub(svc)
            self.symbols.define(svc.name, addr, "func", replace=replace)
            self.installed[svc.name] = (svc, addr)
            out[svc.name] = addr
        return out

    def _install_stub(self, svc: Service) -> int:
        """The service's stub; its trap handler is generated on the first call, which then puts
        it in its place. A kernel installs every service its modules may use and a run calls a
        few: generating handlers (compiled Python, service.py) for all of them made up much of
        a boot."""
        entry: list[int] = []

        def first_call(call: Any) -> "int | None":
            handler = build_handler(self, svc, self.arch, self.trace, FAULTS, self.errno.EFAULT)
            self.machine.set_stub_handler(entry[0], handler)
            return handler(call)

        entry.append(self.machine.add_stub(svc.name, first_call, abi=self.abi,
                                           variadic=svc.prototype.variadic))
        return entry[0]

    def services(self) -> list[Service]:
        """Installed services, by name."""
        return [self.installed[n][0] for n in sorted(self.installed)]

    # --- symbol resolution for the linker ---------------------------------------------------
    def resolver(self, lenient: bool = False) -> Callable[[str], int | None]:
        """name → address for the linker. Strict: None for unknown names (the load fails the way
        the OS fails it). Lenient: an unknown name gets its own logging stub that records every
        call in `missing_calls`, warns in the message buffer and returns 0."""
        symbols = self.symbols

        def strict(name: str) -> int | None:
            return symbols.lookup(name)

        if not lenient:
            return strict

        def lenient_resolve(name: str) -> int | None:
            addr = symbols.lookup(name)
            if addr is not None:
                return addr
            return self.missing_stub(name)

        return lenient_resolve

    def missing_stub(self, name: str) -> int:
        """The logging stub for an unimplemented `name` (one per name, made on first use)."""
        addr = self._lenient_stubs.get(name)
        if addr is not None:
            return addr

        def handler(call: Any) -> int:
            from .missing_call import MissingCall   # only lenient loads make these stubs
            ra = call.return_address
            mc = MissingCall(name, ra, tuple(call.args(4)), self.machine.symbolize(ra))
            self.missing_calls.append(mc)
            self.msgbuf.write(f"kemu: call to missing kernel function {name} from {mc.caller} "
                              f"(lenient load): returning 0\n")
            return 0

        addr = self.machine.add_stub(f"{name}", handler, abi=self.abi)
        self._lenient_stubs[name] = addr
        return addr

    def lenient_imports(self, image: Any) -> list[str]:
        """The imports of a linked image bound to lenient-load logging stubs, by name."""
        stubs = self._lenient_stubs
        return sorted(name for name, addr in image.imports.items() if stubs.get(name) == addr)

    # --- guest memory helpers for services --------------------------------------------------
    def kernel_range(self, addr: int, n: int) -> bool:
        """True if [addr, addr+n) lies in kernel address space (at or above the lowest kernel area)."""
        return n >= 0 and self._kernel_start <= addr and addr + n <= self._addr_limit

    def check_range(self, addr: int, n: int, access: str) -> None:
        """Raise MemoryFault/BadAddress unless all of [addr, addr+n) is mapped.

        Services call this before building `n`-byte host buffers, so a garbage length faults
        instead of allocating gigabytes."""
        if n < 0 or addr + n > self._addr_limit:
            raise BadAddress(addr, n, access, "range wraps around the address space")
        if n and not self.machine.mem.is_mapped(addr, n):
            raise MemoryFault(addr, n, access)

    def check_length(self, addr: int, n: int, access: str) -> None:
        """Guard a service's length argument before it builds an `n`-byte host buffer.

        Small accesses are checked by the machine's memory access itself (cheaper than checking
        twice, and on the hot path); large ones must be mapped before anything is allocated.
        """
        if n > SMALL_ACCESS or n < 0:
            self.check_range(addr, n, access)

    def read_str(self, addr: int, limit: int | None = None) -> bytes:
        """The C string at `addr` (without NUL), at most `limit` bytes; MemoryFault if it runs
        into unmapped memory first. Without a limit, strings longer than 1 MiB are an error."""
        cap = STRING_LIMIT if limit is None else limit
        text = self.machine.mem.read_cstr(addr, cap)
        if limit is None and len(text) >= cap:
            raise BadAddress(addr, cap, "read", f"no NUL within {cap} bytes")
        return text

    def format(self, fmt_addr: int, args: Any) -> bytes:
        """Run the kernel printf formatter on a guest format string and VarArgs; what it
        clamps or cuts (a huge width, precision or output) is noted on the console."""
        return format_printf(self.read_str(fmt_addr), args, self.read_str, word_size=self.word_size,
                             warn=self._printf_warning)

    def _printf_warning(self, message: str) -> None:
        self.log(f"kemu: {message}\n")

    def log(self, text: str | bytes) -> None:
        """Write to the message buffer (and console)."""
        self.msgbuf.write(text)

    def dmesg(self) -> str:
        return self.msgbuf.text()
