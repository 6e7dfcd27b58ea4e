"""`NetBSDLKM`: a NetBSD 1.6 kernel with the LKM facility, ready for modload.

`kemu.boot("netbsd-lkm", "i386")` returns one. It owns a `kemu.machine.Machine` laid out like
NetBSD's address space (modules from 0xdca4f000 on i386, in the top 2 GiB on x86-64), a
`kemu.kernel.Kernel` with NetBSD's errno table and the services of `services.py`, the device
switches `cdevsw[]`/`bdevsw[]` in guest memory, the LKM table, and a descriptor table whose
device files reach drivers through `cdevsw[]`.

The Python API has the verbs of the real system:

    system.modload("fibo.o", postinstall="fibo_postinstall.sh")  -> LoadResult
    system.modstat() -> [ModuleStat]; system.modunload(name="fibo")
    fd = system.open("/dev/fibo0"); system.read(fd, 16); system.close(fd)
    system.dmesg()

Failures raise `kemu.kernel.SyscallError` carrying NetBSD's errno, its name and its strerror
text; `ModuleLoadError` (a SyscallError) also carries the lines and exit status modload printed.
"""
from __future__ import annotations

import io
import os
from typing import Callable

from kemu.kernel import Errno, Kernel, SyscallError, UioLayout, make_uiomove
from kemu.kernel.services import copy as copy_services, string as string_services
from kemu.machine import BudgetExhausted, GuestError, GuestInterrupted, GuestTimeout, Machine

from .commands import COMMANDS, modload as modload_command
from .commands.fileutils import COMMANDS as FILE_COMMANDS
from .devices import CdevswDriver, UIO_READ, UIO_WRITE
from .devsw import BLOCK, CHAR, DeviceSwitch
from .layouts import IOVEC, SYSENT, UIO
from .lkm import LKM, LinkFailure, ModuleAt, ModuleStat
from .services import KernelPanic, table as netbsd_services

SYS_MAXSYSCALL = 300
PROC_SIZE = 1024          # an opaque struct proc: modules only pass the pointer on
DEFAULT_CALL_TIMEOUT = 5.0


class GuestCrash(SyscallError):
    """Guest code faulted, ran out of time or panicked; the oops is already on the console."""


class ModuleLoadError(SyscallError):
    """modload failed: `status` is its exit status, `output` what it printed on stderr."""

    def __init__(self, errno: int, name: str, message: str, status: int, output: str):
        super().__init__(errno, name, message, "modload")
        self.status = status
        self.output = output

    def __str__(self) -> str:
        return self.output.rstrip() or super().__str__()


