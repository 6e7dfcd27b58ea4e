"""insmod: init_module(2) and the kernel's load_module (kernel/module/main.c, 6.1) on the
shared loader.

The order is the kernel's: read and check the ELF, find .gnu.linkonce.this_module and the
name, check module_layout's CRC and the vermagic (same_magic), taint for out-of-tree,
missing retpoline, unsigned and non-GPL modules, refuse a second module of the same name
(-EEXIST), resolve every undefined symbol (GPL-only exports hidden from non-GPL modules,
each CRC checked against __versions), relocate and place, publish nothing until init
returned 0, call init, retire everything on failure. The kernel's messages go to dmesg and
the console exactly as 6.1 prints them; insmod's own line is the InsmodError's output.
"""
from __future__ import annotations

import os
import struct

from kemu.elf import BadObject, ObjectFile
from kemu.kernel import GuestCrash, KernelError, LinkFailure, LoadedModule, SyscallError
from kemu.link import LayoutPolicy
from kemu.machine import MemoryFault

from . import symvers
from .elf_edit import ElfEditError
from .kmod_force import ForceError, strip_for_force
from .module_percpu import PerCpuError, place_percpu
from .params import free_strings, parse_args
from .modinfo import GPL_COMPATIBLE, read_exports, read_modinfo, read_versions, strip_signature

THIS_MODULE = ".gnu.linkonce.this_module"
ELF_MACHINES = {"x86_64": (62,), "i386": (3, 6)}
#: insmod's mod_strerror: the texts it prints for init_module's errors
INSMOD_TEXT = {"ENOEXEC": "Invalid module format", "ENOENT": "Unknown symbol in module",
               "ESRCH": "Module has wrong symbol version", "EINVAL": "Invalid parameters"}


class InsmodError(SyscallError):
    """init_module failed: `.output` is what insmod printed, `.status` its exit status (1)."""

    def __init__(self, system, name: str, path: str, detail: str | None = None):
        e = system.errno
        number = e.value(name)
        text = INSMOD_TEXT.get(name) or e.strerror(number)
        super().__init__(number, name, text, detail)
        self.output = f"insmod: ERROR: could not insert module {path}: {text}\n"
        self.status = 1


def _fail(system, errno_name: str, path: str, detail: str | None = None) -> InsmodError:
    return InsmodError(system, errno_name, path, detail)


def _elf_checks(system, data: bytes, path: str) -> None:
    """elf_validity_check's first refusals, with the kernel's pr_err texts."""
    if len(data) < (64 if system.arch == "x86_64" else 52):
        system.pr(f"Invalid ELF header len {len(data)}", 3)
        raise _fail(system, "ENOEXEC", path)
    if data[:4] != b"\x7fELF":
        system.pr("Invalid ELF header magic: != \\x7fELF", 3)
        raise _fail(system, "ENOEXEC", path)
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    if e_type != 1:
        system.pr(f"Invalid ELF header type: {e_type} != 1", 3)
        raise _fail(system, "ENOEXEC", path)
    want_class = 2 if system.arch == "x86_64" else 1
    if e_machine not in ELF_MACHINES[system.arch] or data[4] != want_class:
        system.pr(f"Invalid architecture in ELF header: {e_machine}", 3)
        raise _fail(system, "ENOEXEC", path)


def _same_magic(have: str, want: str, has_crcs: bool) -> bool:
    if has_crcs:
        have, want = have.split(" ", 1)[-1], want.split(" ", 1)[-1]
    return have == want


