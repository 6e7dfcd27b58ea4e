"""Everyday out-of-line calls of hand-written 6.1 drivers that kemu lacked: strscpy,
kstrdup_const/kfree_const, simple_write_to_buffer, the mutex and rw_semaphore variants,
get_random_*, the delays and the timespec clocks (lib/string.c, lib/string_helpers.c,
fs/libfs.c, kernel/locking/, drivers/char/random.c, kernel/time/, 6.1).

* One task and no preemption between guest calls, as the mutex services already assume: a
  lock taken is free, so the *_interruptible/_killable variants return 0 and trylock 1;
  the owner/count words are written as the kernel writes them (the inline
  mutex_is_locked()/rwsem_is_locked() read them). A trylock of a mutex already held returns 0.
* get_random_*: a per-kernel generator seeded at boot, so runs are reproducible.
* usleep_range_state sleeps as msleep does (at least `min` µs, whole ticks); the udelay
  family and the clock reads spend busy time (kemu/os/linux/busy_time.py).
"""
from __future__ import annotations

import random
import weakref

from kemu.kernel import ServiceTable

from ..busy_time import read_clock, spend, xloops_to_ns
from .memory import kfree, kstrdup
from .usercopy import _user_ok

table = ServiceTable("driver_basics")
E2BIG = 7
RWSEM_WRITER_LOCKED = 1
RWSEM_READER_BIAS = 1 << 8
NSEC_PER_SEC = 1_000_000_000
RNG_SEED = 0x6B656D75                      # "kemu"
_rngs: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


# --- strings -------------------------------------------------------------------------------------

@table.service("ssize_t strscpy(char *dest, const char *src, size_t count)")
def strscpy(k, dest: int, src: int, count: int) -> int:
    """Copy a NUL-terminated string into dest[count]; its length, or -E2BIG when it was cut
    (dest then holds count-1 bytes and the NUL). count 0: -E2BIG, nothing written."""
    if count == 0 or count > 1 << 31:
        return -E2BIG
    text = k.machine.mem.read_cstr(src, count)
    k.check_length(dest, min(len(text) + 1, count), "write")
    if len(text) >= count:
        k.machine.mem.write(dest, text[:count - 1] + b"\0")
        return -E2BIG
    k.machine.mem.write(dest, text + b"\0")
    return len(text)


@table.service("const char *kstrdup_const(const char *s, gfp_t gfp)", needs_call=True)
def kstrdup_const(k, s: int, gfp: int, call=None) -> int:
    """kstrdup: a module's strings are never the kernel's .rodata, so always a copy."""
    return kstrdup(k, s, gfp, call)


@table.service("void kfree_const(const void *x)", needs_call=True)
def kfree_const(k, x: int, call=None) -> None:
    """kfree, unless x is kernel read-only data (which kemu's copies never are)."""
    if x and x in k.heap:
        kfree(k, x, call)


@table.service("ssize_t simple_write_to_buffer(void *to, size_t available, loff_t *ppos, "
               "const void __user *from, size_t count)")
def simple_write_to_buffer(k, to: int, available: int, ppos: int, frm: int, count: int) -> int:
    """Copy from user space into to[*ppos…available); bytes copied, -EFAULT if none could be."""
    k.check_length(ppos, 8, "write")
    pos = k.machine.mem.read_int(ppos, 8, signed=True)
    if pos < 0:
        return -k.errno.EINVAL
    if pos >= available or not count:
        return 0
    n = min(count, available - pos)
    if not _user_ok(k, frm, n):
        return -k.errno.EFAULT
    k.check_length(to + pos, n, "write")
    k.machine.mem.write(to + pos, k.machine.mem.read(frm, n))
    k.machine.mem.write_int(ppos, 8, pos + n)
    return n


# --- locks ---------------------------------------------------------------------------------------

@table.service("int mutex_lock_interruptible(struct mutex *lock)")
def mutex_lock_interruptible(k, lock: int) -> int:
    """Take the mutex (always free with one task); 0."""
    k.machine.mem.write_ptr(lock, k.linux.current_task)
    return 0


@table.service("int mutex_lock_killable(struct mutex *lock)")
def mutex_lock_killable(k, lock: int) -> int:
    k.machine.mem.write_ptr(lock, k.linux.current_task)
    return 0


@table.service("int mutex_trylock(struct mutex *lock)")
def mutex_trylock(k, lock: int) -> int:
    """1 and the mutex taken if its owner word is clear, else 0."""
    if k.machine.mem.read_ptr(lock):
        return 0
    k.machine.mem.write_ptr(lock, k.linux.current_task)
    return 1


@table.service("bool mutex_is_locked(struct mutex *lock)")
def mutex_is_locked(k, lock: int) -> int:
    return int(bool(k.machine.mem.read_ptr(lock)))


def _rw_count(k, sem: int) -> int:
    return k.machine.mem.read_ptr(sem)


def _rw_set(k, sem: int, count: int, owner: int) -> None:
    word = k.machine.word_size
    k.machine.mem.write_ptr(sem, count & ((1 << (8 * word)) - 1))
    k.machine.mem.write_ptr(sem + word, owner)


@table.service("void __init_rwsem(struct rw_semaphore *sem, const char *name, struct lock_class_key *key)")
def __init_rwsem(k, sem: int, name: int, key: int) -> None:
    """Unlocked: count 0, no owner, an empty wait list (count, owner, osq, wait_lock, wait_list)."""
    word = k.machine.word_size
    _rw_set(k, sem, 0, 0)
    wait_list = sem + 3 * word if word == 8 else sem + 16
    k.machine.mem.write_u32(sem + 2 * word, 0)
    k.machine.mem.write_ptr(wait_list, wait_list)
    k.machine.mem.write_ptr(wait_list + word, wait_list)