class NetBSDLKM:
    """A booted NetBSD 1.6 kernel with LKM support, on one emulated CPU."""

    os_name = "netbsd-lkm"

    def __init__(self, arch: str = "i386", *, call_timeout: float = DEFAULT_CALL_TIMEOUT,
                 console: Callable[[str], None] | None = None):
        self.arch = arch
        self.call_timeout = call_timeout
        self.machine = Machine(arch, timeout=call_timeout)
        self.errno = Errno.netbsd()
        self.kernel = Kernel(self.machine, self.errno, console=self._console_write,
                             driver_for=self._driver_for)
        self.kernel.netbsd = self
        self.console = console            # where console output goes (the shell sets it)
        self.terminal: Callable[[str], None] | None = None   # uprintf's destination
        self.umask = 0o022
        self.leaked: list[tuple[str, object, str]] = []      # (module, Allocation, allocator)

        for table in (copy_services.table, string_services.table, netbsd_services):
            self.kernel.install(table)
        self._define_kernel_data()
        self.uio_layout = UioLayout(IOVEC.layout(arch).kernel_layout(), UIO.layout(arch).kernel_layout())
        self.uio_move = make_uiomove(self.kernel, self.uio_layout)   # the uiomove/ureadc services' worker
        self.lkm = LKM(self)
        self.driver = CdevswDriver(self)

    @property
    def devfs(self):
        """kemu's /dev (kemu.kernel.DevFS)."""
        return self.kernel.devfs

    @property
    def clock(self):
        return self.kernel.clock

    # --- boot-time data -----------------------------------------------------------------------
    def kernel_data(self, size: int, name: str | None = None, value: bytes | None = None) -> int:
        """Zeroed (or `value`) kernel memory; with a name, also a kernel symbol modules can use."""
        addr = self.machine.alloc("kdata", max(size, 1), 16)
        self.machine.mem.write(addr, value if value is not None else bytes(size))
        if name:
            self.kernel.symbols.define(name, addr, "object", size)
        return addr

    def _define_kernel_data(self) -> None:
        word = self.machine.word_size
        stubs = {n: self.kernel.symbols.lookup(n) for n in ("enxio", "enodev", "lkmenodev", "seltrue")}
        self.cdevsw = self._switch(CHAR, stubs)
        self.bdevsw = self._switch(BLOCK, stubs)
        self.kernel_data(4, "securelevel", (0).to_bytes(4, "little"))
        self.kernel_data(4, "hz", self.kernel.clock.hz.to_bytes(4, "little"))
        self.kernel_data(word, "panicstr")
        layout = SYSENT.layout(self.arch)
        entry = layout.pack({"sy_call": self.kernel.symbols.lookup("lkmnosys")})
        self.kernel_data(layout.size * SYS_MAXSYSCALL, "sysent", entry * SYS_MAXSYSCALL)
        self.curproc = self.kernel_data(PROC_SIZE, "proc0")
        self.scratch_byte = self.kernel_data(16)

    def _switch(self, config, stubs) -> DeviceSwitch:
        size = config.struct.layout(self.arch).size * config.size
        addr = self.kernel_data(size, config.symbol)
        self.kernel_data(4, config.count_symbol, config.size.to_bytes(4, "little"))
        return DeviceSwitch(self.machine, config, stubs, addr)

    # --- console, terminal, messages --------------------------------------------------------
    def _console_write(self, text: str) -> None:
        if self.console is not None:
            self.console(text)

    def kprintf(self, text: str) -> None:
        """A kernel message: console and dmesg."""
        self.kernel.msgbuf.write(text)

    def terminal_write(self, text: str) -> None:
        """uprintf(9) output: the user's terminal, else the console."""
        (self.terminal or self._console_write)(text)

    def dmesg(self) -> str:
        return self.kernel.dmesg()

    # --- running guest code -----------------------------------------------------------------
    def call_guest(self, addr: int, *args: int, what: str) -> int:
        """Call guest code; a fault, timeout or panic is reported (console and dmesg) and
        raised as GuestCrash with EFAULT (ETIMEDOUT when it ran too long, EINTR when the user
        interrupted it: Ctrl-C)."""
        try:
            return self.machine.call(addr, *args, timeout=self.call_timeout)
        except KernelPanic as exc:
            self.kprintf(f"panic: {exc}\nkemu: {what} abandoned; the machine carries on\n")
            raise GuestCrash(self.errno.EFAULT, "EFAULT", self.errno.strerror(self.errno.EFAULT), what) from None
        except GuestInterrupted as exc:
            where = exc.oops.pc_symbol if exc.oops is not None else "?"
            self.kprintf(f"kemu: {what} interrupted at {where}: abandoned\n")
            self.last_oops = exc.oops.text if exc.oops is not None else str(exc)
            number = self.errno.EINTR
            raise GuestCrash(number, "EINTR", self.errno.strerror(number), what) from None
        except GuestError as exc:
            if isinstance(exc, (GuestTimeout, BudgetExhausted)):
                number = self.errno.ETIMEDOUT
                head = f"kemu: {what} did not return within {self.call_timeout:g} s: stopped"
            else:
                number = self.errno.EFAULT
                head = f"kemu: fault in {what}"
            report = exc.oops.text if exc.oops is not None else str(exc)
            self.kprintf(f"{head}\n{report.rstrip()}\n")
            self.last_oops = report
            raise GuestCrash(number, self.errno.name(number), self.errno.strerror(number), what) from None

    last_oops: str = ""

    # --- linking and leaks (used by lkm.py) ---------------------------------------------------
    def read_object(self, path: str, display_name: str | None = None):
        from kemu.elf import ObjectFile
        with open(path, "rb") as f:
            data = f.read()
        return ObjectFile.parse(data, display_name or path)

    def link(self, obj, base: int, lenient: bool):
        from kemu.link import LinkError, UnresolvedSymbols, link
        if obj.arch != self.arch:
            bfd = {"i386": "i386", "x86_64": "i386:x86-64"}
            raise LinkFailure([f"ld: {bfd.get(obj.arch, obj.arch)} architecture of input file "
                               f"`{obj.name}' is incompatible with {bfd[self.arch]} output"])
        try:
            return link(obj, base=base, resolve=self.kernel.resolver(lenient=lenient), page_size=4096)
        except UnresolvedSymbols as exc:
            raise LinkFailure([f"{obj.name}: undefined reference to `{name}'" for name in exc.references]) from None
        except LinkError as exc:
            raise LinkFailure([f"{obj.name}: {exc}"]) from None

    def missing_symbols(self, image) -> list[str]:
        """Imports bound to lenient-load stubs rather than real services."""
        stubs = self.kernel._lenient_stubs
        return sorted(name for name, addr in image.imports.items() if stubs.get(name) == addr)

    def module_leaks(self, slot) -> list:
        """Heap blocks allocated by the module's code and still live."""
        return [a for a in self.kernel.heap.leaks()
                if a.caller is not None and slot.area <= a.caller < slot.area + slot.size]

    def describe_leaks(self, slot, leaks: list) -> list[str]:
        lines = []
        for a in leaks:
            where = slot.image.symbolize(a.caller) if slot.image is not None else None
            caller = f"{where[0]}+{where[1]:#x}" if where else f"{a.caller:#x}"
            lines.append(f"kemu:   {a.size} bytes of {a.tag} at {a.addr:#x}, allocated by {caller}")
            self.leaked.append((slot.name, a, caller))
        return lines

    def report_leaks(self, name: str, lines: list[str], when: str) -> None:
        if lines:
            self.kprintf(f"kemu: {name} still holds {len(lines)} allocation(s) after {when}:\n"
                         + "".join(line + "\n" for line in lines))

    def leaks(self) -> list[tuple[str, object, str]]:
        """Every allocation a module left behind when it was unloaded: (module, block, allocator)."""
        return list(self.leaked)

    # --- devices ------------------------------------------------------------------------------
    def _driver_for(self, node):
        return self.driver if node.is_char else None

    # --- the Python API: module verbs --------------------------------------------------------
    def modload(self, path: str, entry: str | None = None, postinstall: str | None = None, *,
                lenient: bool = False, symbols: bool = True) -> "modload_command.LoadResult":
        """Load a module as `modload` would; raises ModuleLoadError with modload's messages."""
        argv = ([] if entry is None else ["-e", entry]) + ([] if postinstall is None else ["-p", postinstall])
        argv += ([] if symbols else ["-s"]) + (["--lenient"] if lenient else []) + [path]
        out, err = io.StringIO(), io.StringIO()
        outcome = modload_command.execute(self, argv, out, err, cwd=os.getcwd())
        if outcome.status != 0 or outcome.result is None:
            number = outcome.errno if outcome.errno is not None else self.errno.EINVAL
            raise ModuleLoadError(number, self.errno.name(number), self.errno.strerror(number),
                                  outcome.status, err.getvalue())
        return outcome.result

    def modunload(self, id: int | None = None, name: str | None = None) -> None:
        """Unload by id or name; SyscallError EINVAL / ENOENT / EBUSY as LMUNLOAD reports them."""
        if id is None and name is None:
            raise ValueError("modunload needs an id or a name")
        self.lkm.unload(-1 if id is None else id, name)

    def modstat(self, id: int | None = None, name: str | None = None) -> list[ModuleStat]:
        """One module (by id or name) or every loaded module, as modstat lists them."""
        if id is not None or name is not None:
            return [self.lkm.stat(-1 if id is None else id, name)]
        return [self.lkm.stat(s.id, None) for s in self.lkm.used_slots()]

    def module_at(self, addr: int) -> ModuleAt | None:
        """The module whose memory holds `addr`: `.name`, `.image` (LinkedImage), `.object_name`
        (path of the .o), `.id`; None if no loaded module holds it (docs/interfaces.md §5)."""
        return self.lkm.module_at(addr)

    # --- the Python API: files ---------------------------------------------------------------
    def open(self, path: str, mode: str | int = "r") -> int:
        return self.kernel.files.open(path, mode)

    def close(self, fd: int) -> None:
        self.kernel.files.close(fd)

    def read(self, fd: int, n: int) -> bytes:
        return self.kernel.files.read(fd, n)

    def write(self, fd: int, data: bytes) -> int:
        return self.kernel.files.write(fd, data)

    def ioctl(self, fd: int, cmd: int, arg: int | bytes | None = None):
        """An ioctl; for commands that copy data in or out pass the bytes and get
        `IoctlResult(value, data)` back."""
        return self.kernel.files.ioctl(fd, cmd, arg)

    def readv(self, fd: int, iov: list) -> list[bytes]:
        """readv(2): `iov` items are lengths (kemu makes user buffers) or (user address, length)
        pairs (the caller's own, possibly bad, pointers). Returns what landed in each buffer."""
        return self._vector(fd, iov, UIO_READ, None)

    def writev(self, fd: int, iov: list) -> int:
        """writev(2): `iov` items are bytes, or (user address, length) pairs."""
        return self._vector(fd, iov, UIO_WRITE, None)

    def _vector(self, fd: int, iov: list, rw: int, _unused) -> "list[bytes] | int":
        files, user = self.kernel.files, self.kernel.user
        f = files.get(fd)
        if (rw == UIO_READ and not f.readable) or (rw == UIO_WRITE and not f.writable):
            raise self.errno.error("EBADF", f"fd {fd} not open for {'reading' if rw == UIO_READ else 'writing'}")
        owned, vecs = [], []
        try:
            for item in iov:
                if isinstance(item, tuple):
                    vecs.append((int(item[0]), int(item[1])))
                    continue
                data = item if isinstance(item, (bytes, bytearray)) else None
                length = len(data) if data is not None else int(item)
                addr = user.alloc(length)
                if data:
                    self.machine.mem.write(addr, bytes(data))
                owned.append(addr)
                vecs.append((addr, length))
            moved = f.driver.transfer(f, vecs, rw)
            f.offset += moved
            if rw == UIO_WRITE:
                return moved
            out, left = [], moved
            for addr, length in vecs:
                take = min(left, length)
                out.append(self.machine.mem.read(addr, take) if take else b"")
                left -= take
            return out
        finally:
            for addr in owned:
                user.free(addr)

    # --- shell ---------------------------------------------------------------------------------
    def run_command(self, argv: list[str], out, err, cwd: str | None = None) -> int:
        """Run one of the NetBSD commands kemu provides (modload, modstat, ls, mknod …)."""
        name, *args = argv
        if name == "modload":
            return modload_command.run(self, args, out, err, cwd=cwd)
        return COMMANDS[name](self, args, out, err)

    def shim_handler(self, argv: list[str], out, err) -> int:
        """What a post-install script's mknod/rm/chmod/ls do: act on this system's /dev."""
        from .shell import expand_words
        name, *args = argv
        command = FILE_COMMANDS.get(name)
        if command is None:
            err.write(f"{name}: not available in kemu's post-install environment\n")
            return 127
        return command(self, expand_words(self, args), out, err)

    def shell(self, **kwargs):
        """A `Shell` over this system (`run_line`, `run_script`, `interact`)."""
        from .shell import Shell
        return Shell(self, **kwargs)

    def __repr__(self) -> str:
        return f"<NetBSD 1.6 LKM kernel on {self.arch}: {len(self.lkm.used_slots())} module(s) loaded>"