def load_module(system, path: str, params: list[str], *, lenient: bool = False, force: bool = False,
                display: str | None = None, force_vermagic: bool = False,
                force_modversion: bool = False) -> LoadedModule:
    """Load `path` (a host file); see the module docstring. `force` (insmod -f, modprobe
    -f) is both of `force_vermagic` and `force_modversion`: the file is edited as kmod does
    (kmod_force.py) before the kernel sees it."""
    loader, k = system.kernel.loader, system.kernel
    shown = display or path
    try:
        from kemu.elf import read_object_file
        raw = read_object_file(path)
    except BadObject:
        raise _fail(system, "ENOEXEC", shown) from None
    except OSError as exc:
        out = InsmodError(system, "ENOENT", shown)
        out.output = f"insmod: ERROR: could not load module {shown}: {exc.strerror or 'No such file or directory'}\n"
        raise out from None
    data, signed = strip_signature(raw)
    _elf_checks(system, data, shown)
    if force or force_vermagic or force_modversion:
        try:
            data = strip_for_force(data, vermagic=force or force_vermagic,
                                   modversion=force or force_modversion)
        except ForceError:
            raise _fail(system, "ENOEXEC", shown) from None
        signed = False              # the edit breaks an appended signature
    try:
        obj = ObjectFile.parse(data, shown)
    except BadObject as exc:
        system.pr(f"kemu: {exc}", 3)
        raise _fail(system, "ENOEXEC", shown, str(exc)) from None
    info = read_modinfo(obj)
    this = obj.section_by_name(THIS_MODULE)
    name = info.get("name")
    if not obj.symbols:
        system.pr(f"{name or '(missing .modinfo section or name field)'}: module has no symbols (stripped?)", 4)
        raise _fail(system, "ENOEXEC", shown)
    if this is None or not this.alloc:
        system.pr(f"{name or '(missing .modinfo name field)'}: No module found in object", 4)
        raise _fail(system, "ENOEXEC", shown)
    lay = system.layout
    if name is None:
        off = lay.offset("struct module", "name")
        name = obj.section_data(this)[off:off + lay.field_size("struct module", "name")].split(b"\0")[0].decode("latin-1")
    versions = read_versions(obj, system.machine.word_size)
    # module_layout is never called, so kemu defines no symbol for it: its CRC is the release's
    export = symvers.vmlinux_exports(system.release).get("module_layout")
    layout_crc = export.crc if export is not None else None
    taints: list[str] = []
    # check_modstruct_version
    if versions is None and layout_crc is not None:
        try_to_force_load(system, name, "module_layout", taints)
    elif versions is not None and layout_crc is not None and "module_layout" in versions \
            and versions["module_layout"] != layout_crc:
        system.pr(f"{name}: disagrees about version of symbol module_layout", 4)
        raise _fail(system, "ENOEXEC", shown)

    # check_modinfo
    magic = info.get("vermagic")
    if not magic:
        try_to_force_load(system, name, "bad vermagic", taints)
    elif not _same_magic(magic, system.vermagic, versions is not None):
        system.pr(f"{name}: version magic '{magic}' should be '{system.vermagic}'", 3)
        raise _fail(system, "ENOEXEC", shown)
    if info.get("intree") is None:
        system.pr_once("oot", f"{name}: loading out-of-tree module taints kernel.", 4)
        system.add_taint("O")
        taints.append("O")
    if info.get("staging") is not None:
        system.pr(f"{name}: module is from the staging directory, the quality is unknown, "
                  "you have been warned.", 4)
        system.add_taint("C")
        taints.append("C")
    if info.get("retpoline") is None:
        system.pr(f"{name}: loading module not compiled with retpoline compiler.", 4)
    license = info.get("license") or "unspecified"
    gpl_ok = license in GPL_COMPATIBLE
    if not gpl_ok:
        system.pr_once("license:" + name, f"{name}: module license '{license}' taints kernel.", 4)
        system.add_taint("P", True)
        taints.insert(0, "P")
    if info.get("test") is not None:
        system.pr(f"{name}: loading test module taints kernel.", 4)
        taints.append("N")
    if not signed:
        system.pr_once("unsigned", f"{name}: module verification failed: signature and/or required "
                                   "key missing - tainting kernel", 5)
        system.add_taint("E")
        taints.append("E")
    existing = loader.find(name)
    if existing is not None:
        raise _fail(system, "EEXIST" if existing.state.value == "live" else "EBUSY", shown)

    # percpu_modalloc: the module's .data..percpu goes to the per-CPU area, its symbols with it
    try:
        data, pcpu = place_percpu(system, name, data)
    except PerCpuError as exc:
        system.pr(str(exc), 4)
        raise _fail(system, "ENOMEM", shown) from None
    except ElfEditError as exc:
        system.pr(f"kemu: {exc}", 3)
        raise _fail(system, "ENOEXEC", shown, str(exc)) from None
    if pcpu is not None:
        obj = ObjectFile.parse(data, shown)
        this = obj.section_by_name(THIS_MODULE)
    try:
        module = _link_and_place(system, obj, name, path, shown, taints, versions, gpl_ok, lenient)
    except BaseException:
        if pcpu is not None:
            system.module_percpu.free(pcpu)
        raise
    if pcpu is not None:
        module.on_unload("per-cpu data", lambda: system.module_percpu.free(pcpu))
        _set_percpu_fields(system, module, image_this(module, this), pcpu)
    return _start(system, module, this, name, shown, params, taints, license, info, signed)


