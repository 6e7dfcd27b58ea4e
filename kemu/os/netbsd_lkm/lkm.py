"""The LKM subsystem of NetBSD 1.6 (sys/kern/kern_lkm.c), one method per /dev/lkm ioctl.

The kernel keeps `MAXLKMS` (20) slots, `struct lkm_table lkmods[]`, in kernel memory. A load is
LMRESERV (a free slot and page-aligned module memory), LMLOADBUF (the linked bytes), then LMREADY,
which calls the module's entry point as `entry(&lkmods[id], LKM_E_LOAD, LKM_VERSION)`. The
module's DISPATCH macro stores the address of its `_module` (`struct lkm_any`/`lkm_dev`) in the
table's `private` field, runs the module's own handler and then `lkmdispatch`, which does the
per-type work: for a device module, copy its `struct cdevsw` into the kernel's `cdevsw[]` at the
major it asked for or the first free LKM slot (29 on i386), saving the old contents in
`lkm_olddev` so unloading can put them back.

Failures behave as in kern_lkm.c: a full table is ENOMEM, an entry point that returns an error on
LOAD frees the slot and its memory and that error reaches modload; any non-zero return on UNLOAD
is EBUSY. kemu adds what a real kernel could not: a module that faults, spins or overflows its
stack during LOAD or UNLOAD gets an oops report on the console and in dmesg instead of a panic,
nothing of it stays half-loaded, and the machine carries on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from kemu.intbits import to_signed
from kemu.kernel import KernelError, LinkFailure, LoadedModule, SyscallError
from kemu.record import Record

from .constants import (LKM_E_LOAD, LKM_E_UNLOAD, LKM_STAT_UNIT, LKM_VERSION, LM_DEV, LM_DT_BLOCK,
                        LM_DT_CHAR, LM_MISC, MAXLKMNAME, MAXLKMS, TYPE_NAMES)
from .layouts import LKM_ANY, LKM_DEV, LKM_TABLE

if TYPE_CHECKING:
    from .system import NetBSDLKM

RESERVED, LOADING, LOADED = "reserved", "loading", "loaded"


def _signed32(value: int) -> int:
    """An int return value (eax) as C sees it."""
    return to_signed(value, 32)


class ModuleStat(Record, fields=("id", "name", "offset", "type", "area", "size", "private", "ver"),
                 frozen=True):
    """What LMSTAT reports about one slot (struct lmc_stat)."""

    def __init__(self, id: int, name: str, offset: int, type: int, area: int, size: int,
                 private: int, ver: int) -> None:
        vars(self).update(
            id=id,
            name=name,
            offset=offset,    # u_long lkm_offset: the major of a device module
            type=type,
            area=area,
            size=size,        # in KiB (kern_lkm.c's own 1024-byte "PAGESIZE")
            private=private,  # address of the module's lkm_any
            ver=ver,
        )

    def offset_signed(self, word_size: int) -> int:
        """The offset as the C long modstat and modload print: an unassigned slot's -1 shows as -1."""
        return to_signed(self.offset, 8 * word_size)

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.type] if 0 <= self.type < len(TYPE_NAMES) else "(UNKNOWN)"


class Slot(Record, fields=("id", "table", "area", "size", "name", "state", "entry", "module")):
    """One lkmods[] entry as kemu tracks it next to the guest's struct lkm_table; the module
    placed in it is the shared loader's `LoadedModule` (kemu.kernel.module)."""

    def __init__(self, id: int, table: int, area: int, size: int, name: str, state: str = RESERVED,
                 entry: int = 0, module: LoadedModule | None = None) -> None:
        self.id = id
        self.table = table      # guest address of this slot's struct lkm_table
        self.area = area
        self.size = size
        self.name = name        # the reservation name (object file name without .o)
        self.state = state
        self.entry = entry
        self.module = module

    @property
    def image(self):
        """The module's kemu.link LinkedImage (None while only reserved)."""
        return self.module.image if self.module is not None else None

    @property
    def object_name(self) -> str:
        return self.module.path if self.module is not None else ""

    @property
    def missing_symbols(self) -> list[str]:
        return list(self.module.missing_symbols) if self.module is not None else []


