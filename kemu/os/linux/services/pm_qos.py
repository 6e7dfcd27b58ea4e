"""Device PM QoS (drivers/base/power/qos.c, 6.1): constraint requests on a device.

* dev_pm_qos_add_request / remove_request: a request of a type joins the device's list
  (-EINVAL for a bad type, a request already added — "called for already added request" —
  or LATENCY_TOLERANCE on a device without set_latency_tolerance); the answer is 1 when the
  aggregate changed (resume latency and max frequency: the smallest request; min frequency:
  the largest; flags: or-ed), else 0. req->dev and req->type are written as the kernel
  does (dev_pm_qos_request_active() reads req->dev); the values live in Python.
* dev_pm_qos_flags: NONE/SOME/ALL of a mask in the flags aggregate, UNDEFINED for a device
  without constraints.
* dev_pm_qos_expose_flags adds a kernel-owned flags request (-EEXIST when exposed already),
  freed by dev_pm_qos_hide_flags or when the device is deleted (device_gone). A
  resume-latency aggregate of 0 makes runtime suspend -EPERM (runtime_pm.py asks
  `resume_latency`).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .driver_core import model

table = ServiceTable("pm_qos")

DEV_PM_QOS_RESUME_LATENCY, DEV_PM_QOS_LATENCY_TOLERANCE = 1, 2
DEV_PM_QOS_MIN_FREQUENCY, DEV_PM_QOS_MAX_FREQUENCY, DEV_PM_QOS_FLAGS = 3, 4, 5
S32_MAX = 0x7FFFFFFF
PM_QOS_RESUME_LATENCY_NO_CONSTRAINT = S32_MAX
FREQ_QOS_MIN_DEFAULT_VALUE, FREQ_QOS_MAX_DEFAULT_VALUE = 0, S32_MAX


def _off(k, struct: str, fld: str) -> int:
    return k.linux.layout.offset(struct, fld)


def _s32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


# --- PM QoS -------------------------------------------------------------------------------------

def _qos(k) -> dict:
    """device -> {"requests": {req: (type, value)}, "flags_req": req or 0}."""
    linux = k.linux
    if not hasattr(linux, "dev_pm_qos"):
        linux.dev_pm_qos = {}
    return linux.dev_pm_qos


def _aggregate(k, dev: int, kind: int) -> int:
    values = [v for t, v in _qos(k).get(dev, {}).get("requests", {}).values() if t == kind]
    if kind == DEV_PM_QOS_FLAGS:
        out = 0
        for v in values:
            out |= v
        return out
    if kind == DEV_PM_QOS_MIN_FREQUENCY:
        return max(values, default=FREQ_QOS_MIN_DEFAULT_VALUE)
    default = FREQ_QOS_MAX_DEFAULT_VALUE if kind == DEV_PM_QOS_MAX_FREQUENCY else PM_QOS_RESUME_LATENCY_NO_CONSTRAINT
    return min(values, default=default)


def resume_latency(k, dev: int) -> int:
    """__dev_pm_qos_resume_latency: the device's resume-latency constraint."""
    return _aggregate(k, dev, DEV_PM_QOS_RESUME_LATENCY)


def _req_dev(k, req: int) -> int:
    return k.machine.mem.read_ptr(req + _off(k, "struct dev_pm_qos_request", "dev"))


def _warn(k, text: str) -> None:
    model(k).warn(text)


@table.service("int dev_pm_qos_add_request(struct device *dev, struct dev_pm_qos_request *req, "
               "enum dev_pm_qos_req_type type, s32 value)")
