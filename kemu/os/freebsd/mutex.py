"""mutex(9) as a kld sees it: the functions FreeBSD 14's sys/sys/mutex.h makes a KLD_MODULE call.

Built with KLD_MODULE, mtx_init/mtx_lock/mtx_unlock/mtx_trylock/mtx_destroy are not inlined:
they become _mtx_init, __mtx_lock_flags, __mtx_unlock_flags, _mtx_trylock_flags_,
_mtx_destroy (and the _spin_ variants for MTX_SPIN), each given &m->mtx_lock, the lock word
that follows `struct lock_object` inside `struct mtx`. kemu runs one thread, so a lock is
either free or held by it; the lock word holds MTX_UNOWNED or a stand-in thread pointer so
inline mtx_owned() reads a sensible value. Misuse panics with the INVARIANTS messages of
kern/kern_mutex.c (recursion on a non-recursive mutex, unlocking a mutex not owned,
destroying a held one); __mtx_assert checks MA_OWNED/MA_NOTOWNED as INVARIANTS does.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("freebsd-mutex")

MTX_SPIN, MTX_RECURSE = 0x00000001, 0x00000004
MTX_UNOWNED = 0x00000004
CURTHREAD = 0x00001000          # the single emulated thread's stand-in `struct thread *`
MA_OWNED, MA_NOTOWNED, MA_RECURSED, MA_NOTRECURSED = 0x01, 0x00, 0x04, 0x08


class MutexState:
    """One initialised mutex: its name, whether it may recurse, and how deep it is held."""

    def __init__(self, name: str, recurse: bool, spin: bool) -> None:
        self.name, self.recurse, self.spin, self.depth = name, recurse, spin, 0


def _locks(k) -> dict[int, MutexState]:
    fb = k.freebsd
    if not hasattr(fb, "mutexes"):
        fb.mutexes = {}
    return fb.mutexes


def _name_offset(k) -> int:
    """&m->mtx_lock minus &m->lock_object.lo_name: lo_name, lo_flags, lo_data, lo_witness."""
    return 3 * k.word_size if k.word_size == 8 else 4 * 4


def _state(k, c: int, what: str) -> MutexState:
    m = _locks(k).get(c)
    if m is None:
        raise KernelPanic(f"{what}: mutex at {c:#x} was never initialised with mtx_init")
    return m


def _set_word(k, c: int, owned: bool) -> None:
    value = CURTHREAD if owned else MTX_UNOWNED
    k.machine.mem.write(c, value.to_bytes(k.word_size, "little"))


def _where(k, file: int, line: int) -> str:
    name = k.machine.mem.read_cstr(file, 256).decode("latin-1") if file else "?"
    return f"{name}:{line}"


@table.service("void _mtx_init(volatile uintptr_t *c, const char *name, const char *type, int opts)")
def _mtx_init(k, c: int, name: int, type_: int, opts: int) -> None:
    """Record the mutex, store lo_name as the kernel does, and mark the lock word unowned."""
    text = k.machine.mem.read_cstr(name, 256).decode("latin-1") if name else "(null)"
    k.machine.mem.write(c - _name_offset(k), name.to_bytes(k.word_size, "little"))
    _locks(k)[c] = MutexState(text, bool(opts & MTX_RECURSE), bool(opts & MTX_SPIN))
    _set_word(k, c, False)


def _lock(k, c: int, file: int, line: int, what: str) -> None:
    m = _state(k, c, what)
    if m.depth and not m.recurse:
        where = "mtx_lock_spin" if m.spin else "_mtx_lock_sleep"
        raise KernelPanic(f"{where}: recursed on non-recursive mutex {m.name} "
                          f"@ {_where(k, file, line)}")
    m.depth += 1
    _set_word(k, c, True)


def _unlock(k, c: int, file: int, line: int, what: str) -> None:
    m = _state(k, c, what)
    if not m.depth:
        raise KernelPanic(f"mutex {m.name} not owned at {_where(k, file, line)}")
    m.depth -= 1
    _set_word(k, c, m.depth > 0)


@table.service("void __mtx_lock_flags(volatile uintptr_t *c, int opts, const char *file, int line)")
def __mtx_lock_flags(k, c: int, opts: int, file: int, line: int) -> None:
    """mtx_lock(): take the mutex; held already and not MTX_RECURSE panics."""
    _lock(k, c, file, line, "__mtx_lock_flags")


@table.service("void __mtx_unlock_flags(volatile uintptr_t *c, int opts, const char *file, int line)")
def __mtx_unlock_flags(k, c: int, opts: int, file: int, line: int) -> None:
    """mtx_unlock(): release; a mutex this thread does not hold panics."""
    _unlock(k, c, file, line, "__mtx_unlock_flags")


@table.service("void __mtx_lock_spin_flags(volatile uintptr_t *c, int opts, const char *file, int line)")
def __mtx_lock_spin_flags(k, c: int, opts: int, file: int, line: int) -> None:
    """mtx_lock_spin()."""
    _lock(k, c, file, line, "__mtx_lock_spin_flags")


@table.service("void __mtx_unlock_spin_flags(volatile uintptr_t *c, int opts, const char *file, int line)")
def __mtx_unlock_spin_flags(k, c: int, opts: int, file: int, line: int) -> None:
    """mtx_unlock_spin()."""
    _unlock(k, c, file, line, "__mtx_unlock_spin_flags")


@table.service("int _mtx_trylock_flags_(volatile uintptr_t *c, int opts, const char *file, int line)")
def _mtx_trylock_flags_(k, c: int, opts: int, file: int, line: int) -> int:
    """mtx_trylock(): 1 if taken; 0 if held (unless recursion is allowed)."""
    m = _state(k, c, "_mtx_trylock_flags_")
    if m.depth and not m.recurse:
        return 0
    _lock(k, c, file, line, "_mtx_trylock_flags_")
    return 1


@table.service("int __mtx_trylock_spin_flags(volatile uintptr_t *c, int opts, const char *file, "
               "int line)")
def __mtx_trylock_spin_flags(k, c: int, opts: int, file: int, line: int) -> int:
    """mtx_trylock_spin(): as mtx_trylock for a spin mutex."""
    return _mtx_trylock_flags_.service.func(k, c, opts, file, line)


@table.service("void _mtx_destroy(volatile uintptr_t *c)")
def _mtx_destroy(k, c: int) -> None:
    """mtx_destroy(): the mutex is forgotten; destroying one still held panics."""
    m = _state(k, c, "_mtx_destroy")
    if m.depth:
        raise KernelPanic(f"mtx_destroy: mutex {m.name} destroyed while held")
    del _locks(k)[c]
    _set_word(k, c, False)


@table.service("void __mtx_assert(const volatile uintptr_t *c, int what, const char *file, int line)")
def __mtx_assert(k, c: int, what: int, file: int, line: int) -> None:
    """mtx_assert() under INVARIANTS: MA_OWNED / MA_NOTOWNED, with MA_RECURSED / MA_NOTRECURSED."""
    m = _state(k, c, "__mtx_assert")
    where = _where(k, file, line)
    if what & MA_OWNED:
        if not m.depth:
            raise KernelPanic(f"mutex {m.name} not owned at {where}")
        if what & MA_RECURSED and m.depth < 2:
            raise KernelPanic(f"mutex {m.name} not recursed at {where}")
        if what & MA_NOTRECURSED and m.depth > 1:
            raise KernelPanic(f"mutex {m.name} recursed at {where}")
    elif m.depth:
        raise KernelPanic(f"mutex {m.name} owned at {where}")
