"""kern_module.c on kemu's shared loader: NetBSD 10's module(9) framework.

`ModuleFramework` keeps `module_list` (newest first), the disabled built-ins, the pending list
of a load in progress, `module_active`, the callbacks and the `kern.module.*` settings, and
does what module_load / module_do_load / module_unload / module_do_unload and the auto-unload
thread do, in their order and with their messages (docs/netbsd-module.md §3-§7). Reading,
linking, placing, calling and retiring a module are the shared loader's steps
(kemu.kernel.loader); the module's record is read as module_fetch_info reads it (modinfo.py).

Every failure is a `SyscallError` with NetBSD's errno; module_error messages always reach the
console and dmesg (`WARNING: module error: …`), module_print ones (`DEBUG: module: …`) only
with kern.module.verbose=1.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from kemu.elf import BadObject
from kemu.intbits import to_signed
from kemu.printable import printable
from kemu.kernel import (GuestCrash, KernelError, KernelPanic, LinkFailure, LoadedModule, ModuleState,
                         SyscallError)
from kemu.machine import MemoryFault

from . import constants as C
from .modinfo import FetchError, ModInfo, fetch_modinfo
from .proplib import PlistError, parse_plist, merge

MODULE_HANDLE_SIZE = 64


@dataclass
class Module:
    """kern_module.c's `module_t`: one module known to the framework."""

    name: str
    info: ModInfo
    source: int
    handle: int                       # the guest's `module_t *`
    name_addr: int                    # mi_name in guest memory (module_name returns it)
    modcmd: int = 0
    loaded: LoadedModule | None = None   # None for a built-in and for the kernel
    refcnt: int = 0
    flags: int = 0
    autotime: int = 0
    required: list["Module"] = field(default_factory=list)
    text_addr: int = 0
    text_size: int = 0

    @property
    def required_text(self) -> str:
        return self.info.required or ""


@dataclass(frozen=True)
class ModStat:
    """One row of modctl(MODCTL_STAT): what modstat prints."""

    name: str
    modclass: int
    source: int
    flags: int
    refcnt: int
    addr: int
    size: int
    required: str


