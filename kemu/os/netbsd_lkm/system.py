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

from kemu.kernel import (Errno, GuestCrash, Kernel, LoadedModule, SyscallError, UioLayout,
                         guarded_call, make_uiomove)
from kemu.kernel.services import copy as copy_services, string as string_services
from kemu.machine import Machine
from kemu.kernel.file_calls import FileCalls

from .commands import COMMANDS
from .commands.fileutils import COMMANDS as FILE_COMMANDS
from .devices import CdevswDriver, UIO_READ, UIO_WRITE
from .devsw import BLOCK, CHAR, DeviceSwitch
from .layouts import IOVEC, SYSENT, UIO
from .lkm import LKM, ModuleStat
from .loading import LoadResult, ModloadOptions, ModuleLoadError, modload as run_modload
from .services import table as netbsd_services

SYS_MAXSYSCALL = 300
PROC_SIZE = 1024          # an opaque struct proc: modules only pass the pointer on
DEFAULT_CALL_TIMEOUT = 5.0


__all__ = ["NetBSDLKM", "GuestCrash", "ModuleLoadError", "LoadResult"]


class NetBSDLKM(FileCalls):
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
        self.kernel.loader.timeout = call_timeout
        self.console = console            # where console output goes (the shell sets it)
        self.terminal: Callable[[str], None] | None = None   # uprintf's destination
        self.umask = 0o022
        self.leaked: list[tuple[str, object, str]] = []      # (module, Allocation, allocator)

        for table in (copy_services.table, string_services.table, netbsd_services):
            self.kernel.install(table)
        self._define_kernel_data()
        self.uio_layout = UioLayout(IOVEC.layout(arch), UIO.layout(arch))
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
        entry = layout.pack(sy_call=self.kernel.symbols.lookup("lkmnosys"))
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
        interrupted it: Ctrl-C). See kemu.kernel.guarded."""
        try:
            return guarded_call(self.kernel, addr, *args, what=what, timeout=self.call_timeout)
        except GuestCrash as crash:
            self.last_oops = crash.report
            raise

    last_oops: str = ""

    # --- linking and leaks (used by lkm.py) ---------------------------------------------------
    def read_object(self, path: str, display_name: str | None = None):
        return self.kernel.loader.read_object(path, display_name)

    def link(self, obj, base: int, lenient: bool, bound: dict | None = None):
        """The module linked at `base` against the kernel (LinkFailure with ld's lines)."""
        loader = self.kernel.loader
        return loader.link(obj, base, loader.resolver(obj.name, lenient=lenient, bound=bound))

    def report_leaks(self, module: LoadedModule | None, leaks: list, when: str) -> None:
        """Say on the console which blocks a departing module left allocated, and keep them
        for `leaks()`."""
        if not leaks or module is None:
            return
        lines = []
        for a in leaks:
            where = module.image.symbolize(a.caller) if a.caller is not None else None
            caller = f"{where[0]}+{where[1]:#x}" if where else f"{a.caller:#x}"
            lines.append(f"kemu:   {a.size} bytes of {a.tag} at {a.addr:#x}, allocated by {caller}\n")
            self.leaked.append((module.name, a, caller))
        self.kprintf(f"kemu: {module.name} still holds {len(leaks)} allocation(s) after {when}:\n"
                     + "".join(lines))

    def leaks(self) -> list[tuple[str, object, str]]:
        """Every allocation a module left behind when it was unloaded: (module, block, allocator)."""
        return list(self.leaked)

    # --- devices ------------------------------------------------------------------------------
    def _driver_for(self, node):
        return self.driver if node.is_char else None

    # --- the Python API: module verbs --------------------------------------------------------
    def modload(self, path: str, entry: str | None = None, postinstall: str | None = None, *,
                lenient: bool = False, symbols: bool = True, cwd: str | None = None,
                **options) -> LoadResult | None:
        """Load a module as `modload` would (see loading.py); raises ModuleLoadError naming the
        step that failed, with modload's messages and exit status. Further keywords are the
        other modload options (`noready`, `keep_output`, `outfile`, `kernel`, `debug`,
        `verbose`) and the callbacks `notes`, `loaded`, `out`, `err`."""
        hooks = {k: options.pop(k) for k in ("notes", "loaded", "out", "err") if k in options}
        opts = ModloadOptions(entry=entry, postinstall=postinstall, lenient=lenient, symbols=symbols,
                              **options)
        return run_modload(self, path, opts, cwd=os.getcwd() if cwd is None else cwd, **hooks)

    def load(self, path: str, *, entry: str | None = None, lenient: bool = False,
             postinstall: str | None = None, out=None, err=None, cwd: str | None = None) -> LoadedModule:
        """The load verb every personality offers (docs/interfaces.md §5): load `path` as the
        system's own tool does, writing what that tool prints to `out`/`err`, and return the
        LoadedModule. On failure the tool's messages are written to `err` and the
        ModuleLoadError (with `.status`) is raised."""
        out = out if out is not None else io.StringIO()
        err = err if err is not None else io.StringIO()
        try:
            result = self.modload(path, entry, postinstall, lenient=lenient, cwd=cwd, out=out, err=err,
                                  notes=lambda line: err.write(line + "\n"),
                                  loaded=lambda r: out.write(f"Module loaded as ID {r.id}\n"))
        except ModuleLoadError as exc:
            err.write(exc.output)
            raise
        return self.lkm.slots[result.id].module

    def unload(self, module: "LoadedModule | str") -> None:
        """The unload verb every personality offers (docs/interfaces.md §5): unload a module
        by its LoadedModule or name, as `modunload -n` does (SyscallError on refusal)."""
        name = module if isinstance(module, str) else self.lkm.module_name(self.lkm.slot_of_module(module))
        self.modunload(name=name)

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

    def module_at(self, addr: int) -> LoadedModule | None:
        """The module whose memory holds `addr` (the shared loader's LoadedModule: `.name`,
        `.image`, `.object_name`, `.os["lkm_slot"]`); None if no loaded module holds it
        (docs/interfaces.md §5)."""
        return self.lkm.module_at(addr)

    # --- the Python API: files ---------------------------------------------------------------
    # open/close/read/write/ioctl: kemu.kernel.file_calls.FileCalls

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
            return COMMANDS[name](self, args, out, err, cwd=cwd)
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
