"""`NetBSD`: a NetBSD 10.0 kernel with the module(9) framework, amd64 or i386.

`kemu.boot("netbsd", "x86_64", modules="fixtures/netbsd/x86_64/gcc")` returns one. It owns a
`kemu.machine.Machine`, a `kemu.kernel.Kernel` with NetBSD's errno table and the services of
services.py, the device switches (devsw.py), the proplib dictionaries (proplib.py) and the
module framework (modules.py). The host directory `modules` stands for the kernel's module
directory `/stand/<machine>/10.0/modules`, laid out `NAME/NAME.kmod` (with `NAME.plist`).

The Python API has the verbs of the real system (modctl(2) and the tools over it):

    system.modctl_load("chain_a", flags=0, props={"count": 7})     -> name loaded
    system.modctl_unload("chain_a"); system.modctl_stat() -> [ModStat]
    system.modctl_exists(autoload=False)
    system.load(path_or_name) / system.unload(name)        (docs/interfaces.md §5)
    system.sleep(seconds)                                  (the virtual clock: auto-unload)
    system.sysctl_get/sysctl_set("kern.module.autotime", 5)

Failures raise `kemu.kernel.SyscallError` with NetBSD's errno and strerror text.
"""
from __future__ import annotations

import io
import os
from typing import Any, Callable

from kemu.kernel import Errno, Kernel, LoadedModule, SyscallError, UioLayout, make_uiomove
from kemu.kernel.services import copy as copy_services, string as string_services
from kemu.machine import Machine
from kemu.kernel.file_calls import FileCalls

from . import constants as C
from .devices import CdevswDriver
from .devsw import DevSwitches
from .layouts import IOVEC, MODINFO, UIO
from .modules import ModStat, Module, ModuleFramework
from .proplib import PropStore, externalize
from .services import table as netbsd_services
from . import services_mutex, services_printf  # noqa: F401  (register on the table)

DEFAULT_CALL_TIMEOUT = 5.0
LWP_SIZE = 1024           # an opaque struct lwp: modules only pass the pointer on
VMSPACE_SIZE = 64         # opaque struct vmspace: uio_vmspace says whose memory

__all__ = ["NetBSD", "ModStat", "Module"]


