"""The kld linker of FreeBSD 14's kern_linker.c, on kemu's shared module loader.

Each loaded file is a `KldFile` (the kernel itself is file 1). Loading follows
`linker_load_module` → `linker_load_file` (docs/freebsd.md §5): find the file in the module
path, read it, link it once at its reserved address to read its linker sets
(`set_modmetadata_set` by section name on amd64's ET_REL files, by `__start_set_`/
`__stop_set_` on i386's ET_DYN files), load its dependencies first (`linker_load_dependencies`:
version choice, self references skipped, "interface already present"), link it for real
against the kernel and its *direct* dependencies only, place it, register its modules, run
its SYSINITs sorted by (subsystem, order) — DECLARE_MODULE's one sends MOD_LOAD — and unwind
everything when no module survived. Unloading is `linker_file_unload`: references first,
then MOD_QUIESCE/MOD_UNLOAD per module (newest first), SYSUNINITs in reverse, the
dependencies' references, and the loader's `retire`.

Every refusal raises the FreeBSD errno as a SyscallError after printing the kernel's own
console message.
"""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field

from kemu.elf import BadObject
from kemu.kernel import KERNEL, GuestCrash, LinkFailure, SyscallError

from . import kld_events
from .modules import Module
from .mapsize import kld_size

MDT_DEPEND, MDT_MODULE, MDT_VERSION = 1, 2, 3
MDT_STRUCT_VERSION = 1
LINKER_UNLOAD_NORMAL, LINKER_UNLOAD_FORCE = 0, 1
SI_SUB_DUMMY = 0
ELF_TYPES = {"x86_64": ("rel", "link_elf_obj"), "i386": ("dyn", "link_elf")}


@dataclass
class Metadata:
    """One `struct mod_metadata` of a file."""
    type: int
    name: str              # md_cval
    data: int              # md_data
    version: int = 0       # MDT_VERSION
    depend: tuple[int, int, int] = (0, 0, 0)   # MDT_DEPEND (min, preferred, max)


@dataclass(eq=False)
class KldFile:
    """A `linker_file_t`: one loaded file (or the kernel)."""
    id: int
    name: str              # basename: "fibo.ko"
    pathname: str          # as kldstat -v shows it
    address: int
    size: int
    loaded: object = None  # the shared loader's LoadedModule (None for the kernel)
    refs: int = 1
    userrefs: int = 0
    linked: bool = False
    deps: list["KldFile"] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    metadata: list[Metadata] = field(default_factory=list)
    sets: dict[str, list[int]] = field(default_factory=dict)   # set name -> member pointers

    @property
    def is_kernel(self) -> bool:
        return self.loaded is None


@dataclass
class Version:
    """An MDT_VERSION entry of `modlist` (the versions modules are known under)."""
    name: str
    version: int
    file: KldFile