def dev_pm_qos_add_request(k, dev: int, req: int, kind: int, value: int) -> int:
    """Add a constraint request; 1 if the aggregate changed, 0 if not, -EINVAL."""
    mem = k.machine.mem
    if not dev or not req or not DEV_PM_QOS_RESUME_LATENCY <= kind <= DEV_PM_QOS_FLAGS:
        return -k.errno.EINVAL
    if kind == DEV_PM_QOS_LATENCY_TOLERANCE and not mem.read_ptr(
            dev + _off(k, "struct device", "power") + _off(k, "struct dev_pm_info", "set_latency_tolerance")):
        return -k.errno.EINVAL
    if _req_dev(k, req):
        _warn(k, "dev_pm_qos_add_request() called for already added request")
        return -k.errno.EINVAL
    before = _aggregate(k, dev, kind)
    _qos(k).setdefault(dev, {"requests": {}, "flags_req": 0})["requests"][req] = (kind, _s32(value))
    mem.write_ptr(req + _off(k, "struct dev_pm_qos_request", "dev"), dev)
    mem.write_u32(req + _off(k, "struct dev_pm_qos_request", "type"), kind)
    return int(_aggregate(k, dev, kind) != before)


def _remove(k, req: int) -> int:
    """__dev_pm_qos_remove_request: out of the list, the request zeroed; 1 if changed."""
    dev = _req_dev(k, req)
    state = _qos(k).get(dev, {"requests": {}})
    kind, _ = state["requests"].get(req, (0, 0))
    before = _aggregate(k, dev, kind)
    state["requests"].pop(req, None)
    k.machine.mem.write(req, bytes(k.linux.layout.size("struct dev_pm_qos_request")))
    return int(_aggregate(k, dev, kind) != before)


@table.service("int dev_pm_qos_remove_request(struct dev_pm_qos_request *req)")
def dev_pm_qos_remove_request(k, req: int) -> int:
    """Remove a request; -EINVAL for NULL or one never added ("called for unknown object")."""
    if not req:
        return -k.errno.EINVAL
    if not _req_dev(k, req):
        _warn(k, "dev_pm_qos_remove_request() called for unknown object")
        return -k.errno.EINVAL
    return _remove(k, req)


PM_QOS_FLAGS_UNDEFINED, PM_QOS_FLAGS_NONE, PM_QOS_FLAGS_SOME, PM_QOS_FLAGS_ALL = -1, 0, 1, 2


@table.service("enum pm_qos_flags_status dev_pm_qos_flags(struct device *dev, s32 mask)")
def dev_pm_qos_flags(k, dev: int, mask: int) -> int:
    """How many of the mask's flags the device's requests set: UNDEFINED without any
    constraints, else NONE, SOME or ALL."""
    if dev not in _qos(k):
        return PM_QOS_FLAGS_UNDEFINED
    value = _aggregate(k, dev, DEV_PM_QOS_FLAGS) & mask
    if not value:
        return PM_QOS_FLAGS_NONE
    return PM_QOS_FLAGS_ALL if value == mask & 0xFFFFFFFF or value == mask else PM_QOS_FLAGS_SOME


@table.service("int dev_pm_qos_expose_flags(struct device *dev, s32 value)", needs_call=True)
def dev_pm_qos_expose_flags(k, dev: int, value: int, call=None) -> int:
    """A flags request owned by the PM core (user space's pm_qos_no_power_off); -EEXIST if
    one is exposed already."""
    size = k.linux.layout.size("struct dev_pm_qos_request")
    req = k.heap.alloc(size, "dev_pm_qos_request", zero=True, caller=call.return_address if call else None)
    if not req:
        return -k.errno.ENOMEM
    ret = dev_pm_qos_add_request(k, dev, req, DEV_PM_QOS_FLAGS, value)
    if ret < 0:
        k.heap.free(req)
        return ret
    state = _qos(k)[dev]
    if state["flags_req"]:
        _remove(k, req)
        k.heap.free(req)
        return -k.errno.EEXIST
    state["flags_req"] = req
    return 0


@table.service("void dev_pm_qos_hide_flags(struct device *dev)")
def dev_pm_qos_hide_flags(k, dev: int) -> None:
    """Drop and free the exposed flags request."""
    state = _qos(k).get(dev)
    if state and state["flags_req"]:
        req, state["flags_req"] = state["flags_req"], 0
        _remove(k, req)
        k.heap.free(req)


def device_gone(k, dev: int) -> None:
    """dev_pm_qos_constraints_destroy (device_del): the PM core's own requests are freed,
    the device's constraints forgotten."""
    dev_pm_qos_hide_flags(k, dev)
    _qos(k).pop(dev, None)
