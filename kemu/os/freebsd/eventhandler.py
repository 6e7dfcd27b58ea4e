"""eventhandler(9): named lists of handlers in guest memory, as FreeBSD 14's
kern/subr_eventhandler.c keeps them and sys/sys/eventhandler.h's macros walk them.

A kld registers with EVENTHANDLER_REGISTER (eventhandler_register(NULL, "name", func, arg,
pri)) and may run a list itself with EVENTHANDLER_INVOKE, whose expansion reads the list in
the kld: it asks eventhandler_find_list for the list (returned with el_lock held), counts
itself in el_runcount, drops the lock around each live handler, then calls
eventhandler_prune_list and unlocks. So the lists are real `struct eventhandler_list`s and
the handlers real `struct eventhandler_entry`s followed by the function pointer (the
eventhandler_entry_generic of subr_eventhandler.c), in kernel heap memory, laid out as the
SDK header measures them (guest/freebsd/layout/layouts.json). el_lock is a mutex(9) mutex
the mutex services know, so the kld's mtx_lock/mtx_unlock/mtx_assert on it behave.

As on FreeBSD: a list is created by the first register (or eventhandler_create_list); find
returns NULL for a name never registered; entries are sorted by priority, equal priorities
in registration order; deregistering while the list runs marks the entry dead
(EHE_DEAD_PRIORITY) and the last runner prunes it. The kernel runs lists with `invoke`
(kld_load, kld_unload_try, kld_unload, the shutdown events). A handler left registered by
a kld that was unloaded stays on its list (FreeBSD does not remove it); kemu says so on the
console, records it in the module's left_behind, and running it faults like any stale
pointer: reported, and the kernel carries on with the next handler.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kemu.kernel import GuestCrash, KernelPanic, ServiceTable

from .mutex import MutexState, _locks

table = ServiceTable("freebsd-eventhandler")

EHE_DEAD_PRIORITY = -1
M_EVENTHANDLER = "eventhandler"       # malloc type of lists and entries, as in subr_eventhandler.c


@dataclass(frozen=True)
class Entry:
    """One registered handler as it sits in guest memory."""
    addr: int
    priority: int
    arg: int
    func: int


class EventHandlers:
    """The kernel's eventhandler lists: name → `struct eventhandler_list` address."""

    def __init__(self, system) -> None:
        self.system = system
        self.kernel = system.kernel
        self.mem = system.machine.mem
        self.word = system.machine.word_size
        lay = system.layouts
        self.entry_size = lay.size("eventhandler_entry")
        self.o_prio = lay.offset("eventhandler_entry", "ee_priority")
        self.o_arg = lay.offset("eventhandler_entry", "ee_arg")
        self.o_func = self.entry_size                 # eh_func follows the entry (pointer aligned)
        self.list_size = lay.size("eventhandler_list")
        self.o_name = lay.offset("eventhandler_list", "el_name")
        self.o_runcount = lay.offset("eventhandler_list", "el_runcount")
        self.o_lock = lay.offset("eventhandler_list", "el_lock")
        self.o_entries = lay.offset("eventhandler_list", "el_entries")
        # &el_lock.mtx_lock: lo_name, lo_flags, lo_data, lo_witness come first
        self.o_lockword = self.o_lock + (3 * self.word if self.word == 8 else 16)
        self.lists: dict[str, int] = {}
        self.names: dict[int, str] = {}
        self.permanent: set[int] = set()

    # --- memory helpers -------------------------------------------------------------------------
    def _ptr(self, addr: int) -> int:
        return self.mem.read_ptr(addr)

    def _put_ptr(self, addr: int, value: int) -> None:
        self.mem.write(addr, value.to_bytes(self.word, "little"))

    def _int(self, addr: int) -> int:
        return int.from_bytes(self.mem.read(addr, 4), "little", signed=True)

    def _put_int(self, addr: int, value: int) -> None:
        self.mem.write(addr, (value & 0xFFFFFFFF).to_bytes(4, "little"))

    # --- lists ----------------------------------------------------------------------------------
    def find(self, name: str) -> int:
        """The list's address, 0 if nobody ever registered for `name`."""
        return self.lists.get(name, 0)

    def create(self, name: str) -> int:
        """eventhandler_find_or_create_list(): one allocation holds the list and its name."""
        have = self.lists.get(name)
        if have:
            return have
        raw = name.encode("latin-1")
        # Lists live as long as the kernel (FreeBSD never frees one): kernel data, not heap.
        addr = self.system.kernel_data(self.list_size + len(raw) + 1)
        text = addr + self.list_size
        self.mem.write(text, raw + b"\0")
        self._put_ptr(addr + self.o_name, text)
        head = addr + self.o_entries
        self._put_ptr(head, 0)
        self._put_ptr(head + self.word, head)           # TAILQ_INIT: tqh_last = &tqh_first
        lockword = addr + self.o_lockword
        self._put_ptr(addr + self.o_lock, text)          # lo_name
        _locks(self.kernel)[lockword] = MutexState(name, False, False)
        self._put_ptr(lockword, 4)                       # MTX_UNOWNED
        self.lists[name] = addr
        self.names[addr] = name
        return addr

    def name_of(self, lst: int) -> str:
        name = self.names.get(lst)
        if name is None:
            raise KernelPanic(f"eventhandler: {lst:#x} is not an eventhandler list")
        return name

    def entries(self, lst: int) -> list[Entry]:
        """The list's entries in order, read from guest memory."""
        out, ep, seen = [], self._ptr(lst + self.o_entries), set()
        while ep and ep not in seen:
            seen.add(ep)
            out.append(Entry(ep, self._int(ep + self.o_prio), self._ptr(ep + self.o_arg),
                             self._ptr(ep + self.o_func)))
            ep = self._ptr(ep)
        return out

    def runcount(self, lst: int) -> int:
        return self._int(lst + self.o_runcount) & 0xFFFFFFFF

    # --- the list lock --------------------------------------------------------------------------
    def _mutex(self, lst: int) -> MutexState:
        return _locks(self.kernel)[lst + self.o_lockword]

    def lock(self, lst: int) -> None:
        m = self._mutex(lst)
        if m.depth:
            raise KernelPanic(f"_mtx_lock_sleep: recursed on non-recursive mutex {m.name} "
                              f"@ kern/subr_eventhandler.c")
        m.depth = 1
        self._put_ptr(lst + self.o_lockword, 0x1000)

    def unlock(self, lst: int) -> None:
        m = self._mutex(lst)
        m.depth = 0
        self._put_ptr(lst + self.o_lockword, 4)

    def assert_owned(self, lst: int, where: str) -> None:
        """EHL_LOCK_ASSERT(list, MA_OWNED) under INVARIANTS."""
        m = self._mutex(lst)
        if not m.depth:
            raise KernelPanic(f"mutex {m.name} not owned at kern/subr_eventhandler.c ({where})")

    # --- TAILQ operations on the entries --------------------------------------------------------
    def _remove(self, lst: int, ep: int) -> None:
        head = lst + self.o_entries
        nxt, prev = self._ptr(ep), self._ptr(ep + self.word)
        if nxt:
            self._put_ptr(nxt + self.word, prev)
        else:
            self._put_ptr(head + self.word, prev)
        self._put_ptr(prev, nxt)

    def _insert_before(self, at: int, ep: int) -> None:
        prev = self._ptr(at + self.word)
        self._put_ptr(ep, at)
        self._put_ptr(ep + self.word, prev)
        self._put_ptr(prev, ep)
        self._put_ptr(at + self.word, ep)

    def _insert_tail(self, lst: int, ep: int) -> None:
        head = lst + self.o_entries
        last = self._ptr(head + self.word)
        self._put_ptr(ep, 0)
        self._put_ptr(ep + self.word, last)
        self._put_ptr(last, ep)
        self._put_ptr(head + self.word, ep)

    def _free(self, ep: int) -> None:
        if ep in self.permanent:
            self.permanent.discard(ep)
        else:
            self.kernel.heap.free(ep)

    # --- the kernel functions -------------------------------------------------------------------
    def register(self, lst: int, name: str, func: int, arg: int, priority: int, *,
                 permanent: bool = False) -> int:
        """eventhandler_register(): a new entry sorted in before the first of higher priority.
        `permanent`: the kernel's own handlers, registered at boot, in kernel data."""
        if not lst:
            lst = self.create(name)
        else:
            self.name_of(lst)
        if priority == EHE_DEAD_PRIORITY:
            raise KernelPanic(f"eventhandler_register_internal: handler for {name} registered "
                              f"with dead priority")
        if permanent:
            ep = self.system.kernel_data(self.o_func + self.word)
            self.permanent.add(ep)
        else:
            ep = self.kernel.heap.alloc(self.o_func + self.word, M_EVENTHANDLER, zero=True)
        self._put_ptr(ep + self.o_func, func)
        self._put_ptr(ep + self.o_arg, arg)
        self._put_int(ep + self.o_prio, priority)
        for e in self.entries(lst):
            if e.priority != EHE_DEAD_PRIORITY and priority < e.priority:
                self._insert_before(e.addr, ep)
                break
        else:
            self._insert_tail(lst, ep)
        return ep

    def deregister(self, lst: int, tag: int, wait: bool) -> None:
        """_eventhandler_deregister(): the list comes locked (from find) and leaves unlocked."""
        name = self.name_of(lst)
        self.assert_owned(lst, "_eventhandler_deregister")
        running = self.runcount(lst) > 0
        entries = self.entries(lst)
        if tag:
            if tag not in {e.addr for e in entries}:
                self.unlock(lst)
                raise KernelPanic(f"eventhandler_deregister: tag {tag:#x} is not on the "
                                  f"\"{name}\" list")
            victims = [tag]
        else:
            victims = [e.addr for e in entries]
        for ep in victims:
            if running:
                self._put_int(ep + self.o_prio, EHE_DEAD_PRIORITY)
            else:
                self._remove(lst, ep)
                self._free(ep)
        self.unlock(lst)
        if wait and running:
            raise KernelPanic(f"eventhandler_deregister: would sleep on \"evhrm\" forever: the "
                              f"\"{name}\" list is being run by this thread (a handler must use "
                              f"EVENTHANDLER_DEREGISTER_NOWAIT)")

    def prune(self, lst: int) -> None:
        """eventhandler_prune_list(): free the entries marked dead."""
        self.name_of(lst)
        self.assert_owned(lst, "eventhandler_prune_list")
        for e in self.entries(lst):
            if e.priority == EHE_DEAD_PRIORITY:
                self._remove(lst, e.addr)
                self._free(e.addr)

    # --- the kernel running a list --------------------------------------------------------------
    def invoke(self, name: str, *args: int, on_crash: Callable[[Entry], None] | None = None) -> None:
        """EVENTHANDLER_INVOKE(name, args...) from the kernel: each live handler gets
        (ee_arg, *args). A handler that faults or panics is reported (guarded_call) and the
        rest still run; the machine stays usable."""
        lst = self.lists.get(name)
        if not lst:
            return
        self.lock(lst)
        self._put_int(lst + self.o_runcount, self.runcount(lst) + 1)
        ep = self._ptr(lst + self.o_entries)
        while ep:
            priority = self._int(ep + self.o_prio)
            if priority != EHE_DEAD_PRIORITY:
                func, arg = self._ptr(ep + self.o_func), self._ptr(ep + self.o_arg)
                self.unlock(lst)
                try:
                    self.system.call_guest(func, arg, *args, what=f"{name} handler {self._symbol(func)}")
                except GuestCrash:
                    if on_crash is not None:
                        on_crash(Entry(ep, priority, arg, func))
                self.unlock(lst)                  # whatever the handler left, the list is ours
                self.lock(lst)
            ep = self._ptr(ep)
        count = self.runcount(lst) - 1
        self._put_int(lst + self.o_runcount, count)
        if count == 0:
            self.prune(lst)
        self.unlock(lst)

    def _symbol(self, addr: int) -> str:
        try:
            return self.system.machine.symbolize(addr)
        except Exception:                                   # noqa: BLE001 - a name is a nicety
            return f"{addr:#x}"

    # --- handlers a kld left behind -------------------------------------------------------------
    def owned_by(self, loaded) -> list[tuple[str, Entry]]:
        """(list name, entry) for every live handler whose function lies in `loaded`'s memory."""
        lo, hi = loaded.base, loaded.base + loaded.size
        return [(name, e) for name, lst in self.lists.items() for e in self.entries(lst)
                if e.priority != EHE_DEAD_PRIORITY and lo <= e.func < hi]