class KldLinker:
    """The linker files, the module versions and the rules of kern_linker.c."""

    def __init__(self, system):
        self.system = system
        self.k = system.kernel
        self.loader = system.kernel.loader
        self.errno = system.errno
        self.files: list[KldFile] = []
        self.versions: list[Version] = []
        kind, self.class_name = ELF_TYPES[system.arch]
        self.elf_kind = kind
        kernel = KldFile(1, "kernel", "/boot/kernel/kernel", system.kernel_base, system.kernel_size,
                         linked=True)
        self.kernel_file = kernel
        self.files.append(kernel)
        self.versions.append(Version("kernel", system.layouts.const("__FreeBSD_version"), kernel))

    # --- lookups -------------------------------------------------------------------------------
    def by_id(self, file_id: int) -> KldFile | None:
        return next((f for f in self.files if f.id == file_id), None)

    def by_name(self, name: str) -> KldFile | None:
        """linker_find_file_by_name(): the basename, also with ".ko" added."""
        base = posixpath.basename(name)
        for f in self.files:
            if f.name in (base, base + ".ko"):
                return f
        return None

    def file_of(self, loaded) -> KldFile | None:
        return next((f for f in self.files if f.loaded is loaded), None)

    def _next_id(self) -> int:
        used = {f.id for f in self.files}
        n = 1
        while n in used:
            n += 1
        return n

    def lookup_version(self, name: str, verinfo: tuple[int, int, int] | None) -> Version | None:
        """modlist_lookup2(): `preferred` at once, else the highest version in [min, max]."""
        found = [v for v in self.versions if v.name == name]
        if not found:
            return None
        if verinfo is None:
            return max(found, key=lambda v: v.version)
        lo, pref, hi = verinfo
        best = None
        for v in found:
            if v.version == pref:
                return v
            if lo <= v.version <= hi and (best is None or v.version > best.version):
                best = v
        return best

    # --- the module path -----------------------------------------------------------------------
    def search(self, name: str, cwd: str) -> str | None:
        """A host path for `name` as linker_search_kld / linker_search_module find it."""
        if "/" in name:
            path = name if os.path.isabs(name) else os.path.join(cwd, name)
            return path if os.path.exists(path) else None
        for directory in self.system.module_path:
            base = directory if os.path.isabs(directory) else os.path.join(cwd, directory)
            for ext in ("", ".ko"):
                path = os.path.join(base, name + ext)
                if os.path.isfile(path):
                    return path
        return None

    # --- kldload -------------------------------------------------------------------------------
    def kldload(self, file: str, cwd: str) -> KldFile:
        """kern_kldload(): the file loaded (userrefs + 1) or SyscallError."""
        self._check_securelevel("kldload")
        if "/" in file or "." in file:
            lf = self.load_module(file, None, None, None, cwd)
        else:
            lf = self.load_module(None, file, None, None, cwd)
        lf.userrefs += 1
        return lf

    def load_module(self, kldname: str | None, modname: str | None, parent: KldFile | None,
                    verinfo: tuple[int, int, int] | None, cwd: str) -> KldFile:
        """linker_load_module()."""
        if modname is not None:
            if self.lookup_version(modname, verinfo) is not None:
                raise self.errno.error("EEXIST", f"module {modname} already loaded")
            path = self.search(modname, cwd)
        else:
            path = self.search(kldname, cwd)
        if path is None:
            raise self.errno.error("ENOENT", kldname or modname)
        if self.by_name(path) is not None:
            raise self.errno.error("EEXIST", f"{posixpath.basename(path)} already loaded")
        lf = self.load_file(path, cwd)
        if modname is not None and verinfo is not None and self.lookup_version(modname, verinfo) is None:
            self.unload_file(lf, LINKER_UNLOAD_FORCE)
            raise self.errno.error("ENOENT", f"{modname}: no acceptable version in {lf.name}")
        if parent is not None:
            parent.deps.append(lf)
        return lf

    def load_file(self, path: str, cwd: str) -> KldFile:
        """linker_load_file(): link, register modules, run SYSINITs."""
        self._check_securelevel("linker_load_file")
        existing = self.by_name(path)
        if existing is not None:
            existing.refs += 1
            return existing
        name = posixpath.basename(path)
        shown = os.path.normpath(path if os.path.isabs(path) else os.path.join(cwd, path))
        lf = self._link_file(path, name, shown, cwd)
        # linker_file_register_modules
        for md in lf.metadata:
            if md.type == MDT_MODULE:
                error = self.system.modules.register(md.data, lf)
                if error:
                    self.system.kprintf(f"Module {md.name} failed to register: {error}\n")
                    if error == self.errno.EEXIST:
                        self.unload_file(lf, LINKER_UNLOAD_FORCE)
                        raise self.errno.error("EEXIST", f"{name}: module {md.name} already registered")
        self.system.sysctl.register_file(lf)
        self._run_sysinits(lf, "sysinit_set", reverse=False)
        lf.linked = True
        declared = any(md.type == MDT_MODULE for md in lf.metadata)
        if declared and not lf.modules:
            self.unload_file(lf, LINKER_UNLOAD_FORCE)
            raise self.errno.error("ENOEXEC", f"{name}: no module survived MOD_LOAD")
        self.system.sysctl.enable_file(lf)
        kld_events.loaded(self.system, lf)
        return lf

    # --- linking -------------------------------------------------------------------------------
    def _refuse(self, name: str, message: str | None, errno: str = "ENOEXEC") -> SyscallError:
        if message:
            self.system.kprintf(message)
        return self.errno.error(errno, name)

    def _link_file(self, path: str, name: str, shown: str, cwd: str) -> KldFile:
        loader = self.loader
        try:
            obj = loader.read_object(path, name)
        except OSError as exc:
            raise self.errno.error(exc.errno or "ENOEXEC", f"{shown}: {exc.strerror}") from None
        except BadObject as exc:               # link_elf*'s header checks: ENOEXEC
            text = str(exc)
            for prefix in (path + ": ", name + ": "):
                text = text[len(prefix):] if text.startswith(prefix) else text
            raise self._refuse(name, f"kldload: {shown}: {text}\n") from None
        if obj.arch != self.system.arch:
            raise self._refuse(name, f"kldload: {shown}: Unsupported machine\n")
        if ("dyn" if obj.shared else "rel") != self.elf_kind:
            raise self._refuse(name, f"linker_load_file: {shown} - unsupported file type\n")
        placeholder: dict[str, int] = {}

        def provisional(sym: str) -> int:          # imports land somewhere until deps are known
            return placeholder.setdefault(sym, self.system.kernel_base)

        try:
            size = loader.image_size(obj, provisional)
            base, size = loader.reserve(size)
        except LinkFailure as exc:
            raise self._refuse(name, f"kldload: {shown}: {exc.lines[0]}\n") from None
        lf = KldFile(self._next_id(), name, shown, base, size)
        try:
            try:
                first = loader.link(obj, base, provisional)
            except LinkFailure as exc:      # a field that fits at the sizing address, not here
                raise self._refuse(name, f"kldload: {shown}: {exc.lines[0]}\n") from None
            try:
                lf.metadata = self._metadata(first, lf)
                lf.sets = {s: self._set(first, s) for s in ("sysinit_set", "sysuninit_set", "sysctl_set")}
                self._check_tables(first, lf)
            except ValueError as exc:        # LinkedImage.read: a pointer leading out of the file
                raise self._refuse(name, f"kldload: {shown}: {exc}\n") from None
            self.files.append(lf)
            self._load_dependencies(lf, cwd)
            bound: dict = {}
            visible_owners = {KERNEL} | {d.name for d in lf.deps if not d.is_kernel}
            resolve = loader.resolver(name, visible=lambda s, _u: s.owner in visible_owners, bound=bound)
            try:
                image = loader.link(obj, base, resolve)
            except LinkFailure as exc:
                sym = exc.unresolved[0] if exc.unresolved else None
                line = (f"{self.class_name}: symbol {sym} undefined\n" if sym
                        else f"kldload: {shown}: {exc.lines[0]}\n")
                raise self._refuse(name, line) from None
            lf.loaded = loader.place(obj, image, name=name, path=shown, base=base, size=size, bound=bound)
        except BaseException:
            if lf in self.files:
                self.files.remove(lf)
                self.versions = [v for v in self.versions if v.file is not lf]
                for dep in lf.deps:
                    self.unload_file(dep, LINKER_UNLOAD_FORCE)
            if lf.loaded is None:
                loader.release(base)
            else:
                loader.retire(lf.loaded)
            raise
        lf.size = kld_size(obj, image.size)
        exports = []
        for s in image.symbol_list:
            if (s.bind != "local" and s.type in ("func", "object", "notype") and s.name
                    and not s.name.startswith(("__start_set_", "__stop_set_"))
                    and self.k.symbols.get(s.name) is None):
                exports.append(loader.export(lf.loaded, s.name))
        loader.go_live(lf.loaded, exports)
        return lf

    def _set(self, image, name: str) -> list[int]:
        """Member pointers of linker set `name` (empty when the file has none)."""
        word = self.k.word_size
        if self.elf_kind == "rel":
            spans = [(p.addr, p.addr + p.size) for p in image.placements if p.name == "set_" + name]
        else:
            start = image.symbols.get("__start_set_" + name)
            stop = image.symbols.get("__stop_set_" + name)
            spans = [(start, stop)] if start and stop else []
        out = []
        for lo, hi in spans:
            data = image.read(lo, hi - lo)
            out += [int.from_bytes(data[i:i + word], "little") for i in range(0, len(data) - word + 1, word)]
        return out

    def _check_tables(self, image, lf: KldFile) -> None:
        """What the kernel reads through the file's own pointers lies in the file: each SYSINIT
        and SYSUNINIT record, each static sysctl oid with its name and format, each moduledata
        and its name (FreeBSD would fault reading them elsewhere). LinkedImage.read's ValueError
        names the first that does not."""
        lay, word = self.system.layouts, self.k.word_size

        def pointer(raw: bytes, at: int) -> int:
            return int.from_bytes(raw[at:at + word], "little")

        for set_name in ("sysinit_set", "sysuninit_set"):
            for ptr in lf.sets[set_name]:
                image.read(ptr, lay.size("sysinit"))
        for ptr in lf.sets["sysctl_set"]:
            raw = image.read(ptr, lay.size("sysctl_oid"))
            for field in ("oid_name", "oid_fmt"):
                text = pointer(raw, lay.offset("sysctl_oid", field))
                if text:
                    image.read(text, 1)
        for md in lf.metadata:
            if md.type == MDT_MODULE:
                raw = image.read(md.data, lay.size("moduledata"))
                image.read(pointer(raw, lay.offset("moduledata", "name")), 1)

    def _metadata(self, image, lf: KldFile) -> list[Metadata]:
        lay, word = self.system.layouts, self.k.word_size
        records = []
        size = lay.size("mod_metadata")

        def word_at(addr: int, n: int = word) -> int:
            return int.from_bytes(image.read(addr, n), "little")

        def cstr(addr: int) -> str:
            out = bytearray()
            while addr and len(out) < 256:
                b = image.read(addr, 1)
                if b == b"\0":
                    break
                out += b
                addr += 1
            return out.decode("latin-1")

        for ptr in self._set(image, "modmetadata_set"):
            raw = image.read(ptr, size)
            version = int.from_bytes(raw[0:4], "little")
            if version != MDT_STRUCT_VERSION:
                continue
            mtype = int.from_bytes(raw[4:8], "little")
            at_data, at_cval = lay.offset("mod_metadata", "md_data"), lay.offset("mod_metadata", "md_cval")
            data = int.from_bytes(raw[at_data:at_data + word], "little")
            md = Metadata(mtype, cstr(int.from_bytes(raw[at_cval:at_cval + word], "little")), data)
            if mtype == MDT_VERSION:
                md.version = word_at(data, 4)
            elif mtype == MDT_DEPEND:
                md.depend = (word_at(data, 4), word_at(data + 4, 4), word_at(data + 8, 4))
            records.append(md)
        return records

    def _load_dependencies(self, lf: KldFile, cwd: str) -> None:
        """linker_load_dependencies()."""
        kernel = self.kernel_file
        kernel.refs += 1
        lf.deps.append(kernel)
        provided = {md.name for md in lf.metadata if md.type == MDT_VERSION}
        for md in lf.metadata:
            if md.type != MDT_VERSION:
                continue
            known = [v for v in self.versions if v.name == md.name and v.version == md.version]
            if known:
                self.system.kprintf(f"interface {md.name}.{md.version} already present in the KLD "
                                    f"'{known[0].file.name}'!\n")
                raise self.errno.error("EEXIST", f"{md.name}.{md.version}")
        for md in lf.metadata:
            if md.type != MDT_DEPEND or md.name in provided:
                continue
            if md.name == "kernel":
                if self.lookup_version("kernel", md.depend) is None:
                    self._dep_failed(lf, md.name)
                continue
            have = self.lookup_version(md.name, md.depend)
            if have is not None:
                have.file.refs += 1
                lf.deps.append(have.file)
                continue
            try:
                self.load_module(None, md.name, lf, md.depend, cwd)
            except SyscallError:
                self._dep_failed(lf, md.name)
        for md in lf.metadata:
            if md.type == MDT_VERSION:
                self.versions.append(Version(md.name, md.version, lf))

    def _dep_failed(self, lf: KldFile, depname: str) -> None:
        self.system.kprintf(f"KLD {lf.name}: depends on {depname} - not available or version mismatch\n")
        raise self.errno.error("ENOEXEC", f"{lf.name}: dependency {depname}")

    # --- SYSINIT / SYSUNINIT -------------------------------------------------------------------
    def _sysinits(self, lf: KldFile, set_name: str) -> list[tuple[int, int, int, int]]:
        lay, mem = self.system.layouts, self.system.machine.mem
        entries = []
        for ptr in lf.sets.get(set_name, []):
            sub = mem.read_int(ptr + lay.offset("sysinit", "subsystem"), 4)
            order = mem.read_int(ptr + lay.offset("sysinit", "order"), 4)
            func = mem.read_ptr(ptr + lay.offset("sysinit", "func"))
            udata = mem.read_ptr(ptr + lay.offset("sysinit", "udata"))
            entries.append((sub, order, func, udata))
        # the kernel bubble-sorts: a stable sort on (subsystem, order) gives the same order
        entries.sort(key=lambda e: (e[0], e[1]))
        return entries

    def _run_sysinits(self, lf: KldFile, set_name: str, reverse: bool) -> None:
        entries = self._sysinits(lf, set_name)
        if reverse:
            entries.reverse()
        for sub, order, func, udata in entries:
            if sub == SI_SUB_DUMMY:
                continue
            try:
                self.system.call_guest(func, udata, what=f"{lf.name}: {set_name[:-4]} {sub:#x}/{order:#x}")
            except GuestCrash:
                pass                                  # reported on the console; the kernel carries on

    # --- kldunload -----------------------------------------------------------------------------
    def kldunload(self, file_id: int, flags: int = LINKER_UNLOAD_NORMAL) -> None:
        """kern_kldunload()."""
        if flags not in (LINKER_UNLOAD_NORMAL, LINKER_UNLOAD_FORCE):
            raise self.errno.error("EINVAL", f"kldunloadf flags {flags}")
        self._check_securelevel("kldunload")
        lf = self.by_id(file_id)
        if lf is None or not lf.linked:
            raise self.errno.error("ENOENT", f"file id {file_id}")
        if lf.userrefs == 0:
            self.system.kprintf("kldunload: attempt to unload file that was loaded by the kernel\n")
            raise self.errno.error("EBUSY", lf.name)
        lf.userrefs -= 1
        try:
            self.unload_file(lf, flags)
        except SyscallError:
            lf.userrefs += 1
            raise

    def unload_file(self, lf: KldFile, flags: int) -> None:
        """linker_file_unload()."""
        self._check_securelevel("linker_file_unload")
        if lf.refs > 1:
            lf.refs -= 1
            return
        if kld_events.unload_vetoed(self.system, lf):
            raise self.errno.error("EBUSY", f"{lf.name}: a kld_unload_try handler refused")
        modules = self.system.modules
        for module in list(lf.modules):
            error = modules.quiesce(module)
            if error and flags != LINKER_UNLOAD_FORCE:
                raise self.errno.error(error, f"{module.name}: MOD_QUIESCE")
            error = modules.unload(module)
            if error:
                raise self.errno.error(error, f"{module.name}: MOD_UNLOAD")
            modules.release(module)
        self.versions = [v for v in self.versions if v.file is not lf]
        if lf.linked:
            self.system.sysctl.unregister_file(lf)
            self._run_sysinits(lf, "sysuninit_set", reverse=True)
        if lf in self.files:
            self.files.remove(lf)
        lf.refs = 0
        for dep in lf.deps:
            try:
                self.unload_file(dep, flags)
            except SyscallError:
                pass          # linker_file_unload ignores a dependency's refusal (it stays loaded)
        if lf.loaded is not None:
            kld_events.report_stale_handlers(self.system, lf)
            leaks = self.loader.retire(lf.loaded)
            self.system.report_leaks(lf, leaks)
        kld_events.unloaded(self.system, lf)

    # --- securelevel ---------------------------------------------------------------------------
    def _check_securelevel(self, what: str) -> None:
        if self.system.securelevel > 0:
            raise self.errno.error("EPERM", f"{what}: kern.securelevel is {self.system.securelevel}")