def image_this(module: LoadedModule, this) -> int:
    return module.image.section_address(this.index)


def _set_percpu_fields(system, module: LoadedModule, this_module: int, pcpu) -> None:
    """mod->percpu and mod->percpu_size, as percpu_modalloc leaves them."""
    lay, mem = system.layout, system.machine.mem
    if lay.has("struct module", "percpu"):
        mem.write_ptr(this_module + lay.offset("struct module", "percpu"), pcpu.pointer)
    if lay.has("struct module", "percpu_size"):
        mem.write_u32(this_module + lay.offset("struct module", "percpu_size"), pcpu.size)


def _link_and_place(system, obj, name: str, path: str, shown: str, taints: list[str], versions,
                    gpl_ok: bool, lenient: bool) -> LoadedModule:
    """simplify_symbols, apply_relocations and the move into module memory: the placed
    module (LOADING), or InsmodError with the kernel's messages."""
    loader = system.kernel.loader
    # simplify_symbols: visibility (GPL-only), modversions
    problems: dict[str, int] = {}
    unversioned_warned = []

    def visible(sym, user) -> bool:
        if sym.name.startswith("__kemu_"):
            return False
        if sym.license == "GPL" and not gpl_ok:
            problems.setdefault(sym.name, -2)
            return False
        if sym.crc is not None and versions is None:
            try_to_force_load(system, name, sym.name, taints)
        elif sym.crc is not None and versions is not None:
            want = versions.get(sym.name)
            if want is None:
                if not unversioned_warned:
                    unversioned_warned.append(sym.name)
                    system.pr(f"{name}: no symbol version for {sym.name}", 4)
            elif want != sym.crc:
                system.pr(f"{name}: disagrees about version of symbol {sym.name}", 4)
                problems[sym.name] = -22
                return False
        return True

    bound: dict = {}
    resolve = loader.resolver(name, lenient=lenient, visible=visible, bound=bound)
    try:
        # sized by a link inside the module area, not at 0 (loader.image_size): from address
        # 0, a PC32 reference of a large module to kernel text would not reach
        size = loader.link(obj, system.machine.layout[loader.area].start, resolve, policy=LAYOUT).size
    except LinkFailure as exc:
        raise _link_failure(system, exc, name, shown, problems) from None
    base, size = loader.reserve(size)
    try:
        bound.clear()
        image = loader.link(obj, base, resolve, policy=LAYOUT)
        module = loader.place(obj, image, name=name, path=path, base=base, size=size, bound=bound)
    except LinkFailure as exc:
        loader.release(base)
        raise _link_failure(system, exc, name, shown, problems) from None
    except BaseException:
        loader.release(base)
        raise
    return module


def _start(system, module: LoadedModule, this, name: str, shown: str, params: list[str], taints: list[str],
           license: str, info, signed: bool) -> LoadedModule:
    """do_init_module: parameters, init, going live, the init sections freed."""
    loader = system.kernel.loader
    module.os.update(taints=taints, license=license, info=info, refcnt=0, this_module=image_this(module, this),
                     params=params, signed=signed)
    try:
        exports = _exports(system, module)
        ret = parse_args(system, module, params)
        if ret < 0:
            _retire(system, module)
            raise _fail(system, system.errno_name(-ret, "EINVAL"), shown)
        init = _fn_pointer(system, module, "init")
        module.os["has_exit"] = bool(_fn_pointer(system, module, "exit")) or not init
        if init:
            ret = loader.call(module, init, what=f"{name}: init")
            ret = _signed_int(ret)
            if ret < 0:
                _retire(system, module)
                raise _fail(system, system.errno_name(-ret, "EINVAL"), shown)
            if ret > 0:
                system.pr(f"do_init_module: '{name}'->init suspiciously returned {ret}, it should "
                          "follow 0/-E convention", 4)
                system.pr("do_init_module: loading module anyway...", 4)
    except GuestCrash as crash:
        _retire(system, module)
        raise _fail(system, crash.name, shown, crash.report) from None
    except InsmodError:
        raise
    except KernelError as exc:
        system.pr(f"{name}: {exc}", 3)
        _retire(system, module)
        raise _fail(system, "ENOEXEC", shown, str(exc)) from None
    except MemoryFault as exc:        # its own tables (__param names, __ksymtab) point nowhere
        system.pr(f"{name}: {exc}", 3)
        _retire(system, module)
        raise _fail(system, "EFAULT", shown, str(exc)) from None
    except SyscallError as exc:       # a service refused what init asked (a node it cannot make)
        system.pr(f"{name}: {exc}", 3)
        _retire(system, module)
        raise _fail(system, exc.name or "EINVAL", shown, str(exc)) from None
    loader.go_live(module, exports)
    _free_init_sections(system, module)
    return module


