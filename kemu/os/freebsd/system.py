"""`FreeBSD`: a FreeBSD 14.3-RELEASE kernel as a kld sees it, on amd64 or i386.

`kemu.boot("freebsd", "x86_64")` returns one: a `kemu.machine.Machine`, a `kemu.kernel.Kernel`
with FreeBSD's errno table and the services of services.py (plus the generic copy(9) and
string tables), the kld linker (linker.py) over the shared module loader, the module list
(modules.py), devfs devices (devices.py) and sysctl (sysctl.py).

The Python API has FreeBSD's system calls and the verbs every personality offers:

    fid = system.kldload("fibo.ko"); system.kldstat(fid); system.kldunload(fid)
    system.kldfind("fibo.ko"), system.kldnext(0), system.kldfirstmod(fid)
    system.modfind("fibo"), system.modnext(0), system.modstat(mid)
    system.load(path) -> LoadedModule; system.unload(module_or_name); system.module_at(addr)
    fd = system.open("/dev/fibo0"); system.read(fd, 8); system.close(fd); system.dmesg()

Failures raise `kemu.kernel.SyscallError` with FreeBSD's errno, after the kernel printed its
own console messages (dmesg).
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Callable

from kemu.kernel import Errno, GuestCrash, Kernel, LoadedModule, SyscallError, guarded_call, make_uiomove
from kemu.kernel.services import copy as copy_services, string as string_services
from kemu.machine import Machine
from kemu.kernel.file_calls import FileCalls

from .devices import CdevDriver, Devices
from .layouts import Layouts
from .linker import LINKER_UNLOAD_FORCE, LINKER_UNLOAD_NORMAL, KldFile, KldLinker
from .modules import MAXMODNAME, ModuleList
from .services import table as freebsd_services
from .libkern_alloc import table as libkern_alloc_services
from .mutex import table as mutex_services
from .eventhandler import EventHandlers, table as eventhandler_services
from .sx import table as sx_services
from .callout import HZ, Callouts, table as callout_services
from .sysctl_dynamic import table as sysctl_dynamic_services
from .dev_alias import table as dev_alias_services
from .kern_misc import boot_data, table as kern_misc_services
from .cdevpriv import table as cdevpriv_services
from .kern_extra import table as kern_extra_services
from .kern_conf_extra import table as kern_conf_extra_services
from .linker_file import LinkerFileStructs
from .shutdown import RB_AUTOBOOT, Shutdown
from .sysctl import Sysctl

DEFAULT_CALL_TIMEOUT = 5.0
THREAD_SIZE = 1024            # an opaque struct thread: drivers only pass the pointer on
KERNEL_SIZE = 0x1F46790       # the mapped size of a GENERIC amd64 kernel, as kldstat shows it
MACHINE = {"x86_64": "amd64", "i386": "i386"}

__all__ = ["FreeBSD", "KldStat", "ModStat", "GuestCrash"]


@dataclass(frozen=True)
class KldStat:
    """What kldstat(2) fills in `struct kld_file_stat`."""
    id: int
    name: str
    refs: int
    address: int
    size: int
    pathname: str


@dataclass(frozen=True)
class ModStat:
    """What modstat(2) fills in `struct module_stat`."""
    id: int
    name: str
    refs: int
    data: int


class FreeBSD(FileCalls):
    """A booted FreeBSD 14.3 kernel with the kld linker, on one emulated CPU."""

    os_name = "freebsd"
    release = "14.3-RELEASE"

    def __init__(self, arch: str = "x86_64", *, call_timeout: float = DEFAULT_CALL_TIMEOUT,
                 console: Callable[[str], None] | None = None, module_path: list[str] | None = None):
        self.arch = arch
        self.call_timeout = call_timeout
        self.machine = Machine(arch, timeout=call_timeout)
        self.errno = Errno.freebsd()
        self.kernel = Kernel(self.machine, self.errno, console=self._console_write,
                             driver_for=self._driver_for, hz=HZ)
        self.kernel.freebsd = self
        self.loader = self.kernel.loader
        self.loader.timeout = call_timeout
        self.console = console
        self.terminal: Callable[[str], None] | None = None
        self.umask = 0o022
        self.layouts = Layouts(arch)
        self.uio_layout = self.layouts.uio()
        self.uio_move = make_uiomove(self.kernel, self.uio_layout)
        self.module_path = list(module_path) if module_path else ["."]
        self._securelevel = -1
        self.malloc_types: dict[int, str] = {}
        self.leaked: list[tuple[str, object]] = []
        for table in (copy_services.table, string_services.table, freebsd_services,
                      libkern_alloc_services, mutex_services, eventhandler_services,
                      sx_services, callout_services, sysctl_dynamic_services,
                      dev_alias_services, kern_misc_services, cdevpriv_services,
                      kern_extra_services, kern_conf_extra_services):
            self.kernel.install(table)
        self.kernel_base = next(a.start for a in self.machine.layout.areas if a.name == "ktext")
        self.kernel_size = KERNEL_SIZE
        self.curthread = self.kernel_data(THREAD_SIZE, "thread0")
        self.modules = ModuleList(self)
        self.devices = Devices(self)
        self.driver = CdevDriver(self)
        self.sysctl = Sysctl(self)
        self._define_sysctls()
        self.callouts = Callouts(self)
        boot_data(self)
        self.eventhandlers = EventHandlers(self)
        self.linker_files = LinkerFileStructs(self)
        self.shutdowns = Shutdown(self)
        self.down: int | None = None            # the howto of the last shutdown, if any
        self.linker = KldLinker(self)

    # --- boot-time data ------------------------------------------------------------------------
    def kernel_data(self, size: int, name: str | None = None, value: bytes | None = None) -> int:
        """Zeroed (or `value`) kernel memory; with a name, also a kernel symbol klds can use."""
        addr = self.machine.alloc("kdata", max(size, 1), 16)
        self.machine.mem.write(addr, value if value is not None else bytes(size))
        if name:
            self.kernel.symbols.define(name, addr, "object", size)
        return addr

    def _define_sysctls(self) -> None:
        s, c = self.sysctl, self.layouts.const
        oid_size = self.layouts.size("sysctl_oid")
        for top in ("debug", "kern", "hw", "vm", "net", "security"):
            s.node(top, self.kernel_data(oid_size, f"sysctl___{top}"))
        string, integer = c("CTLTYPE_STRING"), c("CTLTYPE_INT")
        s.add("kern.ostype", string, lambda: "FreeBSD")
        s.add("kern.osrelease", string, lambda: self.release)
        s.add("kern.osreldate", integer, lambda: c("__FreeBSD_version"))
        s.add("kern.securelevel", integer, lambda: self._securelevel, self._set_securelevel)
        s.add("kern.module_path", string, lambda: ";".join(self.module_path), self._set_module_path)
        s.add("hw.machine", string, lambda: MACHINE[self.arch])
        s.add("hw.machine_arch", string, lambda: MACHINE[self.arch])

    # --- securelevel and the module path --------------------------------------------------------
    @property
    def securelevel(self) -> int:
        return self._securelevel

    def _set_securelevel(self, value) -> None:
        """kern.securelevel can only be raised (at securelevel > 0 and always in kemu, which
        has no init to lower it at boot)."""
        value = int(value)
        if value < self._securelevel:
            raise self.errno.error("EPERM", f"kern.securelevel: {value} < {self._securelevel}")
        self._securelevel = value

    def _set_module_path(self, value) -> None:
        self.module_path = [p for p in str(value).split(";") if p]

    # --- console, terminal, messages ------------------------------------------------------------
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

    def read_name(self, addr: int, limit: int = 256) -> str:
        return self.kernel.read_str(addr, limit).decode("latin-1") if addr else ""

    # --- running guest code ---------------------------------------------------------------------
    last_oops: str = ""

    def call_guest(self, addr: int, *args: int, what: str) -> int:
        """Call guest code; a fault, timeout or panic is reported and raised as GuestCrash."""
        try:
            return guarded_call(self.kernel, addr, *args, what=what, timeout=self.call_timeout)
        except GuestCrash as crash:
            self.last_oops = crash.report
            raise

    # --- malloc types and leaks -----------------------------------------------------------------
    def malloc_type_init(self, mtype: int) -> None:
        desc = self.machine.mem.read_ptr(mtype + self.layouts.offset("malloc_type", "ks_shortdesc"))
        self.malloc_types[mtype] = self.read_name(desc, 64) or "malloc"

    def malloc_type_uninit(self, mtype: int) -> None:
        name = self.malloc_types.pop(mtype, None)
        if name is None:
            return
        left = sum(a.size for a in self.kernel.heap.leaks(name))
        if left:
            self.kprintf(f"malloc_uninit: {left} bytes of '{name}' still allocated\n")

    def report_leaks(self, lf: KldFile, leaks: list) -> None:
        """Say on the console which blocks an unloaded kld left allocated (kemu's report)."""
        if not leaks:
            return
        for a in leaks:
            self.leaked.append((lf.name, a))
        self.kprintf(f"kemu: {lf.name} still holds {len(leaks)} allocation(s) after unload\n")

    def leaks(self) -> list[tuple[str, object]]:
        return list(self.leaked)

    # --- devices --------------------------------------------------------------------------------
    @property
    def devfs(self):
        return self.kernel.devfs

    @property
    def clock(self):
        return self.kernel.clock

    def _driver_for(self, node):
        return self.driver if node.is_char and node.path in self.devices.by_path else None

    # --- system calls: kld ----------------------------------------------------------------------
    def kldload(self, file: str, cwd: str | None = None) -> int:
        """kldload(2): the file id. `file` with `/` or `.` is a file name, else a module name;
        both are looked for in `module_path` (kern.module_path)."""
        return self.linker.kldload(file, os.getcwd() if cwd is None else cwd).id

    def kldunload(self, fileid: int) -> None:
        """kldunload(2)."""
        self.linker.kldunload(fileid, LINKER_UNLOAD_NORMAL)

    def kldunloadf(self, fileid: int, flags: int) -> None:
        """kldunloadf(2): flags LINKER_UNLOAD_NORMAL (0) or LINKER_UNLOAD_FORCE (1)."""
        self.linker.kldunload(fileid, flags)

    def kldfind(self, file: str) -> int:
        lf = self.linker.by_name(file)
        if lf is None:
            raise self.errno.error("ENOENT", file)
        return lf.id

    def kldnext(self, fileid: int) -> int:
        files = self.linker.files
        if fileid == 0:
            return files[0].id
        for i, f in enumerate(files):
            if f.id == fileid:
                return files[i + 1].id if i + 1 < len(files) else 0
        raise self.errno.error("ENOENT", f"file id {fileid}")

    def _file(self, fileid: int) -> KldFile:
        lf = self.linker.by_id(fileid)
        if lf is None:
            raise self.errno.error("ENOENT", f"file id {fileid}")
        return lf

    def kldstat(self, fileid: int) -> KldStat:
        lf = self._file(fileid)
        return KldStat(lf.id, lf.name, lf.refs, lf.address, lf.size, lf.pathname)

    def kldfirstmod(self, fileid: int) -> int:
        lf = self._file(fileid)
        return lf.modules[0].id if lf.modules else 0

    def modfind(self, name: str) -> int:
        m = self.modules.find(name[:MAXMODNAME - 1])
        if m is None:
            raise self.errno.error("ENOENT", name)
        return m.id

    def modnext(self, modid: int) -> int:
        mods = self.modules.modules
        if modid == 0:
            if not mods:
                raise self.errno.error("ENOENT", "no modules")
            return mods[0].id
        for i, m in enumerate(mods):
            if m.id == modid:
                return mods[i + 1].id if i + 1 < len(mods) else 0
        raise self.errno.error("ENOENT", f"module id {modid}")

    def modfnext(self, modid: int) -> int:
        m = self.modules.by_id(modid)
        if m is None:
            raise self.errno.error("ENOENT", f"module id {modid}")
        mods = m.file.modules
        i = mods.index(m)
        return mods[i + 1].id if i + 1 < len(mods) else 0

    def modstat(self, modid: int) -> ModStat:
        m = self.modules.by_id(modid)
        if m is None:
            raise self.errno.error("ENOENT", f"module id {modid}")
        return ModStat(m.id, m.name, m.refs, m.data_word)

    def advance(self, seconds: float) -> None:
        """Let virtual time pass: `ticks` moves and due callouts fire (callout.py)."""
        self.callouts.advance(self.clock.ticks_for(seconds))

    def shutdown(self, howto: int = RB_AUTOBOOT) -> None:
        """reboot(2) as kern_reboot(howto) runs it (shutdown.py): shutdown_pre_sync, the sync
        and uptime lines, shutdown_post_sync (MOD_SHUTDOWN to every module, newest first,
        unless RB_NOSYNC), shutdown_final (the halt or reboot message). The klds stay loaded;
        `down` records the howto."""
        self.shutdowns.reboot(howto)

    # --- the verbs every personality offers -----------------------------------------------------
    def load(self, path: str, *, entry: str | None = None, lenient: bool = False, out=None, err=None,
             cwd: str | None = None, **_options) -> LoadedModule:
        """Load `path` as `kldload` does (its messages to out/err); the LoadedModule."""
        from .commands import kldload_message
        out = out if out is not None else io.StringIO()
        err = err if err is not None else io.StringIO()
        try:
            fid = self.kldload(path, cwd)
        except SyscallError as exc:
            err.write(kldload_message(self, path, exc) + "\n")
            exc.status = 1
            raise
        return self.linker.by_id(fid).loaded

    def unload(self, module: "LoadedModule | str") -> None:
        """Unload by LoadedModule or file name, as `kldunload` does."""
        if isinstance(module, str):
            fid = self.kldfind(module)
        else:
            lf = self.linker.file_of(module)
            if lf is None:
                raise self.errno.error("ENOENT", module.name)
            fid = lf.id
        self.kldunload(fid)

    def module_at(self, addr: int) -> LoadedModule | None:
        """The kld whose memory holds `addr` (docs/interfaces.md §5)."""
        return self.loader.module_at(addr)

    # --- files ------------------------------------------------------------------------------------
    # open/close/read/write/ioctl: kemu.kernel.file_calls.FileCalls

    # --- shell ------------------------------------------------------------------------------------
    def shell(self, **kwargs):
        from .shell import Shell
        return Shell(self, **kwargs)

    def __repr__(self) -> str:
        return f"<FreeBSD {self.release} kernel on {MACHINE[self.arch]}: {len(self.linker.files)} file(s)>"


__all__ += ["LINKER_UNLOAD_FORCE", "LINKER_UNLOAD_NORMAL"]
