"""sx(9) as a kld sees it: the functions FreeBSD 14's sys/sys/sx.h makes a KLD_MODULE call.

A kld's sx_xlock/sx_slock/sx_xunlock/sx_sunlock/sx_try_*/sx_downgrade/sx_assert become
calls of _sx_xlock, _sx_slock, _sx_xunlock, _sx_sunlock, sx_try_xlock_, sx_try_slock_,
sx_try_upgrade_, sx_downgrade_ and _sx_assert with the lock and the caller's file and line;
sx_init is sx_init_flags, SX_SYSINIT runs sx_sysinit. The lock word (`sx_lock`, after the
lock object) is kept in the real encoding so the header's inline sx_xlocked/sx_xholder read
sensible values: SX_LOCK_UNLOCKED (0x1), the owning thread (thread0: kemu runs one thread)
when exclusively held, (sharers << 5) | SX_LOCK_SHARED when shared, SX_LOCK_DESTROYED (0x6)
after sx_destroy; the recursion depth is in lo_data (sx_recurse) as kern_sx.c keeps it.

Misuse panics with the INVARIANTS texts of kern/kern_sx.c: operations on a destroyed lock
("sx_xlock() of destroyed sx @ FILE:LINE"), recursing on a lock without SX_RECURSE
("_sx_xlock_hard: recursed on non-recursive sx NAME @ FILE:LINE"), releasing a lock not held
and failed assertions (_sx_assert: "Lock NAME not exclusively locked @ FILE:LINE", "Lock
NAME not share locked @ …", "Lock NAME not locked @ …", "Lock NAME exclusively locked @ …",
"Lock NAME (not) recursed @ …"), destroying a held lock ("sx lock still held"). With one
thread, taking a lock the thread already holds the other way would sleep forever on
FreeBSD; kemu panics saying so instead of hanging.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("freebsd-sx")

SX_LOCK_SHARED = 0x01
SX_SHARERS_SHIFT = 5
SX_LOCK_UNLOCKED = SX_LOCK_SHARED
SX_LOCK_DESTROYED = 0x06
SX_RECURSE = 0x20
SX_NEW = 0x40                        # "memory is fresh": skip the already-initialised check
SX_VALID_OPTS = 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20 | 0x40
SA_LOCKED, SA_SLOCKED, SA_XLOCKED, SA_UNLOCKED = 0x01, 0x02, 0x04, 0x00
SA_RECURSED, SA_NOTRECURSED = 0x08, 0x10
LO_INITIALIZED = 0x00010000          # lo_flags bit lock_init sets (sys/lock.h)


class SxState:
    """One initialised sx: name, whether it may recurse, exclusive depth, sharers."""

    def __init__(self, name: str, recurse: bool) -> None:
        self.name, self.recurse = name, recurse
        self.xdepth = 0
        self.sharers = 0
        self.destroyed = False


def _locks(k) -> dict[int, SxState]:
    fb = k.freebsd
    if not hasattr(fb, "sx_locks"):
        fb.sx_locks = {}
    return fb.sx_locks


def _word_offset(k) -> int:
    """offsetof(struct sx, sx_lock): lo_name, lo_flags, lo_data, lo_witness come first."""
    return 3 * k.word_size if k.word_size == 8 else 16


def _where(k, file: int, line: int) -> str:
    name = k.machine.mem.read_cstr(file, 256).decode("latin-1") if file else "(null)"
    return f"{name}:{line}"


def _sync(k, sx: int, s: SxState) -> None:
    """Write the lock word and sx_recurse (lo_data) as kern_sx.c would leave them."""
    if s.destroyed:
        word = SX_LOCK_DESTROYED
    elif s.xdepth:
        word = k.freebsd.curthread
    else:
        word = (s.sharers << SX_SHARERS_SHIFT) | SX_LOCK_SHARED
    k.machine.mem.write(sx + _word_offset(k), word.to_bytes(k.word_size, "little"))
    lo_data = k.word_size + 4
    k.machine.mem.write(sx + lo_data, max(s.xdepth - 1, 0).to_bytes(4, "little"))


def _state(k, sx: int, op: str, file: int = 0, line: int = 0) -> SxState:
    s = _locks(k).get(sx)
    if s is None:
        raise KernelPanic(f"{op}: sx at {sx:#x} was never initialised with sx_init")
    if s.destroyed:
        raise KernelPanic(f"{op}() of destroyed sx @ {_where(k, file, line)}")
    return s


@table.service("void sx_init_flags(void *sx, const char *description, int opts)")
def sx_init_flags(k, sx: int, description: int, opts: int) -> None:
    """sx_init/sx_init_flags: store lo_name, mark the lock unlocked."""
    if opts & ~SX_VALID_OPTS:
        raise KernelPanic("sx_init_flags: Invalid flags")
    name = k.machine.mem.read_cstr(description, 256).decode("latin-1") if description else "(null)"
    mem, word = k.machine.mem, k.word_size
    flags = int.from_bytes(mem.read(sx + word, 4), "little")           # lock_init's check
    if flags & LO_INITIALIZED and not opts & SX_NEW:
        raise KernelPanic(f'lock "{name}" {sx:#x} already initialized')
    mem.write(sx, description.to_bytes(word, "little"))                       # lo_name
    mem.write(sx + word, LO_INITIALIZED.to_bytes(4, "little"))                # lo_flags
    s = SxState(name, bool(opts & SX_RECURSE))
    _locks(k)[sx] = s
    _sync(k, sx, s)


@table.service("void sx_sysinit(void *arg)")
def sx_sysinit(k, arg: int) -> None:
    """SX_SYSINIT's SYSINIT: sx_init_flags(sa_sx, sa_desc, sa_flags) from a struct sx_args."""
    mem, word = k.machine.mem, k.word_size
    sx, desc = mem.read_ptr(arg), mem.read_ptr(arg + word)
    flags = int.from_bytes(mem.read(arg + 2 * word, 4), "little")
    sx_init_flags.service.func(k, sx, desc, flags)