@table.service("void down_read(struct rw_semaphore *sem)")
def down_read(k, sem: int) -> None:
    _rw_set(k, sem, _rw_count(k, sem) + RWSEM_READER_BIAS, k.linux.current_task)


@table.service("int down_read_interruptible(struct rw_semaphore *sem)")
def down_read_interruptible(k, sem: int) -> int:
    down_read(k, sem)
    return 0


@table.service("int down_read_killable(struct rw_semaphore *sem)")
def down_read_killable(k, sem: int) -> int:
    down_read(k, sem)
    return 0


@table.service("int down_read_trylock(struct rw_semaphore *sem)")
def down_read_trylock(k, sem: int) -> int:
    """1 unless a writer holds it."""
    if _rw_count(k, sem) & RWSEM_WRITER_LOCKED:
        return 0
    down_read(k, sem)
    return 1


@table.service("void up_read(struct rw_semaphore *sem)")
def up_read(k, sem: int) -> None:
    count = _rw_count(k, sem) - RWSEM_READER_BIAS
    _rw_set(k, sem, max(count, 0), 0)


@table.service("void down_write(struct rw_semaphore *sem)")
def down_write(k, sem: int) -> None:
    _rw_set(k, sem, _rw_count(k, sem) | RWSEM_WRITER_LOCKED, k.linux.current_task)


@table.service("int down_write_killable(struct rw_semaphore *sem)")
def down_write_killable(k, sem: int) -> int:
    down_write(k, sem)
    return 0


@table.service("int down_write_trylock(struct rw_semaphore *sem)")
def down_write_trylock(k, sem: int) -> int:
    """1 if nobody holds it."""
    if _rw_count(k, sem):
        return 0
    down_write(k, sem)
    return 1


@table.service("void up_write(struct rw_semaphore *sem)")
def up_write(k, sem: int) -> None:
    _rw_set(k, sem, _rw_count(k, sem) & ~RWSEM_WRITER_LOCKED, 0)


@table.service("void downgrade_write(struct rw_semaphore *sem)")
def downgrade_write(k, sem: int) -> None:
    """Writer to reader without letting go."""
    _rw_set(k, sem, (_rw_count(k, sem) & ~RWSEM_WRITER_LOCKED) + RWSEM_READER_BIAS, 0)


# --- randomness ----------------------------------------------------------------------------------

def _rng(k) -> random.Random:
    rng = _rngs.get(k)
    if rng is None:
        rng = _rngs[k] = random.Random(RNG_SEED)
    return rng


@table.service("void get_random_bytes(void *buf, size_t len)")
def get_random_bytes(k, buf: int, n: int) -> None:
    k.check_length(buf, n, "write")
    k.machine.mem.write(buf, _rng(k).randbytes(n))


@table.service("u32 get_random_u32(void)")
def get_random_u32(k) -> int:
    return _rng(k).getrandbits(32)


@table.service("u64 get_random_u64(void)")
def get_random_u64(k) -> int:
    return _rng(k).getrandbits(64)


@table.service("u16 get_random_u16(void)")
def get_random_u16(k) -> int:
    return _rng(k).getrandbits(16)


@table.service("u8 get_random_u8(void)")
def get_random_u8(k) -> int:
    return _rng(k).getrandbits(8)


# --- delays and clocks ---------------------------------------------------------------------------

@table.service("void usleep_range_state(unsigned long min, unsigned long max, unsigned int state)")
def usleep_range_state(k, lo: int, hi: int, state: int) -> None:
    """Sleep at least `min` µs: whole ticks of the virtual clock, timers and work running."""
    hz = k.clock.hz
    ticks = -(-lo * hz // 1_000_000)
    k.linux.timekeeping.advance(max(1, ticks))


@table.service("void __const_udelay(unsigned long xloops)")
def __const_udelay(k, xloops: int) -> None:
    """udelay/ndelay with a constant: the delay passes as busy time (busy_time.py)."""
    spend(k.linux, xloops_to_ns(xloops))


@table.service("void __udelay(unsigned long usecs)")
def __udelay(k, usecs: int) -> None:
    """A busy wait of microseconds: it passes as busy time, a whole tick of it moving the clock."""
    spend(k.linux, usecs * 1000)


@table.service("void __ndelay(unsigned long nsecs)")
def __ndelay(k, nsecs: int) -> None:
    """A busy wait of nanoseconds: it passes as busy time."""
    spend(k.linux, nsecs)


def _timespec(k, ts: int, ns: int) -> None:
    """struct timespec64 { time64_t tv_sec; long tv_nsec; }."""
    word = k.machine.word_size
    k.check_length(ts, 8 + word, "write")
    k.machine.mem.write_int(ts, 8, ns // NSEC_PER_SEC)
    k.machine.mem.write_int(ts + 8, word, ns % NSEC_PER_SEC)


@table.service("void ktime_get_real_ts64(struct timespec64 *tv)")
def ktime_get_real_ts64(k, tv: int) -> None:
    _timespec(k, tv, read_clock(k.linux, 0))


@table.service("void ktime_get_ts64(struct timespec64 *ts)")
def ktime_get_ts64(k, ts: int) -> None:
    _timespec(k, ts, read_clock(k.linux, 1))
