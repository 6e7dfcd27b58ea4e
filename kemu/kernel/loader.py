"""The module loader every module system shares.

NetBSD's modload and module(9), FreeBSD's kldload and Linux's insmod differ in policy — which
symbols a module may see, what a refusal says, who holds references — but the steps are the
same everywhere, so they live here once:

    reserve  memory for the module in the kernel's module area
    link     the object at that address against the kernel symbol table (and the exports of
             live modules), recording which module's symbols it binds to
    place    the linked bytes into memory, each segment with its protection; register the
             module with the symbolizer (oops reports, the debugger) and with `module_at`
    call     an entry point as a guarded call: a fault, timeout, panic or Ctrl-C becomes an oops
             on the console and a GuestCrash, never a Python exception
    go_live  publish the module's exports, owned by it
    retire   (a failed load or an unload) undo what it registered newest first, withdraw its
             exports and uses, attribute its leaked memory to it, unmap and free its memory

A personality calls these in its own order (LKM reserves before linking at the slot's address;
Linux links first and places after) and adds its rules around them; it never maps, protects,
registers or rolls back by itself.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from kemu.intbits import align_up
from kemu.machine import Prot

from .errors import KernelError
from .guarded import guarded_call
from .module import LoadedModule, ModuleState
from .reference_sites import reference_sites
from .symbols import KernelSymbol

PAGE_SIZE = 4096


def protection(text: str) -> Prot:
    """The linker's segment protection ("r-x") as machine protection bits."""
    prot = Prot.NONE
    for letter, bit in (("r", Prot.READ), ("w", Prot.WRITE), ("x", Prot.EXEC)):
        if letter in text:
            prot |= bit
    return prot


#: visible(symbol, module name) -> True if the module may bind to it (a personality's policy)
Visibility = Callable[[KernelSymbol, str], bool]


class LinkFailure(KernelError):
    """The object cannot be linked. `lines` are the linker's complaints, each naming the file;
    `unresolved` the undefined symbol names (empty for other failures); `kind` is "arch",
    "unresolved", "relocation" or "size" (the sections need more memory than the module
    area holds: refused before the image is built)."""

    def __init__(self, lines: list[str], unresolved: Iterable[str] = (), kind: str = "relocation"):
        super().__init__("\n".join(lines))
        self.lines = list(lines)
        self.unresolved = list(unresolved)
        self.kind = kind


BFD_NAMES = {"i386": "i386", "x86_64": "i386:x86-64"}
#: How many retired modules `loader.retired` remembers. Each holds its object and linked
#: image (tens of KiB); a console that loads and unloads for hours must not keep them all.
RETIRED_KEPT = 32


