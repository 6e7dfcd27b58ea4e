"""The rest of kern_conf.c's device calls a kld makes: make_dev_p and make_dev_cred, the
device references (dev_ref/dev_refl/dev_rel) and thread references (dev_refthread/
dev_relthread), and the deferred destruction destroy_dev_sched(_cb) + destroy_dev_drain.

FreeBSD 14 hands a scheduled destruction to a taskqueue thread; kemu runs one thread, so
the device goes (and the callback runs) before destroy_dev_sched returns, which is a moment
the taskqueue could have picked. destroy_dev_drain then finds nothing left to wait for.
A thread reference to a device that is gone yields NULL, as it does once si_flags has
SI_DYING; references are counted per device so `dev_rel` of one never taken panics.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("freebsd-kern-conf-extra")


def _fb(k):
    return k.freebsd


def _caller(call) -> int | None:
    return call.return_address if call is not None else None


def _refs(k) -> dict[int, int]:
    return _fb(k).__dict__.setdefault("dev_refs", {})


def _live(k, dev: int, who: str):
    cdev = _fb(k).devices.by_addr.get(dev)
    if cdev is None:
        raise KernelPanic(f"{who}: {dev:#x} is not a device")
    return cdev


@table.service("int make_dev_p(int flags, struct cdev **cdev, struct cdevsw *devsw, struct ucred *cr, "
               "uid_t uid, gid_t gid, int mode, const char *fmt, ...)", needs_call=True)
def make_dev_p(k, flags: int, cdevp: int, devsw: int, cr: int, uid: int, gid: int, mode: int,
               fmt: int, va, call=None) -> int:
    """make_dev_credf that returns the error (EEXIST, EINVAL, ENAMETOOLONG) and stores the
    device in *cdev: the name is always checked, never a panic."""
    name = k.format(fmt, va)
    devices = _fb(k).devices
    error, addr = devices.make(devsw, unit=0, uid=uid, gid=gid, mode=mode, raw_name=name,
                               flags=flags | devices.MAKEDEV_CHECKNAME, caller=_caller(call))
    k.check_range(cdevp, k.word_size, "write")
    k.machine.mem.write_int(cdevp, k.word_size, addr)
    return error


@table.service("struct cdev *make_dev_cred(struct cdevsw *devsw, int unit, struct ucred *cr, "
               "uid_t uid, gid_t gid, int perms, const char *fmt, ...)", needs_call=True)
def make_dev_cred(k, devsw: int, unit: int, cr: int, uid: int, gid: int, perms: int, fmt: int, va,
                  call=None) -> int:
    """make_dev with a credential (kemu's devfs has no MAC labels, so it is make_dev)."""
    name = k.format(fmt, va)
    return _fb(k).devices.make(devsw, unit, uid, gid, perms, name, flags=0, caller=_caller(call))[1]


@table.service("void dev_ref(struct cdev *dev)")
def dev_ref(k, dev: int) -> None:
    """Take a reference on the device."""
    _live(k, dev, "dev_ref")
    _refs(k)[dev] = _refs(k).get(dev, 0) + 1


@table.service("void dev_refl(struct cdev *dev)")
def dev_refl(k, dev: int) -> None:
    """dev_ref with the devmtx held (kemu's one thread holds it implicitly)."""
    _live(k, dev, "dev_refl")
    _refs(k)[dev] = _refs(k).get(dev, 0) + 1


@table.service("void dev_rel(struct cdev *dev)")
def dev_rel(k, dev: int) -> None:
    """Drop a reference dev_ref took; one never taken is the refcount underflow FreeBSD
    asserts on."""
    refs = _refs(k)
    if refs.get(dev, 0) <= 0:
        raise KernelPanic(f"dev_rel: {dev:#x}: si_refcount would go negative (no dev_ref)")
    refs[dev] -= 1
    if not refs[dev]:
        del refs[dev]


@table.service("struct cdevsw *dev_refthread(struct cdev *dev, int *ref)")
def dev_refthread(k, dev: int, ref: int) -> int:
    """The device's cdevsw with a thread reference (*ref = 1), or NULL (*ref = 0) when the
    device is being (or has been) destroyed."""
    cdev = _fb(k).devices.by_addr.get(dev)
    k.check_range(ref, 4, "write")
    k.machine.mem.write_int(ref, 4, 1 if cdev is not None else 0)
    if cdev is None:
        return 0
    threads = _fb(k).__dict__.setdefault("dev_threads", {})
    threads[dev] = threads.get(dev, 0) + 1
    return cdev.devsw


@table.service("void dev_relthread(struct cdev *dev, int ref)")
def dev_relthread(k, dev: int, ref: int) -> None:
    """Drop the thread reference dev_refthread took (nothing when ref is 0)."""
    if not ref:
        return
    threads = _fb(k).__dict__.setdefault("dev_threads", {})
    if threads.get(dev, 0) <= 0:
        raise KernelPanic(f"dev_relthread: {dev:#x}: si_threadcount would go negative")
    threads[dev] -= 1


def _destroy_scheduled(k, dev: int, cb: int, arg: int, who: str, call) -> int:
    _live(k, dev, who)
    _fb(k).devices.destroy(dev, caller=_caller(call))
    _fb(k).__dict__.get("dev_threads", {}).pop(dev, None)
    if cb:
        _fb(k).call_guest(cb, arg, what=f"{who} callback")
    return 0


@table.service("int destroy_dev_sched(struct cdev *dev)", needs_call=True)
def destroy_dev_sched(k, dev: int, call=None) -> int:
    """Destroy the device from the (here immediate) taskqueue; 0."""
    return _destroy_scheduled(k, dev, 0, 0, "destroy_dev_sched", call)


@table.service("int destroy_dev_sched_cb(struct cdev *dev, void *cb, void *arg)", needs_call=True)
def destroy_dev_sched_cb(k, dev: int, cb: int, arg: int, call=None) -> int:
    """destroy_dev_sched, then cb(arg) once the device is gone; 0."""
    return _destroy_scheduled(k, dev, cb, arg, "destroy_dev_sched_cb", call)


@table.service("void destroy_dev_drain(struct cdevsw *csw)")
def destroy_dev_drain(k, csw: int) -> None:
    """Wait for the scheduled destructions of csw's devices: they have all run already."""
    return None
