"""Runtime power management (drivers/base/power/runtime.c, 6.1): the state machine of
struct dev_pm_info in each struct device, kept where the inline helpers of pm_runtime.h
(pm_runtime_get_noresume, pm_runtime_suspended, pm_runtime_mark_last_busy …) read it.

* device_initialize runs pm_runtime_init: RPM_SUSPENDED, disable_depth 1, usage 0,
  runtime_auto set. pm_runtime_enable lowers disable_depth ("Unbalanced pm_runtime_enable!"
  at 0), __pm_runtime_disable raises it.
* __pm_runtime_set_status(ACTIVE/SUSPENDED) while disabled (-EAGAIN when enabled without an
  error), keeping the parent's child_count; a child cannot become active under a disabled,
  inactive parent (-EBUSY).
* rpm_idle / rpm_suspend / rpm_resume as the kernel orders their checks: runtime_error
  -EINVAL, disabled -EACCES, usage_count or a forbidden device -EAGAIN, active children
  -EBUSY, already there 1; the callback is the pm domain's, else the type's, class's,
  bus's, driver's dev_pm_ops (none and no pm_runtime_no_callbacks: -ENOSYS, recorded as
  runtime_error as the kernel does); a suspended device lets its parent idle, a resume
  resumes the parent first. RPM_GET_PUT moves usage_count ("Runtime PM usage count
  underflow!" below 0).
* pm_runtime_forbid/allow, no_callbacks, set_autosuspend_delay, use_autosuspend (a negative
  delay holds a usage count), pm_runtime_barrier.

* asynchronous requests (RPM_ASYNC: pm_runtime_put, the parent's idle after a child
  suspends …) set dev->power.request and queue dev->power.work on the "pm" workqueue, which
  runs as kemu runs work (when the clock advances); the first disable cancels it.

* autosuspend: a suspend asked for before autosuspend_delay ms have passed since last_busy
  arms dev->power.suspend_timer (an hrtimer on the monotonic clock, timer_expires set); when
  it fires the suspend is requested on pm_wq. A resume, a barrier or a disable cancels it.
  (kemu's clock moves in whole ticks, so the timer function accepts an expiry equal to now.)
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("runtime_pm")

RPM_INVALID, RPM_ACTIVE, RPM_RESUMING, RPM_SUSPENDED, RPM_SUSPENDING = -1, 0, 1, 2, 3
RPM_REQ_NONE, RPM_REQ_IDLE, RPM_REQ_SUSPEND, RPM_REQ_AUTOSUSPEND, RPM_REQ_RESUME = 0, 1, 2, 3, 4
RPM_ASYNC, RPM_NOWAIT, RPM_GET_PUT, RPM_AUTO = 0x01, 0x02, 0x04, 0x08
NSEC_PER_MSEC = 1_000_000

#: the bit-fields of dev_pm_info after child_count (one unsigned int, in declaration order):
#: disable_depth:3, idle_notification, request_pending, deferred_resume, needs_force_resume,
#: runtime_auto, ignore_children, no_callbacks, irq_safe, use_autosuspend, timer_autosuspends
BITS = {"idle_notification": 3, "request_pending": 4, "deferred_resume": 5, "needs_force_resume": 6,
        "runtime_auto": 7, "ignore_children": 8, "no_callbacks": 9, "irq_safe": 10, "use_autosuspend": 11,
        "timer_autosuspends": 12}
DISABLE_DEPTH_MASK = 0x7


class Pm:
    """dev->power of one device, read and written in guest memory."""

    def __init__(self, k, dev: int):
        self.k, self.dev = k, dev
        lay = k.linux.layout
        self.base = dev + lay.offset("struct device", "power")
        self.off = lambda f: self.base + lay.offset("struct dev_pm_info", f)
        self.bits_at = self.off("links_count") - 4          # the word between child_count and links_count

    # integers
    def _s32(self, at: int) -> int:
        v = self.k.machine.mem.read_u32(at)
        return v - (1 << 32) if v & 0x80000000 else v

    def get(self, f: str) -> int:
        return self._s32(self.off(f))

    def set(self, f: str, value: int) -> None:
        self.k.machine.mem.write_u32(self.off(f), value & 0xFFFFFFFF)

    def add(self, f: str, delta: int) -> int:
        self.set(f, self.get(f) + delta)
        return self.get(f)

    # bit-fields
    def flag(self, name: str) -> bool:
        return bool(self.k.machine.mem.read_u32(self.bits_at) >> BITS[name] & 1)

    def set_flag(self, name: str, on: bool) -> None:
        word = self.k.machine.mem.read_u32(self.bits_at) & ~(1 << BITS[name])
        self.k.machine.mem.write_u32(self.bits_at, word | (int(bool(on)) << BITS[name]))

    @property
    def disable_depth(self) -> int:
        return self.k.machine.mem.read_u32(self.bits_at) & DISABLE_DEPTH_MASK

    @disable_depth.setter
    def disable_depth(self, value: int) -> None:
        word = self.k.machine.mem.read_u32(self.bits_at) & ~DISABLE_DEPTH_MASK
        self.k.machine.mem.write_u32(self.bits_at, word | (value & DISABLE_DEPTH_MASK))

    @property
    def status(self) -> int:
        return self.get("runtime_status")

    @status.setter
    def status(self, value: int) -> None:
        self.set("runtime_status", value)

    def parent(self) -> "Pm | None":
        p = self.k.machine.mem.read_ptr(self.dev + self.k.linux.layout.offset("struct device", "parent"))
        return Pm(self.k, p) if p else None


def _dev_warn(k, dev: int, text: str) -> None:
    """dev_warn: "DRIVER NAME: text" (the driver's, else the bus's or class's name)."""
    from .driver_core import dev_driver_string, device_name
    who = k.read_str(dev_driver_string(k, dev), 64).decode("latin-1")
    k.linux.pr(f"{who} {device_name(k, dev)}: {text}", 4)


def _timer(k, dev: int) -> int:
    lay = k.linux.layout
    return dev + lay.offset("struct device", "power") + lay.offset("struct dev_pm_info", "suspend_timer")


def pm_runtime_init(k, dev: int) -> None:
    """pm_runtime_init (device_initialize): suspended, disabled once, runtime_auto; the
    suspend timer initialised on the monotonic clock with pm_suspend_timer_fn."""
    from . import hrtimers
    pm = Pm(k, dev)
    timer = _timer(k, dev)
    hrtimers.hrtimer_init(k, timer, 1, 0)                  # CLOCK_MONOTONIC, HRTIMER_MODE_ABS
    k.machine.mem.write_ptr(timer + k.linux.hrtimers.off["function"], k.installed["__kemu_pm_suspend_timer_fn"][1])
    k.machine.mem.write_u64(pm.off("timer_expires"), 0)
    pm.status = RPM_SUSPENDED
    pm.set("last_status", RPM_INVALID)
    pm.set("usage_count", 0)
    pm.set("child_count", 0)
    pm.set("runtime_error", 0)
    pm.set("request", RPM_REQ_NONE)
    k.machine.mem.write_u32(pm.bits_at, 1 | 1 << BITS["runtime_auto"])


# --- callbacks ----------------------------------------------------------------------------------

def _callback(k, dev: int, name: str) -> int:
    """RPM_GET_CALLBACK: pm_domain->ops, else type->pm, class->pm, bus->pm, driver->pm."""
    lay, mem = k.linux.layout, k.machine.mem
    at = lambda struct, f: dev + lay.offset(struct, f)          # noqa: E731
    cb = lambda ops: mem.read_ptr(ops + lay.offset("struct dev_pm_ops", name)) if ops else 0   # noqa: E731
    domain = mem.read_ptr(at("struct device", "pm_domain"))
    if domain:
        return cb(domain + lay.offset("struct dev_pm_domain", "ops"))
    for fld, struct in (("type", "struct device_type"), ("class", "struct class"), ("bus", "struct bus_type")):
        owner = mem.read_ptr(at("struct device", fld))
        if owner:
            ops = mem.read_ptr(owner + lay.offset(struct, "pm"))
            if ops:
                return cb(ops)
    drv = mem.read_ptr(at("struct device", "driver"))
    if drv:
        return cb(mem.read_ptr(drv + lay.offset("struct device_driver", "pm")))
    return 0


def _rpm_callback(k, pm: Pm, cb: int, what: str) -> int:
    """rpm_callback: -ENOSYS without one; -EACCES becomes -EAGAIN; other errors but
    -EAGAIN/-EBUSY stick as runtime_error."""
    if not cb:
        ret = -k.errno.ENOSYS
    else:
        ret = k.linux.call_kernel_pointer(cb, pm.dev, what=what)
    if ret == -k.errno.EACCES:
        ret = -k.errno.EAGAIN
    if ret and ret not in (-k.errno.EAGAIN, -k.errno.EBUSY):
        pm.set("runtime_error", ret)
    return ret


# --- the state machine --------------------------------------------------------------------------

def _suspend_allowed(k, pm: Pm) -> int:
    """rpm_check_suspend_allowed."""
    if pm.get("runtime_error"):
        return -k.errno.EINVAL
    if pm.disable_depth > 0:
        return -k.errno.EACCES
    if pm.get("usage_count"):
        return -k.errno.EAGAIN
    if not pm.flag("ignore_children") and pm.get("child_count"):
        return -k.errno.EBUSY
    if pm.flag("request_pending") and pm.get("request") == RPM_REQ_RESUME:
        return -k.errno.EAGAIN
    if _resume_latency(k, pm.dev) == 0:
        return -k.errno.EPERM
    if pm.status == RPM_SUSPENDED:
        return 1
    return 0


def _resume_latency(k, dev: int) -> int:
    from .pm_qos import resume_latency
    return resume_latency(k, dev)


def _pm_wq(k) -> int:
    """The "pm" workqueue (pm_wq), made at first use."""
    linux = k.linux
    if not getattr(linux, "pm_wq", 0):
        linux.pm_wq = k.machine.alloc("kdata", 16, 16)
        linux.timekeeping.create_queue(linux.pm_wq, "pm")
    return linux.pm_wq


def _work(k, dev: int) -> int:
    return dev + k.linux.layout.offset("struct device", "power") + k.linux.layout.offset("struct dev_pm_info", "work")


def _queue(k, pm: Pm, request: int) -> int:
    """Record the request and queue dev->power.work (pm_runtime_work) unless one is pending."""
    pm.set("request", request)
    if not pm.flag("request_pending"):
        pm.set_flag("request_pending", True)
        work = _work(k, pm.dev)
        lay, mem = k.linux.layout, k.machine.mem
        mem.write_ptr(work, 0)
        entry = work + lay.offset("struct work_struct", "entry")
        mem.write_ptr(entry, entry)
        mem.write_ptr(entry + k.machine.word_size, entry)
        mem.write_ptr(work + lay.offset("struct work_struct", "func"), k.installed["__kemu_pm_runtime_work"][1])
        k.linux.timekeeping.queue(_pm_wq(k), work, None)
    return 0


def _deactivate_timer(k, pm: Pm) -> None:
    """pm_runtime_deactivate_timer: a running suspend timer is stopped."""
    if k.machine.mem.read_u64(pm.off("timer_expires")):
        k.linux.hrtimers.remove(_timer(k, pm.dev))
        k.machine.mem.write_u64(pm.off("timer_expires"), 0)


@table.service("enum hrtimer_restart __kemu_pm_suspend_timer_fn(struct hrtimer *timer)")
def __kemu_pm_suspend_timer_fn(k, timer: int) -> int:
    """pm_suspend_timer_fn: the autosuspend delay ran out — request the suspend (async)."""
    lay = k.linux.layout
    dev = timer - lay.offset("struct device", "power") - lay.offset("struct dev_pm_info", "suspend_timer")
    pm = Pm(k, dev)
    expires = k.machine.mem.read_u64(pm.off("timer_expires"))
    from ..busy_time import read_clock
    if expires and expires <= read_clock(k.linux, 1):
        k.machine.mem.write_u64(pm.off("timer_expires"), 0)
        rpm_suspend(k, dev, RPM_ASYNC | RPM_AUTO if pm.flag("timer_autosuspends") else RPM_ASYNC)
    return 0                                                # HRTIMER_NORESTART


def _cancel(k, pm: Pm) -> None:
    """pm_runtime_cancel_pending: the suspend timer stopped, a queued request cancelled."""
    _deactivate_timer(k, pm)
    if pm.flag("request_pending"):
        k.linux.timekeeping.cancel_work(_work(k, pm.dev))
        pm.set_flag("request_pending", False)
    pm.set("request", RPM_REQ_NONE)


@table.service("void __kemu_pm_runtime_work(struct work_struct *work)")
def __kemu_pm_runtime_work(k, work: int) -> None:
    """pm_runtime_work: carry out the device's pending request."""
    dev = work - k.linux.layout.offset("struct device", "power") - k.linux.layout.offset("struct dev_pm_info", "work")
    pm = Pm(k, dev)
    if not pm.flag("request_pending"):
        return
    request = pm.get("request")
    pm.set("request", RPM_REQ_NONE)
    pm.set_flag("request_pending", False)
    if request == RPM_REQ_IDLE:
        rpm_idle(k, dev, RPM_NOWAIT)
    elif request == RPM_REQ_SUSPEND:
        rpm_suspend(k, dev, RPM_NOWAIT)
    elif request == RPM_REQ_AUTOSUSPEND:
        rpm_suspend(k, dev, RPM_NOWAIT | RPM_AUTO)
    elif request == RPM_REQ_RESUME:
        rpm_resume(k, dev, RPM_NOWAIT)


def rpm_idle(k, dev: int, flags: int) -> int:
    pm = Pm(k, dev)
    ret = _suspend_allowed(k, pm)
    if ret >= 0:
        if pm.status != RPM_ACTIVE:
            ret = -k.errno.EAGAIN
        elif pm.flag("request_pending") and pm.get("request") > RPM_REQ_IDLE:
            ret = -k.errno.EAGAIN
        elif pm.flag("idle_notification"):
            ret = -k.errno.EINPROGRESS
    if ret:
        return ret
    pm.set("request", RPM_REQ_NONE)
    cb = _callback(k, dev, "runtime_idle")
    if cb and not pm.flag("no_callbacks"):
        if flags & RPM_ASYNC:
            return _queue(k, pm, RPM_REQ_IDLE)
        pm.set_flag("idle_notification", True)
        ret = k.linux.call_kernel_pointer(cb, dev, what="runtime_idle")
        pm.set_flag("idle_notification", False)
        if ret:
            return ret
    return rpm_suspend(k, dev, flags | RPM_AUTO)


def _autosuspend_expiration(k, pm: Pm) -> int:
    """pm_runtime_autosuspend_expiration: when the delay since last_busy runs out (0: now)."""
    if not pm.flag("use_autosuspend"):
        return 0
    delay = pm.get("autosuspend_delay")
    if delay < 0:
        return 0
    expires = k.machine.mem.read_u64(pm.off("last_busy")) + delay * NSEC_PER_MSEC
    from ..busy_time import read_clock
    return expires if expires > read_clock(k.linux, 1) else 0


def rpm_suspend(k, dev: int, flags: int) -> int:
    pm = Pm(k, dev)
    ret = _suspend_allowed(k, pm)
    if ret == 0 and pm.status == RPM_RESUMING:
        ret = -k.errno.EAGAIN
    if ret:
        return ret
    expires = _autosuspend_expiration(k, pm) if flags & RPM_AUTO else 0
    if expires:
        pm.set("request", RPM_REQ_NONE)
        at = pm.off("timer_expires")
        armed = k.machine.mem.read_u64(at)
        if not (armed and armed <= expires):
            from . import hrtimers
            k.machine.mem.write_u64(at, expires)
            hrtimers.hrtimer_start_range_ns(k, _timer(k, dev), expires, 0, 0)
        pm.set_flag("timer_autosuspends", True)
        return 0
    pm.set_flag("timer_autosuspends", False)
    if flags & RPM_ASYNC:
        return _queue(k, pm, RPM_REQ_AUTOSUSPEND if flags & RPM_AUTO else RPM_REQ_SUSPEND)
    pm.set("request", RPM_REQ_NONE)
    if not pm.flag("no_callbacks"):
        pm.status = RPM_SUSPENDING
        ret = _rpm_callback(k, pm, _callback(k, dev, "runtime_suspend"), "runtime_suspend")
        if ret:
            pm.status = RPM_ACTIVE
            pm.set_flag("deferred_resume", False)
            if ret in (-k.errno.EAGAIN, -k.errno.EBUSY):
                pm.set("runtime_error", 0)
            else:
                _cancel(k, pm)
            return ret
    pm.status = RPM_SUSPENDED
    _deactivate_timer(k, pm)
    parent = pm.parent()
    if parent is not None:
        if parent.get("child_count") > 0:
            parent.add("child_count", -1)
        if not parent.flag("ignore_children"):
            rpm_idle(k, parent.dev, RPM_ASYNC)
    if pm.flag("deferred_resume"):
        pm.set_flag("deferred_resume", False)
        rpm_resume(k, dev, 0)
        return -k.errno.EAGAIN
    return 0


def rpm_resume(k, dev: int, flags: int) -> int:
    pm = Pm(k, dev)
    if pm.get("runtime_error"):
        return -k.errno.EINVAL
    if pm.disable_depth > 0:
        if pm.status == RPM_ACTIVE and pm.get("last_status") == RPM_ACTIVE:
            return 1
        return -k.errno.EACCES
    pm.set("request", RPM_REQ_NONE)
    if not pm.flag("timer_autosuspends"):
        _deactivate_timer(k, pm)                 # a running autosuspend timer is left to run
    if pm.status == RPM_ACTIVE:
        return 1
    if flags & RPM_ASYNC:
        return _queue(k, pm, RPM_REQ_RESUME)
    parent = pm.parent()
    if parent is not None and not pm.flag("irq_safe"):
        parent.add("usage_count", 1)              # pm_runtime_get_noresume(parent)
        ret = 0
        if not parent.disable_depth and not parent.flag("ignore_children"):
            rpm_resume(k, parent.dev, 0)
            if parent.status != RPM_ACTIVE:
                ret = -k.errno.EBUSY
        if not ret:
            ret = _resume_self(k, pm, parent)
        if parent.add("usage_count", -1) == 0:     # pm_runtime_put(parent): an async idle
            rpm_idle(k, parent.dev, RPM_ASYNC)
        return ret
    return _resume_self(k, pm, None)


def _resume_self(k, pm: Pm, parent: "Pm | None") -> int:
    ret = 0
    if not pm.flag("no_callbacks"):
        pm.status = RPM_RESUMING
        ret = _rpm_callback(k, pm, _callback(k, pm.dev, "runtime_resume"), "runtime_resume")
    if ret:
        pm.status = RPM_SUSPENDED
        _cancel(k, pm)
        return ret
    pm.status = RPM_ACTIVE
    from ..busy_time import read_clock
    k.machine.mem.write_u64(pm.off("last_busy"), read_clock(k.linux, 1))
    if parent is not None:
        parent.add("child_count", 1)
    rpm_idle(k, pm.dev, RPM_ASYNC)
    return 0


def _drop_usage(k, pm: Pm) -> int:
    """rpm_drop_usage_count: the new count, or -EINVAL (and a warning) below zero."""
    count = pm.add("usage_count", -1)
    if count >= 0:
        return count
    pm.add("usage_count", 1)
    _dev_warn(k, pm.dev, "Runtime PM usage count underflow!")
    return -k.errno.EINVAL


def _check(k, dev: int) -> bool:
    return bool(dev) and dev < (1 << (8 * k.machine.word_size)) - 4096


# --- the services -------------------------------------------------------------------------------

def _put_then(k, dev: int, rpmflags: int, step) -> int:
    """With RPM_GET_PUT drop a usage count first: the step runs only when it reached 0."""
    if not _check(k, dev):
        return -k.errno.EINVAL
    if rpmflags & RPM_GET_PUT:
        count = _drop_usage(k, Pm(k, dev))
        if count:
            return min(count, 0)
    return step(k, dev, rpmflags)


@table.service("int __pm_runtime_idle(struct device *dev, int rpmflags)")
def __pm_runtime_idle(k, dev: int, rpmflags: int) -> int:
    """An idle notification (after dropping a usage count with RPM_GET_PUT)."""
    return _put_then(k, dev, rpmflags, rpm_idle)


@table.service("int __pm_runtime_suspend(struct device *dev, int rpmflags)")
def __pm_runtime_suspend(k, dev: int, rpmflags: int) -> int:
    """Suspend (after dropping a usage count with RPM_GET_PUT)."""
    return _put_then(k, dev, rpmflags, rpm_suspend)


@table.service("int __pm_runtime_resume(struct device *dev, int rpmflags)")
def __pm_runtime_resume(k, dev: int, rpmflags: int) -> int:
    """Resume (taking a usage count first with RPM_GET_PUT); 1 if it already was active."""
    if not _check(k, dev):
        return -k.errno.EINVAL
    if rpmflags & RPM_GET_PUT:
        Pm(k, dev).add("usage_count", 1)
    return rpm_resume(k, dev, rpmflags)


@table.service("int __pm_runtime_set_status(struct device *dev, unsigned int status)")
def __pm_runtime_set_status(k, dev: int, status: int) -> int:
    """Set the status of a device whose runtime PM is disabled (or in error)."""
    if status not in (RPM_ACTIVE, RPM_SUSPENDED) or not _check(k, dev):
        return -k.errno.EINVAL
    pm = Pm(k, dev)
    if pm.get("runtime_error") or pm.disable_depth:
        pm.disable_depth = pm.disable_depth + 1
    else:
        return -k.errno.EAGAIN
    error = 0
    parent = pm.parent()
    if pm.status != status and parent is not None:
        if status == RPM_SUSPENDED:
            if parent.get("child_count") > 0:
                parent.add("child_count", -1)
        elif parent.disable_depth and not parent.flag("ignore_children") and parent.status != RPM_ACTIVE:
            from .driver_core import device_name
            k.linux.pr(f"runtime PM trying to activate child device {device_name(k, dev)} but parent "
                       f"({device_name(k, parent.dev)}) is not active", 3)
            error = -k.errno.EBUSY
        elif pm.status == RPM_SUSPENDED:
            parent.add("child_count", 1)
    if not error:
        pm.status = status
        pm.set("runtime_error", 0)
    if status == RPM_SUSPENDED and parent is not None and not error and not parent.flag("ignore_children"):
        rpm_idle(k, parent.dev, RPM_ASYNC)
    pm_runtime_enable(k, dev)
    return error


@table.service("void pm_runtime_enable(struct device *dev)")
def pm_runtime_enable(k, dev: int) -> None:
    """One disable fewer ("Unbalanced pm_runtime_enable!" when none is left)."""
    pm = Pm(k, dev)
    if not pm.disable_depth:
        _dev_warn(k, dev, "Unbalanced pm_runtime_enable!")
        return
    pm.disable_depth = pm.disable_depth - 1
    if pm.disable_depth:
        return
    pm.set("last_status", RPM_INVALID)
    if pm.status == RPM_SUSPENDED and not pm.flag("ignore_children") and pm.get("child_count") > 0:
        _dev_warn(k, dev, "Enabling runtime PM for inactive device with active children")


@table.service("void __pm_runtime_disable(struct device *dev, bool check_resume)")
def __pm_runtime_disable(k, dev: int, check_resume: int) -> None:
    """One disable more; the first one carries out a pending resume request (check_resume)
    and remembers the status in last_status."""
    pm = Pm(k, dev)
    if pm.disable_depth > 0:
        pm.disable_depth = pm.disable_depth + 1
        return
    if check_resume & 0xFF and pm.flag("request_pending") and pm.get("request") == RPM_REQ_RESUME:
        pm.add("usage_count", 1)
        rpm_resume(k, dev, 0)
        pm.add("usage_count", -1)
    pm.disable_depth = 1
    _cancel(k, pm)
    pm.set("last_status", pm.status)


@table.service("void pm_runtime_forbid(struct device *dev)")
def pm_runtime_forbid(k, dev: int) -> None:
    """User space said "on": hold a usage count and resume."""
    pm = Pm(k, dev)
    if not pm.flag("runtime_auto"):
        return
    pm.set_flag("runtime_auto", False)
    pm.add("usage_count", 1)
    rpm_resume(k, dev, 0)


@table.service("void pm_runtime_allow(struct device *dev)")
def pm_runtime_allow(k, dev: int) -> None:
    """User space said "auto": drop the count forbid held and try an idle."""
    pm = Pm(k, dev)
    if pm.flag("runtime_auto"):
        return
    pm.set_flag("runtime_auto", True)
    if _drop_usage(k, pm) == 0:
        rpm_idle(k, dev, RPM_AUTO | RPM_ASYNC)


@table.service("void pm_runtime_no_callbacks(struct device *dev)")
def pm_runtime_no_callbacks(k, dev: int) -> None:
    """The device has no runtime PM callbacks: status changes succeed without calling any."""
    Pm(k, dev).set_flag("no_callbacks", True)


def _update_autosuspend(k, dev: int, old_delay: int, old_use: bool) -> None:
    """update_autosuspend: a negative delay with autosuspend in use prevents suspending (a
    usage count held); otherwise an idle check runs."""
    pm = Pm(k, dev)
    if pm.flag("use_autosuspend") and pm.get("autosuspend_delay") < 0:
        if not old_use or old_delay >= 0:
            pm.add("usage_count", 1)
            rpm_resume(k, dev, 0)
        return
    if old_use and old_delay < 0:
        pm.add("usage_count", -1)
    rpm_idle(k, dev, RPM_AUTO)


@table.service("void pm_runtime_set_autosuspend_delay(struct device *dev, int delay)")
def pm_runtime_set_autosuspend_delay(k, dev: int, delay: int) -> None:
    """The autosuspend delay in ms (negative: never autosuspend)."""
    pm = Pm(k, dev)
    old_delay, old_use = pm.get("autosuspend_delay"), pm.flag("use_autosuspend")
    pm.set("autosuspend_delay", delay)
    _update_autosuspend(k, dev, old_delay, old_use)


@table.service("void __pm_runtime_use_autosuspend(struct device *dev, bool use)")
def __pm_runtime_use_autosuspend(k, dev: int, use: int) -> None:
    """Turn autosuspend on or off."""
    pm = Pm(k, dev)
    old_delay, old_use = pm.get("autosuspend_delay"), pm.flag("use_autosuspend")
    pm.set_flag("use_autosuspend", bool(use & 0xFF))
    _update_autosuspend(k, dev, old_delay, old_use)


@table.service("int pm_runtime_barrier(struct device *dev)")
def pm_runtime_barrier(k, dev: int) -> int:
    """Carry out a pending resume request (1 if there was one) and cancel the others."""
    pm = Pm(k, dev)
    pm.add("usage_count", 1)
    ret = 0
    if pm.flag("request_pending") and pm.get("request") == RPM_REQ_RESUME:
        rpm_resume(k, dev, 0)
        ret = 1
    _cancel(k, pm)
    pm.add("usage_count", -1)
    return ret


def device_gone(k, dev: int) -> None:
    """device_del's pm_runtime_remove: disabled once more, then pm_runtime_reinit — an
    active device is set suspended (its parent's child count given back)."""
    __pm_runtime_disable(k, dev, 0)
    if Pm(k, dev).status == RPM_ACTIVE:
        __pm_runtime_set_status(k, dev, RPM_SUSPENDED)