def _is_init_section(section) -> bool:
    """module_init_layout_section: the sections freed after init (.init.text, .init.data,
    .init.rodata …)."""
    return section.name.startswith(".init")


#: the kernel's two layouts in one image: .init.* sections on pages of their own at the end
LAYOUT = LayoutPolicy(apart=_is_init_section)


def _free_init_sections(system, module: LoadedModule) -> None:
    """do_init_module's free of the init region: the pages holding the .init.* sections
    (placed apart by LAYOUT) are unmapped, so running or reading them afterwards faults as
    on a real kernel."""
    image, freed = module.image, 0
    init = [p for p in image.placements if p.name.startswith(".init") and p.size]
    if not init:
        module.os["init_freed"] = 0
        return
    lo, hi = min(p.addr for p in init), max(p.end for p in init)
    for seg in image.segments:
        if seg.addr < hi and lo < seg.addr + seg.size:
            inside = [p for p in image.placements if seg.addr <= p.addr < seg.addr + seg.size and p.size]
            if all(p.name.startswith(".init") for p in inside):
                system.machine.mem.unmap(seg.addr, seg.size)
                freed += seg.size
    module.os["init_freed"] = freed


def try_to_force_load(system, name: str, reason: str, taints: list[str]) -> None:
    """What the kernel does with CONFIG_MODULE_FORCE_LOAD for a missing vermagic or missing
    symbol versions: the first forced load says so, every one is tainted F."""
    if "F" not in system.taints:
        system.pr(f"{name}: {reason}: kernel tainted.", 4)
    system.add_taint("F", True)
    if "F" not in taints:
        taints.append("F")


def _signed_int(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _fn_pointer(system, module: LoadedModule, field: str) -> int:
    """module->init or module->exit, read from the relocated struct module."""
    off = system.layout.offset("struct module", field)
    return system.machine.mem.read_ptr(module.os["this_module"] + off)


def _exports(system, module: LoadedModule) -> list:
    """The module's exports as kernel symbols, refused as duplicates like verify_exported_symbols."""
    loader, out = system.kernel.loader, []
    for e in read_exports(system.machine.mem, module.image, module.obj):
        owner = system.kernel.symbols.get(e.name)
        if owner is not None and not e.name.startswith("__kemu_"):
            who = "kernel" if owner.from_kernel else owner.owner
            system.pr(f"{module.name}: exports duplicate symbol {e.name} (owned by {who})", 3)
            raise KernelError(f"exports duplicate symbol {e.name}")
        sym = loader.export(module, e.name, license="GPL" if e.gpl else None, crc=e.crc,
                            namespace=e.namespace)
        out.append(sym)
    return out


def _retire(system, module: LoadedModule) -> None:
    try:
        free_strings(system, module)
    except (GuestCrash, MemoryFault):     # a parameter table pointing nowhere frees nothing
        pass
    leaks = system.kernel.loader.retire(module)
    if leaks:
        system.leaked.extend((module.name, a) for a in leaks)


def _link_failure(system, exc: LinkFailure, name: str, shown: str, problems: dict[str, int]) -> InsmodError:
    if exc.kind == "unresolved":
        last = -2
        for sym in exc.unresolved:
            err = problems.get(sym, -2)
            system.pr(f"{name}: Unknown symbol {sym} (err {err})", 4)
            last = err
        return _fail(system, "EINVAL" if last == -22 else "ENOENT", shown)
    for line in exc.lines:
        system.pr(line, 3)
    return _fail(system, "ENOEXEC", shown)


def module_name_of(path: str) -> str:
    """The name rmmod/modprobe derive from a file name: basename without .ko, '-' as '_'."""
    base = os.path.basename(path)
    for suffix in (".ko.xz", ".ko.zst", ".ko.gz", ".ko"):
        if base.endswith(suffix):
            base = base[:-len(suffix)]
            break
    return base.replace("-", "_")