class ModuleFramework:
    """The module subsystem of one NetBSD 10 kernel."""

    def __init__(self, system):
        self.system = system
        self.k = system.kernel
        self.errno = system.errno
        self.list: list[Module] = []                  # module_list: head (newest) first
        self.builtins: dict[str, Module] = {}         # module_builtins: disabled built-ins
        self.active: Module | None = None
        self.pending: list[list[Module]] = []
        self.callbacks: list[tuple[int, int, int]] = []   # (cookie, load, unload)
        self.sysctl: dict[str, Any] = {"autoload": 1, "autounload_unsafe": 0, "verbose": 0,
                                       "path": C.module_base(system.arch), "autotime": C.AUTOTIME_DEFAULT}
        self.module_dir: str | None = None            # host directory standing for module_base
        self.cwd: str | None = None                   # where relative module paths are read
        self.kernel_module = self._record("netbsd", ModInfo(C.NETBSD_VERSION, C.MODULE_CLASS_MISC,
                                                            "netbsd", None), C.MODULE_SOURCE_KERNEL)
        self.kernel_module.refcnt = 1

    # --- messages -------------------------------------------------------------------------------
    def module_error(self, text: str) -> None:
        """Always printed; names from module files have their control bytes escaped."""
        self.k.msgbuf.write(f"WARNING: module error: {printable(text)}\n")

    def module_print(self, text: str) -> None:
        """Printed only with kern.module.verbose=1."""
        if self.sysctl["verbose"]:
            self.k.msgbuf.write(f"DEBUG: module: {printable(text)}\n")

    def fail(self, name: str, context: str) -> SyscallError:
        return self.errno.error(name, context)

    def errno_of(self, action: Callable[[], Any]) -> int:
        """0 when `action` succeeds, else its NetBSD errno (for services called by modules)."""
        try:
            action()
            return 0
        except SyscallError as exc:
            return exc.errno

    # --- records ----------------------------------------------------------------------------------
    def _record(self, name: str, info: ModInfo, source: int) -> Module:
        handle = self.k.heap.alloc(MODULE_HANDLE_SIZE, "module", zero=True)
        data = info.name.encode("latin-1") + b"\0"
        name_addr = self.k.heap.alloc(len(data), "module")
        self.k.machine.mem.write(name_addr, data)
        return Module(name, info, source, handle, name_addr)

    def _free_record(self, mod: Module) -> None:
        self.k.heap.free(mod.handle)
        self.k.heap.free(mod.name_addr)

    def lookup(self, name: str) -> Module | None:
        for mod in self.list:
            if mod.name == name:
                return mod
        return None

    def by_handle(self, handle: int) -> Module:
        """The module a guest's module_t is; anything else is what NetBSD would fault on
        dereferencing (a panic, as the module services are only called by guest code)."""
        if handle == self.kernel_module.handle:
            return self.kernel_module
        for mod in [*self.list, *self.builtins.values()]:
            if mod.handle == handle:
                return mod
        raise KernelPanic(f"{handle:#x} is not a module_t")

    def by_loaded(self, loaded: LoadedModule) -> Module | None:
        for mod in self.list:
            if mod.loaded is loaded:
                return mod
        return None

    # --- module_load ------------------------------------------------------------------------------
    def load(self, filename: str, flags: int = 0, props: dict | None = None,
             modclass: int = C.MODULE_CLASS_ANY) -> Module:
        """module_load(9): EEXIST for a loaded name (before anything else), then module_do_load."""
        if self.active is not None and filename == self.active.info.name:
            raise self.fail("EEXIST", f"module `{filename}' loading itself")
        if self.lookup(filename) is not None:
            self.module_print(f"requested module `{filename}' already loaded")
            raise self.fail("EEXIST", f"module `{filename}' already loaded")
        return self.do_load(filename, False, flags, props, modclass, False)

    def load_from_kernel(self, filename: str, flags: int, props: dict | None, modclass: int) -> Module:
        """module_load called by a module: paths outside the module directory reach no host file."""
        saved, self.cwd = self.cwd, None
        try:
            return self.load(filename, flags, props, modclass)
        finally:
            self.cwd = saved

    def autoload(self, name: str, modclass: int = C.MODULE_CLASS_ANY) -> Module:
        """module_autoload(9): only when kern.module.autoload is 1 and the name is a plain name."""
        if not self.sysctl["autoload"]:
            raise self.fail("EPERM", "kern.module.autoload is 0")
        if any(c in name for c in "/@."):
            raise self.fail("EPERM", f"`{name}' is not a module name")
        status = 0
        try:
            return self.do_load(name, False, 0, None, modclass, True)
        except SyscallError as exc:
            status = exc.errno
            raise
        finally:
            self.module_print(f"Autoload for `{name}' requested by pid {self.system.pid} "
                              f"({self.system.comm}), status {status}")

    def do_load(self, name: str, isdep: bool, flags: int, props: dict | None, modclass: int,
                autoload: bool, parent_pending: list[Module] | None = None) -> Module:
        pending = parent_pending if isdep and parent_pending is not None else []
        # b. disabled built-ins
        builtin = self.builtins.get(name)
        if builtin is not None:
            if builtin.flags & C.MODFLG_MUST_FORCE and not flags & C.MODCTL_LOAD_FORCE:
                if not autoload:
                    self.module_error(f"use -f to reinstate builtin module `{name}'")
                raise self.fail("EPERM", f"builtin module `{name}' needs -f")
            return self.do_builtin(name, props)
        # d. already loaded
        if self.lookup(name) is not None:
            self.module_print(f"{'dependent' if isdep else 'requested'} module `{name}' already loaded")
            raise self.fail("EEXIST", f"module `{name}' already loaded")
        # e. the object and its plist
        obj, path, filedict = self.load_vfs(name, flags, autoload)
        # f. module_fetch_info
        try:
            info = fetch_modinfo(obj)
        except FetchError as exc:
            error = self.errno.value(exc.errno)
            self.module_error(exc.message)
            self.module_error(f"cannot fetch info for `{name}', error {error}")
            raise self.fail(exc.errno, exc.message) from None
        # g. name, class, version
        if len(info.name.encode("latin-1")) >= C.MAXMODNAME:
            self.module_error(f"module name `{info.name}' longer than {C.MAXMODNAME}")
            raise self.fail("EINVAL", "module name too long")
        if info.modclass <= C.MODULE_CLASS_ANY or info.modclass >= C.MODULE_CLASS_MAX:
            self.module_error(f"module `{info.name}' has invalid class {info.modclass}")
            raise self.fail("EINVAL", "invalid class")
        if not C.module_compatible(info.version, C.NETBSD_VERSION):
            self.module_error(f"module `{info.name}' built for `{info.version}', system `{C.NETBSD_VERSION}'")
            if not flags & C.MODCTL_LOAD_FORCE:
                raise self.fail("EPROGMISMATCH", f"module `{info.name}' built for another release")
            self.module_error("forced load, system may be unstable")
        # h. class, dependency name, duplicate
        if modclass != C.MODULE_CLASS_ANY and modclass != info.modclass:
            self.module_error(f"incompatible module class {info.modclass} for `{name}' (wanted {modclass})")
            raise self.fail("ENOENT", "wrong class")
        if isdep and info.name != name:
            self.module_error(f"dependency name mismatch (`{name}' != `{info.name}')")
            raise self.fail("ENOENT", "dependency name mismatch")
        if self.lookup(info.name) is not None:
            self.module_error(f"module with name `{info.name}' already loaded")
            raise self.fail("EEXIST", f"module `{info.name}' already loaded")
        # i. circular dependencies
        if any(p.info.name == info.name for p in pending):
            self.module_error(f"circular dependency detected for `{info.name}'")
            raise self.fail("EDEADLK", "circular dependency")
        mod = self._record(info.name, info, C.MODULE_SOURCE_FILESYS)
        pending.append(mod)
        try:
            # j. required modules, depth first, each auto-loaded
            for dep in self._required_names(info):
                if len(dep.encode("latin-1")) >= C.MAXMODNAME:
                    self.module_error(f"required module name `{info.required}' longer than {C.MAXMODNAME}")
                    raise self.fail("EINVAL", "required name too long")
                if dep == info.name:
                    self.module_error(f"self-dependency detected for `{info.name}'")
                    raise self.fail("EDEADLK", "self-dependency")
                try:
                    dep_mod = self.do_load(dep, True, flags, None, C.MODULE_CLASS_ANY, True, pending)
                except SyscallError as exc:
                    if exc.name != "EEXIST":
                        self.module_error(f"recursive load failed for `{info.name}' (`{dep}' required), "
                                          f"error {exc.errno}")
                        raise
                    dep_mod = self.lookup(dep)
                mod.required.append(dep_mod)
            # k. kobj_affix
            self.affix(mod, obj, path)
            # l. properties
            init_props = merge(filedict, props) if filedict is not None else props
            # m. MODULE_CMD_INIT
            error = self.modcmd(mod, C.MODULE_CMD_INIT, init_props)
            if error:
                self.module_error(f"modcmd(CMD_INIT) failed for `{info.name}', error {error}")
                raise self.fail(error, f"{info.name}: MODULE_CMD_INIT")
            # n. a recursive load of the same name from INIT
            if self.lookup(info.name) is not None:
                self.modcmd(mod, C.MODULE_CMD_FINI, None)
                self.module_error(f"recursive load causes duplicate module `{info.name}'")
                raise self.fail("EEXIST", "duplicate module")
        except BaseException:
            pending.remove(mod)
            if mod.loaded is not None:
                mod.loaded.state = ModuleState.LOADING     # a failed load, not an unload
                self.system.retire(mod.loaded)
            self._free_record(mod)
            raise
        pending.remove(mod)
        self.enqueue(mod)
        if autoload and self.sysctl["autotime"] > 0:
            mod.autotime = self.k.clock.time + self.sysctl["autotime"]
            mod.flags |= C.MODFLG_AUTO_LOADED
        self.module_print(f"module `{info.name}' loaded successfully")
        for _, load, _ in list(self.callbacks):
            self.call_callback(load, mod)
        return mod

    @staticmethod
    def _required_names(info: ModInfo) -> list[str]:
        names = []
        for part in (info.required or "").lstrip(",").split(","):
            if not part:
                break
            names.append(part)
        return names

    def enqueue(self, mod: Module) -> None:
        self.list.insert(0, mod)
        for dep in mod.required:
            dep.refcnt += 1

    # --- module_load_vfs ------------------------------------------------------------------------
    def host_path(self, name: str, autoload: bool) -> tuple[str, str]:
        """(path the kernel names, host path) of the object for `name`; host path "" when the
        name reaches no host file kemu may read. A path under module_base is the module
        directory; another path is read relative to the user's working directory only when
        the user gave it (modload), never when a module asked (module_load from modcmd)."""
        base = self.sysctl["path"] + "/"
        if not autoload and "/" in name:
            self.module_print(f"Loading module from {name}")
            if name.startswith(base):
                host = os.path.join(self.module_dir, name[len(base):]) if self.module_dir else ""
            elif self.cwd is None:
                host = ""
            else:
                host = name if os.path.isabs(name) else os.path.join(self.cwd, name)
            return name, host
        shown = f"{base}{name}/{name}.kmod"
        host = os.path.join(self.module_dir, name, f"{name}.kmod") if self.module_dir else ""
        return shown, host

    def load_vfs(self, name: str, flags: int, autoload: bool):
        shown, host = self.host_path(name, autoload)
        try:
            if not host:
                raise FileNotFoundError(shown)
            obj = self.k.loader.read_object(host, shown)
        except OSError as exc:
            error = self.errno.value("ENOENT") if isinstance(exc, FileNotFoundError) else self.errno.EIO
            self.module_print(f"Cannot {'auto' if autoload else ''}load kernel object `{name}' error={error}")
            raise self.fail(self.errno.name(error), f"{shown}: {exc.strerror or exc}") from None
        except BadObject as exc:
            self.k.msgbuf.write(f"kobj_load: [{shown}]: linker error: {exc}\n")
            self.module_print(f"Cannot {'auto' if autoload else ''}load kernel object `{name}' "
                              f"error={self.errno.ENOEXEC}")
            raise self.fail("ENOEXEC", str(exc)) from None
        filedict = None
        if not flags & C.MODCTL_NO_PROP or autoload:
            plist_host = (host[:-5] if host.endswith(".kmod") else host) + ".plist"
            plist_shown = (shown[:-5] if shown.endswith(".kmod") else shown) + ".plist"
            filedict = self.read_plist(plist_host, plist_shown, name)
            if autoload and filedict is not None and filedict.get("noautoload") is True:
                self.module_error(f"autoloading is disallowed for {shown}")
                raise self.fail("EPERM", "noautoload")
            if flags & C.MODCTL_NO_PROP:
                filedict = None
        return obj, shown, filedict

    def read_plist(self, host: str, shown: str, name: str) -> dict | None:
        self.module_print(f"Loading plist from {shown}")
        try:
            size = os.path.getsize(host)
        except OSError:
            return None
        error = None
        if size >= C.PLIST_MAX:
            error = "EFBIG"
        else:
            try:
                with open(host, "rb") as f:
                    return parse_plist(f.read())
            except (PlistError, OSError):
                error = "EINVAL"
        self.module_print(f"plist load returned error {self.errno.value(error)} for `{name}'")
        raise self.fail(error, f"{shown}: not a usable property list")

    # --- kobj_affix and modcmd ---------------------------------------------------------------------
    def affix(self, mod: Module, obj, path: str) -> None:
        try:
            loaded = self.k.loader.load(obj, name=mod.info.name, path=obj.name)
        except LinkFailure as exc:
            for sym in exc.unresolved:
                self.k.msgbuf.write(f"kobj_affix: [{mod.info.name}]: linker error: symbol `{sym}' not found\n")
            if not exc.unresolved:
                for line in exc.lines:
                    self.k.msgbuf.write(f"kobj_affix: [{mod.info.name}]: linker error: {line}\n")
            self.module_error(f"unable to affix module `{mod.info.name}', error {self.errno.ENOEXEC}")
            raise self.fail("ENOEXEC", "; ".join(exc.lines)) from None
        except KernelError as exc:
            self.module_error(f"unable to affix module `{mod.info.name}', error {self.errno.ENOMEM}")
            raise self.fail("ENOMEM", str(exc)) from None
        mod.loaded = loaded
        loaded.os["netbsd_module"] = mod
        # kobj_affix gives every global the module defines to ksyms: later modules link to them
        names = {s.name for s in loaded.image.symbol_list
                 if s.bind != "local" and s.type in ("func", "object", "notype") and s.name}
        # kobj_checksyms: a global the kernel or a loaded module already defines
        taken = sorted(n for n in names if self.k.symbols.get(n) is not None)
        if taken:
            self.k.msgbuf.write(f"kobj_checksyms: [{mod.info.name}]: linker error: global symbol "
                                f"`{taken[0]}' redefined\n")
            self.module_error(f"unable to affix module `{mod.info.name}', error {self.errno.ENOEXEC}")
            raise self.fail("ENOEXEC", f"global symbol `{taken[0]}' redefined")
        self.k.loader.go_live(loaded, [self.k.loader.export(loaded, n) for n in sorted(names)])
        # the linked pointer, which damaged relocations may aim anywhere (module_fetch_info read
        # the object's view of it)
        mem = self.k.machine.mem
        try:
            modinfo = mem.read_ptr(self.system.find_section(loaded, "link_set_modules")[0])
            mod.modcmd = mem.read_ptr(modinfo + self.system.modinfo_layout.offset("mi_modcmd"))
        except MemoryFault as exc:
            self.module_error(f"module `{mod.info.name}': its modinfo_t is unreadable ({exc})")
            raise self.fail("ENOEXEC", f"{mod.info.name}: modinfo_t unreadable") from None
        mod.text_addr, mod.text_size = self.system.text_of(loaded)

    def modcmd(self, mod: Module, cmd: int, props: dict | None) -> int:
        """Call mi_modcmd with module_active = mod; 0 or the errno it returned (or a crash's)."""
        handle = self.system.props.create(props) if props is not None else 0
        previous, self.active = self.active, mod
        try:
            if mod.loaded is None:
                raise KernelError("a built-in module has no code in kemu")
            value = self.k.loader.call(mod.loaded, mod.modcmd, cmd, handle,
                                       what=f"{mod.name}: modcmd({cmd})")
            return to_signed(value, 32)
        except GuestCrash as crash:
            return crash.errno
        finally:
            self.active = previous
            if handle:
                self.system.props.release(handle)

    # --- module_unload ---------------------------------------------------------------------------
    def unload(self, name: str) -> None:
        """module_unload(9): module_do_unload with built-ins needing -f to come back."""
        if self.active is not None and name == self.active.info.name:
            raise self.fail("EBUSY", f"module `{name}' unloading itself")
        self.do_unload(name, True)

    def do_unload(self, name: str, load_requires_force: bool) -> None:
        self.module_print(f"unload requested for '{name}' ({'TRUE' if load_requires_force else 'FALSE'})")
        mod = self.lookup(name)
        if mod is None:
            self.module_error(f"module `{name}' not found")
            raise self.fail("ENOENT", f"module `{name}' not found")
        if mod.refcnt != 0:
            self.module_print(f"module `{name}' busy ({mod.refcnt} refs)")
            raise self.fail("EBUSY", f"module `{name}' busy")
        if mod.source == C.MODULE_SOURCE_KERNEL and mod.info.modclass == C.MODULE_CLASS_SECMODEL:
            self.module_print(f"cannot unload built-in secmodel module `{name}'")
            raise self.fail("EPERM", f"built-in secmodel `{name}'")
        for _, _, unload in list(self.callbacks):
            self.call_callback(unload, mod)
        error = self.modcmd(mod, C.MODULE_CMD_FINI, None) if mod.loaded is not None else 0
        if error:
            self.module_print(f"could not unload module `{name}' error={error}")
            raise self.fail(error, f"{name}: MODULE_CMD_FINI")
        self.list.remove(mod)
        for dep in mod.required:
            dep.refcnt -= 1
        self.module_print(f"unloaded module `{name}'")
        if mod.loaded is not None:
            self.system.retire(mod.loaded)
            self._free_record(mod)
        else:
            mod.required.clear()
            mod.flags = C.MODFLG_MUST_FORCE if load_requires_force else 0
            self.builtins[mod.name] = mod

    # --- built-in modules ----------------------------------------------------------------------
    def do_builtin(self, name: str, props: dict | None) -> Module:
        mod = self.builtins.pop(name)
        for dep in self._required_names(mod.info):
            if dep not in self.builtins and self.lookup(dep) is None:
                self.module_error(f"built-in module {name} can't find builtin dependency `{dep}'")
                self.builtins[name] = mod
                raise self.fail("ENOENT", "builtin dependency")
            if dep in self.builtins:
                self.do_builtin(dep, None)
            mod.required.append(self.lookup(dep))
        mod.flags = 0
        self.enqueue(mod)
        return mod

    def add_builtin(self, info: ModInfo) -> Module:
        """A module linked into the kernel, initialised at boot (MODULE_SOURCE_KERNEL)."""
        mod = self._record(info.name, info, C.MODULE_SOURCE_KERNEL)
        self.enqueue(mod)
        return mod

    # --- auto-unload -------------------------------------------------------------------------------
    def autounload_pass(self) -> None:
        """One pass of the "modunload" thread (newest first); each module is asked once."""
        now = self.k.clock.time
        for mod in list(self.list):
            if mod not in self.list or mod.source == C.MODULE_SOURCE_KERNEL:
                continue
            if not mod.flags & C.MODFLG_AUTO_LOADED or mod.autotime == 0 or self.sysctl["autotime"] == 0:
                continue
            if now < mod.autotime:
                continue
            mod.autotime = 0
            error = self.modcmd(mod, C.MODULE_CMD_AUTOUNLOAD, None)
            if error == 0 or (error == self.errno.ENOTTY and self.sysctl["autounload_unsafe"]):
                try:
                    self.do_unload(mod.name, False)
                except SyscallError:
                    pass
            else:
                self.module_print(f"module `{mod.name}' declined to be auto-unloaded error={error}")

    def pending_deadline(self) -> bool:
        return any(m.flags & C.MODFLG_AUTO_LOADED and m.autotime for m in self.list)

    # --- callbacks and sections -----------------------------------------------------------------
    def call_callback(self, fn: int, mod: Module) -> None:
        """Tell one module_register_callbacks callback of `mod`. A callback that crashes has
        its oops on the console; the load or unload it was told of goes on all the same
        (one module's broken hook must not make every other module unloadable)."""
        owner = self.k.loader.module_at(fn)
        what = f"module callback {self.k.machine.symbolize(fn)}"
        if owner is not None:
            try:
                self.k.loader.call(owner, fn, mod.handle, what=what)
            except GuestCrash:
                pass

    def register_callbacks(self, load: int, unload: int) -> int:
        cookie = self.k.heap.alloc(16, "module_callbacks", zero=True)
        self.callbacks.append((cookie, load, unload))
        caller = self.k.loader.module_at(load)
        if caller is not None:
            caller.on_unload(f"module_register_callbacks {cookie:#x}",
                             lambda: self._drop_callbacks(cookie))
        for mod in reversed(self.list):
            self.call_callback(load, mod)
        return cookie

    def _drop_callbacks(self, cookie: int) -> None:
        self.callbacks = [c for c in self.callbacks if c[0] != cookie]
        self.k.heap.free(cookie)

    def unregister_callbacks(self, cookie: int) -> None:
        for c, _, unload in list(self.callbacks):
            if c == cookie:
                for mod in list(self.list):
                    self.call_callback(unload, mod)
                owner = self.k.loader.module_at(unload)
                if owner is not None:
                    owner.forget_undo(f"module_register_callbacks {cookie:#x}")
                self._drop_callbacks(cookie)
                return

    def find_section(self, name: str) -> tuple[int, int] | None:
        """module_find_section: a section of module_active's object, (address, size)."""
        if self.active is None or self.active.loaded is None:
            return None
        return self.system.find_section(self.active.loaded, name)

    # --- MODCTL_STAT --------------------------------------------------------------------------
    def stat(self) -> list[ModStat]:
        """Loaded modules (newest first), then disabled built-ins with refcount -1."""
        rows = [ModStat(m.name, m.info.modclass, m.source, m.flags & 3, m.refcnt, m.text_addr,
                        m.text_size, m.required_text) for m in self.list]
        rows += [ModStat(m.name, m.info.modclass, m.source, 0, -1, 0, 0, m.required_text)
                 for m in self.builtins.values()]
        return rows
