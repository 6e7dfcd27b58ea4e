"""mutex(9) for NetBSD 10 modules: kmutex_t as one machine word holding the owner.

The emulated kernel runs one LWP (lwp0), so a mutex is either free (word 0) or owned by lwp0
(word = curlwp). Misuse panics the way a LOCKDEBUG kernel does: entering a mutex already held
("locking against myself"), exiting one not held, destroying one still held, and using one
that mutex_init never set up. The per-mutex type and IPL are kept beside the word, keyed by
its guest address, because the emulated word has no room for a debug record.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic

from .services import table

MUTEX_TYPES = {0: "MUTEX_SPIN", 1: "MUTEX_ADAPTIVE", 2: "MUTEX_DEFAULT", 3: "MUTEX_DRIVER",
               4: "MUTEX_NODEBUG"}


def _mutexes(k) -> dict:
    """Address -> (type, ipl) of every initialised, not yet destroyed mutex."""
    registry = getattr(k, "netbsd_mutexes", None)
    if registry is None:
        registry = k.netbsd_mutexes = {}
    return registry


def _owner(k, mtx: int) -> int:
    return k.machine.mem.read_int(mtx, k.word_size)


def _checked(k, mtx: int, op: str) -> None:
    if mtx not in _mutexes(k):
        raise KernelPanic(f"{op}: mutex {mtx:#x} used before mutex_init (LOCKDEBUG: uninitialized lock)")


@table.service("void mutex_init(kmutex_t *mtx, kmutex_type_t type, int ipl)")
def mutex_init(k, mtx: int, type: int, ipl: int) -> None:
    """Set up a free mutex; an unknown type panics. Re-initialising an address is allowed: a
    module that panicked mid-INIT leaves no destroy behind, and its memory is reused."""
    if type not in MUTEX_TYPES:
        raise KernelPanic(f"mutex_init: unknown mutex type {type} for {mtx:#x}")
    _mutexes(k)[mtx] = (type, ipl)
    k.machine.mem.write_int(mtx, k.word_size, 0)


@table.service("void mutex_destroy(kmutex_t *mtx)")
def mutex_destroy(k, mtx: int) -> None:
    """Forget the mutex; destroying a held one panics."""
    _checked(k, mtx, "mutex_destroy")
    if _owner(k, mtx):
        raise KernelPanic(f"mutex_destroy: mutex {mtx:#x} is still held (LOCKDEBUG: destroying held lock)")
    del _mutexes(k)[mtx]


def _enter(k, mtx: int, op: str) -> None:
    _checked(k, mtx, op)
    if _owner(k, mtx):
        raise KernelPanic(f"{op}: locking against myself: mutex {mtx:#x} already held by this LWP")
    k.machine.mem.write_int(mtx, k.word_size, k.netbsd.curlwp)


def _exit(k, mtx: int, op: str) -> None:
    _checked(k, mtx, op)
    if _owner(k, mtx) != k.netbsd.curlwp:
        raise KernelPanic(f"{op}: exiting unheld mutex {mtx:#x} (LOCKDEBUG: not owner)")
    k.machine.mem.write_int(mtx, k.word_size, 0)


@table.service("void mutex_enter(kmutex_t *mtx)")
def mutex_enter(k, mtx: int) -> None:
    """Acquire; with one LWP, a held mutex can only be held by us, which is a deadlock."""
    _enter(k, mtx, "mutex_enter")


@table.service("void mutex_exit(kmutex_t *mtx)")
def mutex_exit(k, mtx: int) -> None:
    """Release a mutex this LWP holds."""
    _exit(k, mtx, "mutex_exit")


@table.service("void mutex_spin_enter(kmutex_t *mtx)")
def mutex_spin_enter(k, mtx: int) -> None:
    """The spin-mutex entry point; same ownership rules."""
    _enter(k, mtx, "mutex_spin_enter")


@table.service("void mutex_spin_exit(kmutex_t *mtx)")
def mutex_spin_exit(k, mtx: int) -> None:
    """The spin-mutex exit point; same ownership rules."""
    _exit(k, mtx, "mutex_spin_exit")


@table.service("int mutex_tryenter(kmutex_t *mtx)")
def mutex_tryenter(k, mtx: int) -> int:
    """1 and acquired if free, 0 if held (never panics on a held mutex)."""
    _checked(k, mtx, "mutex_tryenter")
    if _owner(k, mtx):
        return 0
    k.machine.mem.write_int(mtx, k.word_size, k.netbsd.curlwp)
    return 1


@table.service("int mutex_owned(const kmutex_t *mtx)")
def mutex_owned(k, mtx: int) -> int:
    """Nonzero when this LWP holds the mutex."""
    _checked(k, mtx, "mutex_owned")
    return int(_owner(k, mtx) == k.netbsd.curlwp)