class NetBSD(FileCalls):
    """A booted NetBSD 10.0 kernel with module(9), on one emulated CPU."""

    os_name = "netbsd"
    release = C.RELEASE

    def __init__(self, arch: str = "x86_64", *, call_timeout: float = DEFAULT_CALL_TIMEOUT,
                 modules: str | None = None, console: Callable[[str], None] | None = None):
        self.arch = arch
        self.call_timeout = call_timeout
        self.machine = Machine(arch, timeout=call_timeout)
        self.errno = Errno.netbsd()
        self.kernel = Kernel(self.machine, self.errno, console=self._console_write,
                             driver_for=self._driver_for)
        self.kernel.netbsd = self
        self.kernel.loader.timeout = call_timeout
        self.console = console
        self.umask = 0o022
        self.pid, self.comm = 1, "modload"        # who kern_module.c's messages name
        self.aprint_errors = 0
        for table in (copy_services.table, string_services.table, netbsd_services):
            self.kernel.install(table)
        self.modinfo_layout = MODINFO.layout(arch)
        self.curlwp = self._kernel_data(LWP_SIZE, "lwp0")
        self.kernel_vmspace = self._kernel_data(VMSPACE_SIZE, "vmspace0")
        self.user_vmspace = self._kernel_data(VMSPACE_SIZE)
        self._kernel_data(4, "hz", self.kernel.clock.hz.to_bytes(4, "little"))
        self.uio_layout = UioLayout(IOVEC.layout(arch), UIO.layout(arch), names={"segflg": "uio_vmspace"})
        self.uio_move = make_uiomove(self.kernel, self.uio_layout,
                                     is_user_segment=lambda vm: vm != self.kernel_vmspace)
        self.props = PropStore(self.kernel)
        self.devsw = DevSwitches(self)
        self.driver = CdevswDriver(self)
        self.modules = ModuleFramework(self)
        self.modules.module_dir = os.path.abspath(modules if modules is not None else os.getcwd())
        self.kernel.msgbuf.write(f"kern.module.path={self.modules.sysctl['path']}\n")

    # --- boot-time data --------------------------------------------------------------------------
    def _kernel_data(self, size: int, name: str | None = None, value: bytes | None = None) -> int:
        addr = self.machine.alloc("kdata", max(size, 1), 16)
        self.machine.mem.write(addr, value if value is not None else bytes(size))
        if name:
            self.kernel.symbols.define(name, addr, "object", size)
        return addr

    # --- console ---------------------------------------------------------------------------------
    def _console_write(self, text: str) -> None:
        if self.console is not None:
            self.console(text)

    def dmesg(self) -> str:
        return self.kernel.dmesg()

    @property
    def devfs(self):
        return self.kernel.devfs

    @property
    def clock(self):
        return self.kernel.clock

    def _driver_for(self, node):
        return self.driver if node.is_char else None

    # --- what the framework needs from the loaded image ------------------------------------------
    @staticmethod
    def find_section(loaded: LoadedModule, name: str) -> tuple[int, int] | None:
        """(address, size) of a section kobj loaded, by its name."""
        for p in loaded.image.placements:
            if p.name == name and p.index >= 0:
                return p.addr, p.size
        return None

    @staticmethod
    def text_of(loaded: LoadedModule) -> tuple[int, int]:
        """kobj_stat: the text segment's address and the aligned sum of executable sections."""
        addr, size = 0, 0
        for sec in loaded.obj.sections:
            if sec.execinstr and sec.type == 1:      # SHT_PROGBITS
                align = max(sec.addralign, 1)
                size = (size + align - 1) // align * align + sec.size
        for seg in loaded.image.segments:
            if seg.prot == "r-x":
                addr = seg.addr
                break
        return addr, size

    def retire(self, loaded: LoadedModule) -> None:
        """Take a module's object out of the kernel; say what it left allocated."""
        leaks = self.kernel.loader.retire(loaded)
        if leaks:
            self.kernel.msgbuf.write(f"kemu: {loaded.name} still holds {len(leaks)} allocation(s) "
                                     f"({sum(a.size for a in leaks)} bytes) after unload\n")

    # --- modctl(2) ---------------------------------------------------------------------------------
    def modctl_load(self, filename: str, flags: int = 0, props: dict[str, Any] | None = None,
                    cwd: str | None = None) -> str:
        """MODCTL_LOAD: `filename` is a module name or a path; `props` the caller's dictionary
        (values bool, int or str). Returns the loaded module's name. A relative path is read
        from `cwd` (default: the process's current directory), as modload reads it.
        handle_modctl_load refuses an externalized dictionary over 4096 bytes (ENOMEM)."""
        if props is not None and len(externalize(props)) > C.PROPS_MAX:
            raise self.errno.error("ENOMEM", f"properties of {len(externalize(props))} bytes")
        self.modules.cwd = os.getcwd() if cwd is None else cwd
        return self.modules.load(filename, flags, props).name

    def modctl_unload(self, name: str) -> None:
        """MODCTL_UNLOAD."""
        self.modules.unload(name)

    def modctl_stat(self) -> list[ModStat]:
        """MODCTL_STAT: loaded modules newest first, then disabled built-ins."""
        return self.modules.stat()

    def modctl_stat_buffer(self) -> bytes:
        """MODCTL_STAT's buffer as the kernel fills it (docs/netbsd-module.md §8): `int count`,
        `count` modstat_t records (64 bytes each; loaded modules newest first, then disabled
        built-ins with refcount -1 and flags 0), then the strings area whose byte 0 is NUL and
        which `ms_reqoffset` indexes (0: no required modules)."""
        from .layouts import MODSTAT
        layout = MODSTAT.layout(self.arch)
        rows = self.modctl_stat()
        strings = bytearray(b"\0")
        records = []
        for r in rows:
            reqoffset = 0
            if r.required:
                reqoffset = len(strings)
                strings += r.required.encode("latin-1") + b"\0"
            record = bytearray(layout.pack(ms_addr=r.addr, ms_source=r.source, ms_class=r.modclass,
                                           ms_size=r.size, ms_refcnt=r.refcnt & 0xFFFFFFFF,
                                           ms_flags=r.flags, ms_reqoffset=reqoffset))
            name = r.name.encode("latin-1")[:C.MAXMODNAME - 1]
            record[layout.offset("ms_name"):layout.offset("ms_name") + len(name)] = name
            records.append(bytes(record))
        return len(rows).to_bytes(4, "little") + b"".join(records) + bytes(strings)

    def modctl_exists(self, autoload: bool = False) -> None:
        """MODCTL_EXISTS: returns when (auto)loading is allowed, else SyscallError(EPERM)."""
        if autoload and not self.modules.sysctl["autoload"]:
            raise self.errno.error("EPERM", "kern.module.autoload is 0")

    def module_autoload(self, name: str, modclass: int = C.MODULE_CLASS_ANY) -> str:
        """module_autoload(9) as a kernel component calls it."""
        return self.modules.autoload(name, modclass).name

    # --- sysctl kern.module.* -----------------------------------------------------------------------
    def sysctl_get(self, name: str) -> Any:
        key = self._sysctl_key(name)
        return self.modules.sysctl[key]

    def sysctl_set(self, name: str, value: Any) -> None:
        key = self._sysctl_key(name)
        if key == "path":
            raise self.errno.error("EPERM", f"{name} is read-only")
        value = int(value)
        if key == "autotime" and value < 0:
            raise self.errno.error("EINVAL", f"{name} must not be negative")
        if key != "autotime" and value not in (0, 1):
            raise self.errno.error("EINVAL", f"{name} is a boolean")
        self.modules.sysctl[key] = value

    def _sysctl_key(self, name: str) -> str:
        prefix = "kern.module."
        key = name[len(prefix):] if name.startswith(prefix) else None
        if key not in self.modules.sysctl:
            raise self.errno.error("ENOENT", f"{name}: no such sysctl")
        return key

    # --- time ---------------------------------------------------------------------------------------
    def sleep(self, seconds: int) -> None:
        """Let `seconds` of virtual time pass; the auto-unload thread runs every second while
        some auto-loaded module's deadline is pending."""
        for _ in range(max(0, int(seconds))):
            self.kernel.clock.advance_seconds(1)
            if self.modules.pending_deadline():
                self.modules.autounload_pass()

    # --- the verbs every personality offers (docs/interfaces.md §5) ---------------------------------
    def load(self, path: str, *, entry: str | None = None, lenient: bool = False, out=None, err=None,
             flags: int = 0, props: dict[str, Any] | None = None, cwd: str | None = None,
             **_ignored) -> LoadedModule:
        """Load as `modload` does: a name from the module directory, or a path. Failure:
        `modload: NAME: strerror` on `err` and the SyscallError (status 1) raised."""
        err = err if err is not None else io.StringIO()
        try:
            name = self.modctl_load(path, flags, {} if props is None else props, cwd=cwd)
        except SyscallError as exc:
            exc.status = 1
            err.write(f"modload: {path}: {exc.message}\n")
            raise
        return self.modules.lookup(name).loaded

    def unload(self, module: "LoadedModule | str") -> None:
        """Unload by LoadedModule or name, as `modunload NAME` does."""
        self.modctl_unload(module if isinstance(module, str) else module.name)

    def module_at(self, addr: int) -> LoadedModule | None:
        return self.kernel.loader.module_at(addr)

    # --- files ------------------------------------------------------------------------------------
    # open/close/read/write/ioctl: kemu.kernel.file_calls.FileCalls

    def leaks(self) -> list:
        return [a for m in self.kernel.loader.retired for a in m.leaked]

    # --- shell ------------------------------------------------------------------------------------
    def run_command(self, argv: list[str], out, err, cwd: str | None = None) -> int:
        from .commands import COMMANDS
        return COMMANDS[argv[0]](self, argv[1:], out, err, cwd=cwd)

    def shell(self, **kwargs):
        from .shell import Shell
        return Shell(self, **kwargs)

    def __repr__(self) -> str:
        return f"<NetBSD {C.RELEASE} kernel on {self.arch}: {len(self.modules.list)} module(s) loaded>"