class ModuleLoader:
    """Loads, tracks and retires modules on one kernel (`kernel.loader`)."""

    def __init__(self, kernel: Any, *, area: str = "modules", page_size: int = PAGE_SIZE):
        self.kernel = kernel
        self.machine = kernel.machine
        self.area = area
        self.page_size = page_size
        self.modules: list[LoadedModule] = []      # in load order, LOADING ones included
        self.retired: list[LoadedModule] = []      # the last RETIRED_KEPT modules gone (failed
                                                   # loads and unloads), oldest first
        self._serial = 0
        self.timeout: float | None = None          # per entry call; None: the machine's default
        #: told `module_placed(module)` once a module's bytes are in memory (before any of its
        #: code runs) and `module_retiring(module)` just before its memory is freed: coverage
        #: hooks a module's text for exactly its life (kemu.kernel.coverage)
        self.observers: list[Any] = []
        self.machine.symbolizers.append(self.symbolize)
        kernel.heap.owner_of = self.owner_at

    # --- objects -------------------------------------------------------------------------------
    def read_object(self, path: str, display_name: str | None = None):
        """The ELF object at host `path`: OSError if unreadable, kemu.elf.BadObject if malformed
        or not a regular file (a directory, FIFO or /dev/zero is refused before it is read)."""
        from kemu.elf import ObjectFile, read_object_file
        return ObjectFile.parse(read_object_file(path), display_name or path)

    # --- linking -------------------------------------------------------------------------------
    def resolver(self, user: str, *, lenient: bool = False, visible: Visibility | None = None,
                 bound: dict[str, KernelSymbol] | None = None) -> Callable[[str], int | None]:
        """name -> address for linking module `user`: kernel symbols and live modules' exports
        that `visible` allows (all, by default); with `lenient` a logging stub for the rest.
        Each symbol bound is recorded in `bound` (name -> KernelSymbol) so `place` can record
        the uses once the link succeeded."""
        symbols, kernel = self.kernel.symbols, self.kernel

        def resolve(name: str) -> int | None:
            sym = symbols.get(name)
            if sym is not None and (visible is None or visible(sym, user)):
                if bound is not None:
                    bound[name] = sym
                return sym.addr
            return kernel.missing_stub(name) if lenient else None

        return resolve

    def link(self, obj: Any, base: int, resolve: Callable[[str], int | None], *, policy: Any = None):
        """`obj` linked at `base` (under the personality's kemu.link LayoutPolicy, if given);
        LinkFailure with ld-style lines naming the file otherwise."""
        from kemu.link import LinkError, UnresolvedSymbols, link
        arch = self.machine.arch
        if obj.arch != arch:
            raise LinkFailure([f"ld: {BFD_NAMES.get(obj.arch, obj.arch)} architecture of input file "
                               f"`{obj.name}' is incompatible with {BFD_NAMES[arch]} output"], kind="arch")
        self.check_room(obj)
        try:
            return link(obj, base=base, resolve=resolve, page_size=self.page_size, policy=policy)
        except UnresolvedSymbols as exc:
            names = list(exc.references)
            raise LinkFailure([f"{obj.name}: undefined reference to `{n}'" for n in names],
                              names, "unresolved") from None
        except LinkError as exc:
            text = str(exc)
            prefix = f"{obj.name}: "
            raise LinkFailure([text if text.startswith(prefix) else prefix + text]) from None

    def check_room(self, obj: Any) -> None:
        """LinkFailure (kind "size") when the object's allocated sections alone (a `.bss` its
        header says is 1 GiB) need more than the whole module area: the linker would build
        that image in host memory only for the reservation to fail."""
        area = self.machine.layout[self.area]
        room = area.end - area.start
        need = sum(s.size for s in obj.sections if s.alloc)
        if need > room:
            raise LinkFailure([f"{obj.name}: its sections need {need:#x} bytes, more than the "
                               f"{room:#x} bytes of module memory ({self.area})"], kind="size")

    def image_size(self, obj: Any, resolve: Callable[[str], int | None]) -> int:
        """Bytes the module needs: what a link at address 0 takes (modload's prelink)."""
        return self.link(obj, 0, resolve).size

    # --- memory --------------------------------------------------------------------------------
    def reserve(self, size: int) -> tuple[int, int]:
        """(address, size) of fresh module memory, `size` rounded up to whole pages; mapped
        read-write until `place` protects it. KernelError when the area is exhausted."""
        size = align_up(max(size, 1), self.page_size)
        try:
            return self.machine.alloc(self.area, size, self.page_size), size
        except Exception as exc:
            raise KernelError(f"no room for a {size}-byte module: {exc}") from None

    def release(self, base: int) -> None:
        """Give back memory from `reserve` that no module was placed in."""
        self._forget_code(base)
        self.machine.free(self.area, base)

    # --- placing -------------------------------------------------------------------------------
    def place(self, obj: Any, image: Any, *, name: str, path: str, base: int, size: int,
              bound: dict[str, KernelSymbol] | None = None, symbolize: bool = True) -> LoadedModule:
        """Put a linked image into reserved memory at `base` and start tracking it (LOADING).

        Segments get their protections (text r-x, rodata r--, data rw-); the rest of the
        reservation is zeroed. `bound` (from `resolver`) records which module's symbols it uses."""
        if image.base != base or image.size > size:
            raise KernelError(f"{name}: image at {image.base:#x}+{image.size:#x} does not fit its "
                              f"memory at {base:#x}+{size:#x}")
        mem = self.machine.mem
        mem.load_code(base, memoryview(image.bytes))
        self._watch_code(obj, image, base)
        if size > len(image.bytes):
            mem.write(base + len(image.bytes), bytes(size - len(image.bytes)))
        for seg in image.segments:
            mem.protect(seg.addr, seg.size, protection(seg.prot))
        self._serial += 1
        module = LoadedModule(name, path, obj, image, base, size, self._serial,
                              missing_symbols=self.kernel.lenient_imports(image))
        module.os["symbolize"] = symbolize
        if symbolize:                              # file:line in oops reports, read lazily
            from kemu.link.line_locator import source_locator
            module.os["source_locator"] = source_locator(obj, image)
            self.machine.source_locators.append(module.os["source_locator"])
        self.modules.append(module)
        for sym in (bound or {}).values():
            self.kernel.symbols.use(sym, self.key(module))
        self._tell("module_placed", module)
        return module

    def _watch_code(self, obj: Any, image: Any, base: int) -> None:
        """Hook what the machine must see of freshly placed code: its DR7 writes, and its
        references to the symbols the kernel watches (Kernel.reference_watches)."""
        self.machine.code_guard.watch(base, image.bytes)
        watches = self.kernel.reference_watches
        if watches:
            for name, fields in reference_sites(obj, image, watches).items():
                self.machine.instruction_watch.watch(base, fields, watches[name])

    def _forget_code(self, base: int) -> None:
        self.machine.code_guard.forget(base)
        self.machine.instruction_watch.forget(base)

    def load(self, obj: Any, *, name: str, path: str, lenient: bool = False,
             visible: Visibility | None = None, symbolize: bool = True) -> LoadedModule:
        """reserve + link + place in one step, for systems that link once at the final address."""
        bound: dict[str, KernelSymbol] = {}
        resolve = self.resolver(name, lenient=lenient, visible=visible, bound=bound)
        size = self.image_size(obj, resolve)
        base, size = self.reserve(size)
        try:
            bound.clear()
            image = self.link(obj, base, resolve)
            return self.place(obj, image, name=name, path=path, base=base, size=size, bound=bound,
                              symbolize=symbolize)
        except BaseException:
            self.release(base)
            raise

    # --- running -------------------------------------------------------------------------------
    def call(self, module: LoadedModule, addr: int, *args: int, what: str) -> int:
        """Call into `module` at `addr` as a guarded call (see kemu.kernel.guarded)."""
        return guarded_call(self.kernel, addr, *args, what=what, timeout=self.timeout)

    def go_live(self, module: LoadedModule, exports: Iterable[KernelSymbol] = ()) -> None:
        """The module initialised: publish `exports` (built by `export`) and mark it LIVE."""
        table = self.kernel.symbols
        for sym in exports:
            table.define(sym.name, sym.addr, sym.kind, sym.size, owner=self.key(module),
                         license=sym.license, crc=sym.crc, namespace=sym.namespace)
            module.exports.append(sym.name)
        module.state = ModuleState.LIVE

    def export(self, module: LoadedModule, name: str, *, license: str | None = None,
               crc: int | None = None, namespace: str | None = None) -> KernelSymbol:
        """A symbol the module defines, ready for `go_live`; KernelError if it defines no such
        code or data symbol."""
        for s in module.image.symbol_list:
            if s.name == name and s.type in ("func", "object", "notype") and s.bind != "local":
                kind = "object" if s.type == "object" else "func"
                return KernelSymbol(name, s.addr, kind, s.size, self.key(module), license, crc, namespace)
        raise KernelError(f"{module.name}: exports {name!r} but does not define it")

    # --- retiring ------------------------------------------------------------------------------
    def retire(self, module: LoadedModule) -> list:
        """Take the module out of the kernel (a failed load or an unload): undo what it
        registered (newest first), withdraw its exports and uses, unmap its memory. Returns the
        heap blocks it allocated and never freed (they stay allocated, blamed on it: also in
        `module.leaked`). The module stays in `self.retired` until RETIRED_KEPT newer ones
        follow. After an unload of a live module, whatever the loader had to undo for it is
        recorded in `module.left_behind`: a module's exit code should have given it back."""
        unloading = module.state is ModuleState.LIVE
        module.state = ModuleState.GOING
        errors = []
        while module.undo:
            undo = module.undo.pop()
            if unloading:
                module.left_behind.append(undo.what)
            try:
                undo.action()
            except Exception as exc:      # keep going: the rest must still be undone
                errors.append(f"{undo.what}: {exc}")
        self.kernel.symbols.remove_owner(self.key(module))
        locator = module.os.pop("source_locator", None)
        if locator in self.machine.source_locators:
            self.machine.source_locators.remove(locator)
        if module in self.modules:
            self.modules.remove(module)
        self._tell("module_retiring", module)
        self._forget_code(module.base)
        self.machine.free(self.area, module.base)
        for line in errors:
            self.kernel.log(f"kemu: {module.name}: undoing {line}\n")
        module.leaked = self.leaks_of(module)
        self.retired.append(module)
        del self.retired[:-RETIRED_KEPT]
        return list(module.leaked)

    def _tell(self, event: str, module: LoadedModule) -> None:
        """Tell each observer of `event`; one that fails is logged, never stops a load or an
        unload halfway."""
        for observer in list(self.observers):
            try:
                getattr(observer, event)(module)
            except Exception as exc:
                self.kernel.log(f"kemu: {module.name}: {type(observer).__name__}.{event}: {exc}\n")

    def leaks_of(self, module: LoadedModule) -> list:
        """Live heap blocks whose allocating call came from this module's code."""
        return [a for a in self.kernel.heap.leaks() if a.owner is module]

    # --- finding modules -----------------------------------------------------------------------
    @staticmethod
    def key(module: LoadedModule) -> str:
        """The owner name the symbol table knows the module by."""
        return module.name

    def module_at(self, addr: int) -> LoadedModule | None:
        """The module whose memory holds `addr`, from `place` until it is retired."""
        for m in self.modules:
            if m.holds(addr):
                return m
        return None

    def owner_at(self, addr: int | None) -> LoadedModule | None:
        """The module to charge an allocation made from code at `addr` to (heap accounting)."""
        return None if addr is None else self.module_at(addr)

    def find(self, name: str) -> LoadedModule | None:
        for m in self.modules:
            if m.name == name:
                return m
        return None

    def symbolize(self, addr: int) -> tuple[str, int] | None:
        m = self.module_at(addr)
        if m is None or not m.os.get("symbolize", True):
            return None
        return m.image.symbolize(addr)

    def users_of(self, module: LoadedModule) -> list[str]:
        """Names of the modules bound to this module's exports."""
        return self.kernel.symbols.users_of(self.key(module))
