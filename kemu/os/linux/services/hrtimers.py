"""hrtimer_* and the ktime clocks (kernel/time/hrtimer.c, timekeeping.c, 6.1); the queue and
its firing on the virtual clock are kemu/os/linux/hrtimers.py's.

Clocks: CLOCK_MONOTONIC and CLOCK_BOOTTIME are the time since boot (kemu never suspends);
CLOCK_REALTIME adds the boot's epoch time; CLOCK_TAI equals it (tai_offset is 0 until NTP
sets one). All move in ticks of the virtual clock.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..busy_time import read_clock
from ..hrtimers import HRTIMER_MODE_REL

table = ServiceTable("hrtimers")
NSEC_PER_SEC = 1_000_000_000
TK_OFFS_REAL, TK_OFFS_BOOT, TK_OFFS_TAI = 0, 1, 2


def _h(k):
    return k.linux.hrtimers


def _s64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


@table.service("ktime_t ktime_get(void)")
def ktime_get(k) -> int:
    """CLOCK_MONOTONIC in ns."""
    return read_clock(k.linux, 1)


@table.service("ktime_t ktime_get_with_offset(enum tk_offsets offs)")
def ktime_get_with_offset(k, offs: int) -> int:
    """ktime_get_real / _boottime / _clocktai's out-of-line part."""
    return read_clock(k.linux, {TK_OFFS_REAL: 0, TK_OFFS_BOOT: 7, TK_OFFS_TAI: 11}.get(offs, 1))


@table.service("u64 ktime_get_mono_fast_ns(void)")
def ktime_get_mono_fast_ns(k) -> int:
    return read_clock(k.linux, 1)


@table.service("s64 ktime_get_seconds(void)")
def ktime_get_seconds(k) -> int:
    return _h(k).now_ns(1) // NSEC_PER_SEC


@table.service("s64 ktime_get_real_seconds(void)")
def ktime_get_real_seconds(k) -> int:
    return _h(k).now_ns(0) // NSEC_PER_SEC


@table.service("ktime_t __kemu_ktime_get_real(void)")
def __kemu_ktime_get_real(k) -> int:
    """CLOCK_REALTIME's hrtimer_clock_base.get_time."""
    return read_clock(k.linux, 0)


@table.service("ktime_t __kemu_ktime_get_boottime(void)")
def __kemu_ktime_get_boottime(k) -> int:
    """CLOCK_BOOTTIME's get_time."""
    return read_clock(k.linux, 7)


@table.service("ktime_t __kemu_ktime_get_clocktai(void)")
def __kemu_ktime_get_clocktai(k) -> int:
    """CLOCK_TAI's get_time."""
    return read_clock(k.linux, 11)


@table.service("void hrtimer_init(struct hrtimer *timer, int clock_id, enum hrtimer_mode mode)")
def hrtimer_init(k, timer: int, clock_id: int, mode: int) -> None:
    """Zero the timer, bind it to its clock's base (a REL timer on REALTIME uses MONOTONIC)."""
    h = _h(k)
    k.check_length(timer, h.off["size"], "write")
    if timer in h.queued:
        h.remove(timer)
    if clock_id == 0 and mode & HRTIMER_MODE_REL:
        clock_id = 1
    mem = k.machine.mem
    mem.write(timer, bytes(h.off["size"]))
    mem.write_ptr(timer + h.off["base"], h.base_for(clock_id & 0xFFFFFFFF))
    mem.write_u8(timer + h.off["is_rel"], int(bool(mode & HRTIMER_MODE_REL)))
    mem.write_u8(timer + h.off["is_soft"], int(bool(mode & 0x4)))
    mem.write_u8(timer + h.off["is_hard"], int(bool(mode & 0x8)))


@table.service("void hrtimer_start_range_ns(struct hrtimer *timer, ktime_t tim, u64 range_ns, "
               "const enum hrtimer_mode mode)")
def hrtimer_start_range_ns(k, timer: int, tim: int, range_ns: int, mode: int) -> None:
    """(Re)queue the timer to expire at `tim` (ABS) or now + `tim` (REL), slack `range_ns`."""
    h = _h(k)
    tim = _s64(tim)
    if mode & HRTIMER_MODE_REL:
        tim += h.now_ns(h.clock_of(timer))
    h.remove(timer)
    h.set_expires(timer, tim, tim + range_ns)
    h.enqueue(timer)


@table.service("int hrtimer_try_to_cancel(struct hrtimer *timer)")
def hrtimer_try_to_cancel(k, timer: int) -> int:
    """1 if it was queued (now not), 0 if it was not, -1 if its callback is running."""
    h = _h(k)
    if h.running == timer:
        return -1
    return int(h.remove(timer))


@table.service("int hrtimer_cancel(struct hrtimer *timer)")
def hrtimer_cancel(k, timer: int) -> int:
    """Dequeue and wait for a running callback; 1 if it was active."""
    h = _h(k)
    return int(h.remove(timer) or h.running == timer)


@table.service("bool hrtimer_active(const struct hrtimer *timer)")
def hrtimer_active(k, timer: int) -> int:
    """Queued, or its callback running."""
    h = _h(k)
    return int(timer in h.queued or h.running == timer)


@table.service("u64 hrtimer_forward(struct hrtimer *timer, ktime_t now, ktime_t interval)")
def hrtimer_forward(k, timer: int, now: int, interval: int) -> int:
    """Move the expiry past `now` in steps of `interval`; the number of steps (overruns)."""
    h = _h(k)
    now, interval = _s64(now), _s64(interval)
    expires = h.expires(timer)
    soft = k.machine.mem.read_int(timer + h.off["softexpires"], 8, signed=True)
    delta = now - expires
    if delta < 0:
        return 0
    if timer in h.queued:
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr("WARNING: hrtimer_forward on a queued timer", 4)
        return 0
    interval = max(interval, resolution(k))
    orun = 1
    if delta >= interval:
        orun = delta // interval
        expires += interval * orun
        soft += interval * orun
        if expires > now:
            h.set_expires(timer, soft, expires)
            return orun
        orun += 1
    h.set_expires(timer, soft + interval, expires + interval)
    return orun


def resolution(k) -> int:
    """hrtimer_resolution in low-resolution mode: one tick."""
    return NSEC_PER_SEC // k.clock.hz


def setup(system) -> None:
    """hrtimer_resolution as a low-resolution kernel has it."""
    addr = system.data.get("hrtimer_resolution")
    if addr is not None:
        system.machine.mem.write_u32(addr, resolution(system.kernel))
