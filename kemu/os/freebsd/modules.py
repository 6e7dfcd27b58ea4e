"""The module list of FreeBSD 14's kern_module.c: what `modfind`, `modstat` and kldstat -v see.

A kld file declares modules (MDT_MODULE records pointing at a `moduledata_t`); the linker
registers each one when the file is linked (`register`), and DECLARE_MODULE's SYSINIT,
`module_register_init`, sends it MOD_LOAD. Module ids count up from 1 and are never reused;
a module's event handler is `moduledata.evhand` (or modevent_nop when NULL) with
`moduledata.priv` as its argument, and `module_t` is a small kernel block kemu gives each
module so the handler has a real pointer to hold.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kemu.intbits import to_signed
from kemu.kernel import GuestCrash, KernelPanic

MOD_LOAD, MOD_UNLOAD, MOD_SHUTDOWN, MOD_QUIESCE = 0, 1, 2, 3
MAXMODNAME = 32
MODULE_HANDLE_SIZE = 64       # the opaque struct module a handler's module_t points at


@dataclass(eq=False)
class Module:
    """One registered module."""
    id: int
    name: str
    file: object              # the KldFile that declared it (or the kernel's)
    data: int                 # its moduledata_t
    evhand: int               # 0: modevent_nop
    priv: int
    handle: int               # module_t
    refs: int = 1
    data_word: int = 0        # modspecific_t (modstat's `data`)


@dataclass
class ModuleList:
    """Every module the kernel knows, in registration order (kern_module.c's `modules`)."""

    system: object
    modules: list[Module] = field(default_factory=list)
    next_id: int = 1

    def find(self, name: str) -> Module | None:
        for m in self.modules:
            if m.name == name:
                return m
        return None

    def by_id(self, mod_id: int) -> Module | None:
        for m in self.modules:
            if m.id == mod_id:
                return m
        return None

    # --- registration ------------------------------------------------------------------------
    def register(self, data: int, file) -> int:
        """module_register(): 0, or EEXIST (with FreeBSD's console message) for a taken name."""
        system = self.system
        name = system.read_name(system.machine.mem.read_ptr(data + system.layouts.offset("moduledata", "name")))
        taken = self.find(name)
        if taken is not None:
            system.kprintf(f"module_register: cannot register {name} from {file.name}; "
                           f"already loaded from {taken.file.name}\n")
            return system.errno.EEXIST
        lay, mem = system.layouts, system.machine.mem
        handle = system.kernel.heap.alloc(MODULE_HANDLE_SIZE, "module", zero=True)
        module = Module(self.next_id, name, file, data,
                        mem.read_ptr(data + lay.offset("moduledata", "evhand")),
                        mem.read_ptr(data + lay.offset("moduledata", "priv")), handle)
        self.next_id += 1
        self.modules.append(module)
        file.modules.append(module)
        return 0

    def register_init(self, data: int) -> None:
        """module_register_init(): MOD_LOAD; on failure MOD_UNLOAD, release and say so."""
        system = self.system
        name = system.read_name(system.machine.mem.read_ptr(data + system.layouts.offset("moduledata", "name")))
        module = self.find(name)
        if module is None:
            raise KernelPanic(f"module_register_init: module named {name} not found")
        error = self.event(module, MOD_LOAD)
        if error:
            self.event(module, MOD_UNLOAD)
            self.release(module)
            system.kprintf(f"module_register_init: MOD_LOAD ({name}, {_ptr(module.evhand)}, "
                           f"{_ptr(module.priv)}) error {error}\n")
            return
        # a module that loaded moves to the head of its file's list: unloads go newest first
        module.file.modules.remove(module)
        module.file.modules.insert(0, module)

    def release(self, module: Module) -> None:
        """module_release(): out of both lists."""
        if module in self.modules:
            self.modules.remove(module)
        if module in module.file.modules:
            module.file.modules.remove(module)
        self.system.kernel.heap.free(module.handle)

    # --- events --------------------------------------------------------------------------------
    def event(self, module: Module, what: int) -> int:
        """MOD_EVENT(): the handler's return value as an errno (a crash counts as EFAULT …)."""
        system = self.system
        if module.evhand == 0:               # modevent_nop
            return {MOD_LOAD: 0, MOD_UNLOAD: system.errno.EBUSY}.get(what, system.errno.EOPNOTSUPP)
        names = {MOD_LOAD: "MOD_LOAD", MOD_UNLOAD: "MOD_UNLOAD", MOD_SHUTDOWN: "MOD_SHUTDOWN",
                 MOD_QUIESCE: "MOD_QUIESCE"}
        try:
            value = system.call_guest(module.evhand, module.handle, what, module.priv,
                                      what=f"{module.name}: {names.get(what, what)}")
        except GuestCrash as crash:
            return crash.errno
        return to_signed(value, 32)

    def quiesce(self, module: Module) -> int:
        """module_quiesce(): EOPNOTSUPP and EINVAL count as agreement."""
        error = self.event(module, MOD_QUIESCE)
        return 0 if error in (self.system.errno.EOPNOTSUPP, self.system.errno.EINVAL) else error

    def unload(self, module: Module) -> int:
        return self.event(module, MOD_UNLOAD)


def _ptr(value: int) -> str:
    """FreeBSD kernel printf's %p: 0x-prefixed hex, but a bare 0 for NULL."""
    return f"{value:#x}" if value else "0"
