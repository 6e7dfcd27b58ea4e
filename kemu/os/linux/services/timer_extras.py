"""Timer and delayed-work entry points beyond timers.py (kernel/time/timer.c,
kernel/workqueue.c; 6.1 with the timer_shutdown backport): shutting a timer down for good,
rounding a timeout to a whole second, and re-aiming a delayed work. The bookkeeping is
timekeeping.py's, as for the other timer services."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .timers import queue_delayed_work_on

table = ServiceTable("timer_extras")

HZ = 250


def _shutdown(k, timer: int) -> int:
    """Disarm and clear ->function: the kernel then ignores any later attempt to re-arm."""
    was = k.linux.timekeeping.disarm(timer)
    k.machine.mem.write_ptr(timer + k.linux.layout.offset("struct timer_list", "function"), 0)
    return int(was)


@table.service("int timer_shutdown_sync(struct timer_list *timer)")
def timer_shutdown_sync(k, timer: int) -> int:
    """Stop the timer for good (its function is not running on kemu's one CPU); 1 if it was
    pending."""
    return _shutdown(k, timer)


@table.service("int timer_shutdown(struct timer_list *timer)")
def timer_shutdown(k, timer: int) -> int:
    """timer_shutdown_sync without waiting (nothing runs concurrently here)."""
    return _shutdown(k, timer)


def round_common(k, j: int, cpu: int, force_up: bool) -> int:
    """Round an absolute jiffies value to a whole second (skewed by 3 jiffies per CPU so
    CPUs do not all wake together): down if within the first quarter second, else up; the
    original value when the rounded one would already be in the past."""
    tk = k.linux.timekeeping
    original = j
    j += cpu * 3
    rem = j % HZ
    j = j - rem if rem < HZ // 4 and not force_up else j - rem + HZ
    j = (j - cpu * 3) & tk.mask
    in_future = ((j - tk.jiffies) & tk.mask) and not ((j - tk.jiffies) & tk.mask) >> (8 * k.machine.word_size - 1)
    return j if in_future else original


@table.service("unsigned long round_jiffies(unsigned long j)")
def round_jiffies(k, j: int) -> int:
    """An absolute timeout rounded to a whole second (CPU 0)."""
    return round_common(k, j, 0, False)


@table.service("unsigned long round_jiffies_up(unsigned long j)")
def round_jiffies_up(k, j: int) -> int:
    """round_jiffies, never rounding down."""
    return round_common(k, j, 0, True)


@table.service("unsigned long round_jiffies_relative(unsigned long j)")
def round_jiffies_relative(k, j: int) -> int:
    """A relative timeout rounded so that now + it is a whole second."""
    tk = k.linux.timekeeping
    return (round_common(k, (j + tk.jiffies) & tk.mask, 0, False) - tk.jiffies) & tk.mask


@table.service("bool mod_delayed_work_on(int cpu, struct workqueue_struct *wq, struct delayed_work *dwork, "
               "unsigned long delay)", needs_call=True)
def mod_delayed_work_on(k, cpu: int, wq: int, dwork: int, delay: int, call=None) -> int:
    """Queue the work after `delay`, replacing any pending timer or queued run; true if it
    was pending."""
    tk, mem = k.linux.timekeeping, k.machine.mem
    was = tk.disarm(dwork + k.linux.layout.offset("struct delayed_work", "timer"))
    was = tk.cancel_work(dwork) or was
    mem.write_ptr(dwork, mem.read_ptr(dwork) & ~1 & tk.mask)
    queue_delayed_work_on(k, cpu, wq, dwork, delay, call=call)
    return int(was)