@table.service("void sx_destroy(void *sx)")
def sx_destroy(k, sx: int) -> None:
    """Forget the lock; destroying a held one panics."""
    s = _state(k, sx, "sx_destroy")
    if s.xdepth or s.sharers:
        raise KernelPanic("sx lock still held")
    s.destroyed = True
    _sync(k, sx, s)
    k.machine.mem.write(sx + k.word_size, bytes(4))                          # lo_flags


def _xlock(k, sx: int, s: SxState, file: int, line: int) -> None:
    if s.xdepth and not s.recurse:
        raise KernelPanic(f"_sx_xlock_hard: recursed on non-recursive sx {s.name} @ {_where(k, file, line)}")
    if s.sharers:
        raise KernelPanic(f"_sx_xlock_hard: sx {s.name} is share locked by this thread: it would sleep "
                          f"forever @ {_where(k, file, line)}")
    s.xdepth += 1
    _sync(k, sx, s)


@table.service("int _sx_xlock(void *sx, int opts, const char *file, int line)")
def _sx_xlock(k, sx: int, opts: int, file: int, line: int) -> int:
    """sx_xlock(): take the lock exclusively; 0."""
    _xlock(k, sx, _state(k, sx, "sx_xlock", file, line), file, line)
    return 0


@table.service("int _sx_slock(void *sx, int opts, const char *file, int line)")
def _sx_slock(k, sx: int, opts: int, file: int, line: int) -> int:
    """sx_slock(): one more sharer; 0."""
    s = _state(k, sx, "sx_slock", file, line)
    if s.xdepth:
        raise KernelPanic(f"_sx_slock_hard: sx {s.name} is exclusively locked by this thread: it would "
                          f"sleep forever @ {_where(k, file, line)}")
    s.sharers += 1
    _sync(k, sx, s)
    return 0