def handlers(k) -> EventHandlers:
    return k.freebsd.eventhandlers


def _name(k, addr: int) -> str:
    if not addr:
        raise KernelPanic("eventhandler_register: NULL list name")
    return k.machine.mem.read_cstr(addr, 256).decode("latin-1")


@table.service("void *eventhandler_register(void *list, const char *name, "
               "void *func, void *arg, int priority)")
def eventhandler_register(k, lst: int, name: int, func: int, arg: int, priority: int) -> int:
    """Add a handler to the named list (created on first use); the tag is the entry."""
    return handlers(k).register(lst, "" if lst else _name(k, name), func, arg, priority)


@table.service("void eventhandler_deregister(void *list, void *tag)")
def eventhandler_deregister(k, lst: int, tag: int) -> None:
    """Remove one handler (or all, tag NULL) from a list found locked; unlocks it."""
    handlers(k).deregister(lst, tag, wait=True)


@table.service("void eventhandler_deregister_nowait(void *list, void *tag)")
def eventhandler_deregister_nowait(k, lst: int, tag: int) -> None:
    """As eventhandler_deregister, without waiting for runners of the list."""
    handlers(k).deregister(lst, tag, wait=False)


@table.service("void *eventhandler_find_list(const char *name)")
def eventhandler_find_list(k, name: int) -> int:
    """The named list, locked; NULL if none."""
    eh = handlers(k)
    lst = eh.find(_name(k, name))
    if lst:
        eh.lock(lst)
    return lst


@table.service("void eventhandler_prune_list(void *list)")
def eventhandler_prune_list(k, lst: int) -> None:
    """Free the dead entries of a locked list."""
    handlers(k).prune(lst)


@table.service("void *eventhandler_create_list(const char *name)")
def eventhandler_create_list(k, name: int) -> int:
    """The named list, created if needed (EVENTHANDLER_LIST_DEFINE's SYSINIT); not locked."""
    return handlers(k).create(_name(k, name))