class LKM:
    """`lkmods[]` and the /dev/lkm ioctls, over a NetBSDLKM system's machine and kernel."""

    LinkFailure = LinkFailure

    def __init__(self, system: "NetBSDLKM"):
        self.system = system
        self.k = system.kernel
        self.loader = system.kernel.loader
        self.machine = system.machine
        self.mem = system.machine.mem
        self.arch = system.machine.arch
        self.word = system.machine.word_size
        self.table_layout = LKM_TABLE.layout(self.arch)
        self.any_layout = LKM_ANY.layout(self.arch)
        self.dev_layout = LKM_DEV.layout(self.arch)
        self.tables = system.kernel_data(self.table_layout.size * MAXLKMS, "lkmods")
        self.slots: list[Slot | None] = [None] * MAXLKMS

    # --- helpers ---------------------------------------------------------------------------
    def table_addr(self, ident: int) -> int:
        return self.tables + ident * self.table_layout.size

    def _set(self, slot: Slot, field_name: str, value: int) -> None:
        self.table_layout.write(self.mem, slot.table, field_name, value)

    def _get(self, slot: Slot, field_name: str) -> int:
        return self.table_layout.read(self.mem, slot.table, field_name)

    def private(self, slot: Slot) -> int:
        """The module's `_module` address, as its DISPATCH stored it in the table."""
        return self._get(slot, "private")

    def module_name(self, slot: Slot) -> str:
        """lkm_any->lkm_name read from the module's memory ("" if unreadable)."""
        private = self.private(slot)
        if not private:
            return ""
        try:
            name_ptr = self.any_layout.read(self.mem, private, "lkm_name")
            return self.mem.read_cstr(name_ptr, MAXLKMNAME).decode("latin-1")
        except Exception:
            return ""

    def used_slots(self) -> list[Slot]:
        return [s for s in self.slots if s is not None and s.state == LOADED]

    def slot_of_module(self, module: LoadedModule | None) -> Slot | None:
        """The slot a loaded module sits in."""
        ident = module.os.get("lkm_slot") if module is not None else None
        return self.slots[ident] if ident is not None else None

    def module_at(self, addr: int) -> LoadedModule | None:
        """The linked module whose memory holds `addr` (from the moment its image is loaded,
        before its entry point runs, until it is unloaded); None elsewhere."""
        return self.loader.module_at(addr)

    def slot_of_table(self, lkmtp: int) -> Slot | None:
        if lkmtp < self.tables or (lkmtp - self.tables) % self.table_layout.size:
            return None
        ident = (lkmtp - self.tables) // self.table_layout.size
        return self.slots[ident] if 0 <= ident < MAXLKMS else None

    # --- modload's side: objects and linking -------------------------------------------------
    @staticmethod
    def has_entry(obj, name: str) -> bool:
        """nlist(): is `name` defined in the object (NetBSD's ELF nlist drops the a.out '_')?"""
        sym = obj.symbol_by_name(name)
        return sym is not None and not sym.undefined

    def link(self, obj, base: int, lenient: bool = False, bound: dict | None = None):
        """The module linked at `base` against the kernel's symbols (what `ld -R /netbsd` does)."""
        return self.system.link(obj, base, lenient, bound)

    def write_executable(self, image, obj, path: str) -> None:
        from kemu.link import write_executable
        write_executable(image, obj, path)

    # --- LMRESERV / LMLOADBUF / LMUNRESRV ----------------------------------------------------
    def reserve(self, size: int, name: str) -> Slot:
        """A free slot and `size` bytes (rounded to pages) of module memory; ENOMEM if none."""
        errno = self.system.errno
        try:
            ident = self.slots.index(None)
        except ValueError:
            raise errno.error("ENOMEM", "LMRESERV: all 20 LKM slots are in use") from None
        try:
            area, size = self.loader.reserve(size)
        except KernelError as exc:
            raise errno.error("ENOMEM", f"LMRESERV: {exc}") from None
        slot = Slot(ident, self.table_addr(ident), area, size, name.rsplit("/", 1)[-1])
        self.slots[ident] = slot
        self.mem.write(slot.table, bytes(self.table_layout.size))
        self._set(slot, "size", size)
        self._set(slot, "area", area)
        self._set(slot, "id", ident)
        self._set(slot, "ver", LKM_VERSION)
        return slot

    def load(self, slot: Slot, image, obj, symbols: bool = True, bound: dict | None = None) -> None:
        """LMLOADBUF: the linked bytes into the reservation, each segment with its protection
        (the shared loader's `place`); `bound` records whose symbols the module uses."""
        if slot.state != RESERVED:
            raise self.system.errno.error("ENXIO", f"LMLOADBUF: slot {slot.id} is not reserved")
        module = self.loader.place(obj, image, name=slot.name, path=obj.name, base=slot.area,
                                   size=slot.size, bound=bound, symbolize=symbols)
        module.os["lkm_slot"] = slot.id
        slot.module = module
        slot.state = LOADING
        self._set(slot, "offset", image.size)

    def unreserve(self, slot: Slot) -> list:
        """LMUNRESRV (and every failure path and unload): the loader retires the module —
        undoing what it installed, unmapping its memory — and the slot is forgotten. Returns
        the heap blocks the module left allocated."""
        leaks = []
        if slot.module is not None:
            leaks = self.loader.retire(slot.module)
        else:
            self.loader.release(slot.area)
        self.mem.write(slot.table, bytes(self.table_layout.size))
        self.slots[slot.id] = None
        return leaks

    # --- LMREADY ---------------------------------------------------------------------------
    def ready(self, slot: Slot, entry: int) -> None:
        """Call entry(lkmtp, LKM_E_LOAD, ver); on any failure the slot and memory are freed."""
        errno = self.system.errno
        if slot.state != LOADING:
            raise errno.error("ENXIO", f"LMREADY: slot {slot.id} is not loading")
        slot.entry = entry
        self._set(slot, "entry", entry)
        try:
            error = _signed32(self.loader.call(slot.module, entry, slot.table, LKM_E_LOAD, LKM_VERSION,
                                               what=f"{slot.name}: LKM_E_LOAD"))
        except SyscallError as crash:      # GuestCrash: already reported on the console
            error = crash.errno
        if error:
            leaks = self.unreserve(slot)
            self.system.report_leaks(slot.module, leaks, "its failed load")
            raise errno.error(error, f"LMREADY: {slot.name}")
        slot.state = LOADED
        self.loader.go_live(slot.module)
        self._set(slot, "used", 1)

    # --- LMUNLOAD --------------------------------------------------------------------------
    def find(self, ident: int, name: str | None, not_found: str) -> Slot:
        """The slot for an id, or for a name when id is -1, with kern_lkm.c's errors."""
        errno = self.system.errno
        if ident == -1:
            if name is None:
                raise errno.error(not_found, "no id and no name")
            for s in self.used_slots():
                if self.module_name(s) == name[:MAXLKMNAME - 1]:
                    ident = s.id
                    break
            else:
                raise errno.error(not_found, f"no module named {name}")
        if not 0 <= ident < MAXLKMS:
            raise errno.error("EINVAL", f"id {ident} out of range")
        slot = self.slots[ident]
        if slot is None or slot.state != LOADED:
            raise errno.error("ENOENT", f"slot {ident} is empty")
        return slot

    def unload(self, ident: int = -1, name: str | None = None) -> None:
        """LMUNLOAD: EINVAL out of range or unknown name, ENOENT empty, EBUSY if the module refuses."""
        errno = self.system.errno
        slot = self.find(ident, name, "EINVAL")
        name = self.module_name(slot)
        # A crash here (GuestCrash, a SyscallError) propagates: the module stays loaded.
        error = _signed32(self.loader.call(slot.module, slot.entry, slot.table, LKM_E_UNLOAD,
                                           self._get(slot, "ver"), what=f"{name}: LKM_E_UNLOAD"))
        if error:
            raise errno.error("EBUSY", f"LMUNLOAD: {name} refused to unload ({errno.name(error)})")
        module = slot.module
        leaks = self.unreserve(slot)
        self.system.report_leaks(module, leaks, "unload")

    # --- LMSTAT ----------------------------------------------------------------------------
    def stat(self, ident: int = -1, name: str | None = None) -> ModuleStat:
        slot = self.find(ident, name, "ENOENT")
        private = self.private(slot)
        kind = self.any_layout.read(self.mem, private, "lkm_type") if private else -1
        offset = self.any_layout.read(self.mem, private, "lkm_offset") if private else 0
        return ModuleStat(slot.id, self.module_name(slot)[:MAXLKMNAME - 2], offset, kind, slot.area,
                          slot.size // LKM_STAT_UNIT, private, self._get(slot, "ver"))

    # --- the kernel side the module calls: lkmexists, lkmdispatch ----------------------------
    def exists(self, lkmtp: int) -> bool:
        """lkmexists(): another loaded module has the same lkm_name."""
        me = self.slot_of_table(lkmtp)
        if me is None:
            return False
        mine = self.module_name(me)
        return any(self.module_name(s) == mine for s in self.used_slots() if s is not me)

    def dispatch(self, lkmtp: int, cmd: int) -> int:
        """lkmdispatch(): the per-type LOAD/UNLOAD work; 0 or an errno."""
        errno = self.system.errno
        slot = self.slot_of_table(lkmtp)
        if slot is None:
            self.system.kprintf(f"lkmdispatch: {lkmtp:#x} is not an lkm_table of this kernel\n")
            return errno.EINVAL
        private = self.private(slot)
        if not private:
            return errno.EINVAL
        kind = self.any_layout.read(self.mem, private, "lkm_type")
        if kind == LM_MISC:
            return errno.EEXIST if cmd == LKM_E_LOAD and self.exists(lkmtp) else 0
        if kind == LM_DEV:
            return self._dispatch_dev(slot, private, cmd)
        if 0 <= kind < len(TYPE_NAMES):
            self.system.kprintf(f"kemu: LKM type {TYPE_NAMES[kind]} is not emulated "
                                f"(only DEV and MISC modules are)\n")
        return errno.ENXIO

    def _dispatch_dev(self, slot: Slot, args: int, cmd: int) -> int:
        """kern_lkm.c _lkm_dev(): install or restore a cdevsw/bdevsw slot."""
        errno = self.system.errno
        dl = self.dev_layout
        devtype = dl.read(self.mem, args, "lkm_devtype")
        if devtype == LM_DT_CHAR:
            switch, saved_field = self.system.cdevsw, "lkm_olddev.cdev"
        elif devtype == LM_DT_BLOCK:
            switch, saved_field = self.system.bdevsw, "lkm_olddev.bdev"
        else:
            return errno.ENODEV
        mask = (1 << (8 * self.word)) - 1
        if cmd == LKM_E_LOAD:
            if self.exists(slot.table):
                return errno.EEXIST
            major = dl.read(self.mem, args, "lkm_offset")
            if major == mask:                          # -1: pick the first free LKM slot
                major = switch.first_free()
                if major is None:
                    return errno.ENFILE
            elif not 0 <= major < switch.count:
                return errno.EINVAL
            new = dl.read(self.mem, args, "lkm_dev")
            old = switch.read_slot(major)
            self.mem.write(args + dl.offset(saved_field), old)
            switch.write_slot(major, self.mem.read(new, switch.layout.size))
            dl.write(self.mem, args, "lkm_offset", major)
            self._hold_switch_slot(slot, switch, major, old)
            return 0
        if cmd == LKM_E_UNLOAD:
            major = dl.read(self.mem, args, "lkm_offset")
            if 0 <= major < switch.count:
                switch.write_slot(major, self.mem.read(args + dl.offset(saved_field), switch.layout.size))
                slot.module.forget_undo(_switch_slot_name(switch, major))
            return 0
        return 0

    def _hold_switch_slot(self, slot: Slot, switch, major: int, old: bytes) -> None:
        """The module took a device switch slot: when it goes, the slot must not point into
        freed code. Its own LKM_E_UNLOAD normally gives it back; if it does not (or its load
        failed after lkmdispatch), the loader puts the old entry back."""
        what = _switch_slot_name(switch, major)

        def restore() -> None:
            switch.write_slot(major, old)
            if slot.state == LOADED:       # an unload the module did not clean up after
                self.system.kprintf(f"kemu: {slot.name} left {what} installed at unload; "
                                    f"restored the previous entry\n")

        slot.module.on_unload(what, restore)


def _switch_slot_name(switch, major: int) -> str:
    return f"{switch.config.symbol}[{major}]"