def _assert(k, sx: int, s: SxState, what: int, file: int, line: int) -> None:
    """_sx_assert under INVARIANTS (kern_sx.c)."""
    where = _where(k, file, line)
    base = what & ~(SA_RECURSED | SA_NOTRECURSED)
    if base in (SA_LOCKED, SA_SLOCKED):
        if not (s.sharers or (s.xdepth and base == SA_LOCKED)):
            raise KernelPanic(f"Lock {s.name} not {'share ' if base == SA_SLOCKED else ''}locked @ {where}")
        if s.xdepth:
            _recursion(s, what, where)
    elif base == SA_XLOCKED:
        if not s.xdepth:
            raise KernelPanic(f"Lock {s.name} not exclusively locked @ {where}")
        _recursion(s, what, where)
    elif base == SA_UNLOCKED:
        if s.xdepth:
            raise KernelPanic(f"Lock {s.name} exclusively locked @ {where}")
    else:
        raise KernelPanic(f"Unknown sx lock assertion: {what} @ {where}")


def _recursion(s: SxState, what: int, where: str) -> None:
    if what & SA_RECURSED and s.xdepth < 2:
        raise KernelPanic(f"Lock {s.name} not recursed @ {where}")
    if what & SA_NOTRECURSED and s.xdepth > 1:
        raise KernelPanic(f"Lock {s.name} recursed @ {where}")


@table.service("void _sx_xunlock(void *sx, const char *file, int line)")
def _sx_xunlock(k, sx: int, file: int, line: int) -> None:
    """sx_xunlock(): asserts SA_XLOCKED, then releases one level."""
    s = _state(k, sx, "sx_xunlock", file, line)
    _assert(k, sx, s, SA_XLOCKED, file, line)
    s.xdepth -= 1
    _sync(k, sx, s)


@table.service("void _sx_sunlock(void *sx, const char *file, int line)")
def _sx_sunlock(k, sx: int, file: int, line: int) -> None:
    """sx_sunlock(): asserts SA_SLOCKED, then one sharer fewer."""
    s = _state(k, sx, "sx_sunlock", file, line)
    _assert(k, sx, s, SA_SLOCKED, file, line)
    s.sharers -= 1
    _sync(k, sx, s)


@table.service("int sx_try_xlock_(void *sx, const char *file, int line)")
def sx_try_xlock_(k, sx: int, file: int, line: int) -> int:
    """sx_try_xlock(): 1 if taken (recursing only with SX_RECURSE), else 0."""
    s = _state(k, sx, "sx_try_xlock", file, line)
    if s.sharers or (s.xdepth and not s.recurse):
        return 0
    s.xdepth += 1
    _sync(k, sx, s)
    return 1


@table.service("int sx_try_slock_(void *sx, const char *file, int line)")
def sx_try_slock_(k, sx: int, file: int, line: int) -> int:
    """sx_try_slock(): 1 if a share was taken, 0 while exclusively held."""
    s = _state(k, sx, "sx_try_slock", file, line)
    if s.xdepth:
        return 0
    s.sharers += 1
    _sync(k, sx, s)
    return 1


@table.service("int sx_try_upgrade_(void *sx, const char *file, int line)")
def sx_try_upgrade_(k, sx: int, file: int, line: int) -> int:
    """sx_try_upgrade(): a sole sharer becomes the exclusive owner (1); else 0."""
    s = _state(k, sx, "sx_try_upgrade", file, line)
    _assert(k, sx, s, SA_SLOCKED, file, line)
    if s.sharers != 1:
        return 0
    s.sharers, s.xdepth = 0, 1
    _sync(k, sx, s)
    return 1


@table.service("void sx_downgrade_(void *sx, const char *file, int line)")
def sx_downgrade_(k, sx: int, file: int, line: int) -> None:
    """sx_downgrade(): the exclusive (not recursed) owner becomes a sharer."""
    s = _state(k, sx, "sx_downgrade", file, line)
    _assert(k, sx, s, SA_XLOCKED | SA_NOTRECURSED, file, line)
    s.xdepth, s.sharers = 0, 1
    _sync(k, sx, s)


@table.service("void _sx_assert(const void *sx, int what, const char *file, int line)")
def _sx_assert(k, sx: int, what: int, file: int, line: int) -> None:
    """sx_assert()."""
    s = _state(k, sx, "sx_assert", file, line)
    _assert(k, sx, s, what, file, line)
