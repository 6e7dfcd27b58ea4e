"""Timers, workqueues, sleeping and locks (kernel/time/timer.c, kernel/workqueue.c,
kernel/locking): the bookkeeping is timekeeping.py's; these are the entry points."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..timekeeping import jiffies_to_msecs as _j2ms, msecs_to_jiffies as _ms2j

table = ServiceTable("timers")


def _tk(k):
    return k.linux.timekeeping


def _module(k, call):
    return k.loader.module_at(call.return_address)


@table.service("void init_timer_key(struct timer_list *timer, void (*func)(struct timer_list *), "
               "unsigned int flags, const char *name, struct lock_class_key *key)")
def init_timer_key(k, timer: int, func: int, flags: int, name: int, key: int) -> None:
    """timer_setup: a timer that is not pending, calling func(timer) when it fires."""
    lay, mem = k.linux.layout, k.machine.mem
    mem.write(timer, bytes(lay.size("struct timer_list")))
    mem.write_ptr(timer + lay.offset("struct timer_list", "function"), func)
    mem.write_u32(timer + lay.offset("struct timer_list", "flags"), flags)


@table.service("int mod_timer(struct timer_list *timer, unsigned long expires)", needs_call=True)
def mod_timer(k, timer: int, expires: int, call=None) -> int:
    """Fire at jiffies == expires; 1 if it was pending, 0 if not."""
    return int(_tk(k).arm(timer, expires, _module(k, call)))


@table.service("void add_timer(struct timer_list *timer)", needs_call=True)
def add_timer(k, timer: int, call=None) -> None:
    """Arm a timer at the expires it holds."""
    exp = k.machine.mem.read_ptr(timer + k.linux.layout.offset("struct timer_list", "expires"))
    _tk(k).arm(timer, exp, _module(k, call))


@table.service("int timer_delete_sync(struct timer_list *timer)")
def timer_delete_sync(k, timer: int) -> int:
    """del_timer_sync: disarm (on one CPU nothing can be running it); 1 if it was pending."""
    return int(_tk(k).disarm(timer))


@table.service("int timer_delete(struct timer_list *timer)")
def timer_delete(k, timer: int) -> int:
    """del_timer: disarm; 1 if it was pending."""
    return int(_tk(k).disarm(timer))


@table.service("void delayed_work_timer_fn(struct timer_list *t)")
def delayed_work_timer_fn(k, t: int) -> None:
    """The timer of a delayed_work: queue its work on its workqueue."""
    lay = k.linux.layout
    dwork = t - lay.offset("struct delayed_work", "timer")
    wq = k.machine.mem.read_ptr(dwork + lay.offset("struct delayed_work", "wq"))
    k.machine.mem.write_ptr(dwork, k.machine.mem.read_ptr(dwork) & ~1 & _tk(k).mask)
    _tk(k).queue(wq, dwork, k.loader.module_at(dwork))


@table.service("struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags, int max_active, ...)",
               needs_call=True)
def alloc_workqueue(k, fmt: int, flags: int, max_active: int, args, call=None) -> int:
    """A workqueue (its work runs on the next tick); the module must destroy_workqueue it."""
    name = k.linux.format(fmt, args).decode("latin-1")
    wq = k.heap.alloc(64, "workqueue", zero=True, caller=call.return_address)
    _tk(k).create_queue(wq, name)
    return wq


@table.service("void destroy_workqueue(struct workqueue_struct *wq)", needs_call=True)
def destroy_workqueue(k, wq: int, call=None) -> None:
    """Run what is still queued on it, then free it."""
    _tk(k).destroy_queue(wq)
    k.heap.free(wq, caller=call.return_address)


@table.service("bool queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work)",
               needs_call=True)
def queue_work_on(k, cpu: int, wq: int, work: int, call=None) -> int:
    """Queue work; false if it was already pending."""
    return int(_tk(k).queue(wq, work, _module(k, call)))


@table.service("bool queue_delayed_work_on(int cpu, struct workqueue_struct *wq, struct delayed_work *dwork, "
               "unsigned long delay)", needs_call=True)
def queue_delayed_work_on(k, cpu: int, wq: int, dwork: int, delay: int, call=None) -> int:
    """Queue the work after `delay` jiffies (now if 0); false if it was already pending."""
    lay, mem, tk = k.linux.layout, k.machine.mem, _tk(k)
    timer = dwork + lay.offset("struct delayed_work", "timer")
    if mem.read_ptr(dwork) & 1 or timer in tk.timers:
        return 0
    mem.write_ptr(dwork + lay.offset("struct delayed_work", "wq"), wq)
    if delay == 0:
        return int(tk.queue(wq, dwork, _module(k, call)))
    mem.write_ptr(dwork, mem.read_ptr(dwork) | 1)
    tk.arm(timer, tk.jiffies + delay, _module(k, call))
    return 1


@table.service("bool cancel_delayed_work_sync(struct delayed_work *dwork)")
def cancel_delayed_work_sync(k, dwork: int) -> int:
    """Disarm its timer and unqueue its work; true if either was pending."""
    lay, tk = k.linux.layout, _tk(k)
    was = tk.disarm(dwork + lay.offset("struct delayed_work", "timer"))
    was = tk.cancel_work(dwork) or was
    k.machine.mem.write_ptr(dwork, k.machine.mem.read_ptr(dwork) & ~1 & tk.mask)
    return int(was)


@table.service("bool cancel_delayed_work(struct delayed_work *dwork)")
def cancel_delayed_work(k, dwork: int) -> int:
    """As cancel_delayed_work_sync (nothing runs concurrently on kemu's one CPU)."""
    return cancel_delayed_work_sync(k, dwork)


@table.service("bool cancel_work_sync(struct work_struct *work)")
def cancel_work_sync(k, work: int) -> int:
    """Unqueue the work; true if it was pending."""
    return int(_tk(k).cancel_work(work))


@table.service("bool flush_work(struct work_struct *work)")
def flush_work(k, work: int) -> int:
    """Run the work now if it is queued; true if it was."""
    tk = _tk(k)
    wq = tk.work_queue.get(work)
    if wq is None:
        return 0
    tk.run_work(only=wq)
    return 1


@table.service("void __flush_workqueue(struct workqueue_struct *wq)")
def __flush_workqueue(k, wq: int) -> None:
    """Run everything queued on wq."""
    _tk(k).run_work(only=wq)


@table.service("void msleep(unsigned int msecs)")
def msleep(k, msecs: int) -> None:
    """Sleep: the clock moves msecs_to_jiffies(msecs) + 1 ticks, timers and work running;
    a kernel thread's msleep suspends it that long instead (kthreads.py)."""
    kt = k.linux.__dict__.get("kthreads")
    if kt is not None and kt.can_block() is not None:
        left = _ms2j(msecs) + 1
        while left > 0:                            # schedule_timeout_uninterruptible's loop
            k.linux.waiting.set_state(0x0002)      # TASK_UNINTERRUPTIBLE
            left = k.linux.waiting.sleep(left)
        return
    _tk(k).advance(_ms2j(msecs) + 1)


@table.service("u64 get_jiffies_64(void)")
def get_jiffies_64(k) -> int:
    """The 64-bit tick count (a function on 32-bit kernels, where jiffies_64 cannot be read
    in one load; inline on x86-64). A read of the clock: it spends busy time as an inline
    read of jiffies does (busy_time.py)."""
    from ..busy_time import READ_COST_NS, spend
    spend(k.linux, READ_COST_NS)
    return _tk(k).jiffies_64


@table.service("unsigned int jiffies_to_msecs(const unsigned long j)")
def jiffies_to_msecs(k, j: int) -> int:
    """Milliseconds in j ticks at HZ=250."""
    return _j2ms(j) & 0xFFFFFFFF


@table.service("unsigned long __msecs_to_jiffies(const unsigned int m)")
def __msecs_to_jiffies(k, m: int) -> int:
    """Ticks covering m milliseconds (rounded up)."""
    return _ms2j(m)


@table.service("unsigned long _raw_spin_lock_irqsave(struct raw_spinlock *lock)")
def _raw_spin_lock_irqsave(k, lock: int) -> int:
    """Take a spinlock (always free on one CPU between calls); returns the saved flags."""
    k.machine.mem.write_u32(lock, 1)
    return 0x200


@table.service("void _raw_spin_unlock_irqrestore(struct raw_spinlock *lock, unsigned long flags)")
def _raw_spin_unlock_irqrestore(k, lock: int, flags: int) -> None:
    """Release a spinlock."""
    k.machine.mem.write_u32(lock, 0)


@table.service("void _raw_spin_lock(struct raw_spinlock *lock)")
def _raw_spin_lock(k, lock: int) -> None:
    """Take a spinlock."""
    k.machine.mem.write_u32(lock, 1)


@table.service("void _raw_spin_unlock(struct raw_spinlock *lock)")
def _raw_spin_unlock(k, lock: int) -> None:
    """Release a spinlock."""
    k.machine.mem.write_u32(lock, 0)
