"""Locks the kernel keeps for itself and lets modules take (Linux 6.1): the CPU hotplug lock's
read side (kernel/cpu.c, a per-CPU rw-semaphore), the module parameter mutex
(kernel/params.c: the module's own `param_lock`, the global one for NULL) and the generic
netlink mutex (net/netlink/genetlink.c).

One CPU and one task: a read hold of the hotplug lock may nest (readers never wait for
readers); the mutexes may not: a task taking a mutex it already holds sleeps forever, which
the kernel's hung-task detector reports after 120 s. kemu prints that report and abandons the
call. Releasing what is not held is the kernel's "unlock of unlocked" WARN (the mutex debug
and percpu-rwsem checks); the state stays as it was.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("kernel_locks")


class KernelLocks:
    """The hotplug lock's readers and the mutexes held (by name)."""

    def __init__(self) -> None:
        self.cpus_readers = 0
        self.held: set[str] = set()


def locks(k) -> KernelLocks:
    linux = k.linux
    if "kernel_locks" not in linux.__dict__:
        linux.__dict__["kernel_locks"] = KernelLocks()
    return linux.__dict__["kernel_locks"]


def _unlock_warning(k, what: str) -> None:
    k.linux.pr("------------[ cut here ]------------", 4)
    k.linux.pr(f"WARNING: {what} released but not held", 4)
    k.linux.add_taint("W")


def mutex_take(k, name: str) -> None:
    """Take kernel mutex `name`; taken again by its holder it can never be had."""
    state = locks(k)
    if name in state.held:
        from ..bugs import current_pid_comm
        pid, comm = current_pid_comm(k.linux)
        k.linux.pr(f"INFO: task {comm}:{pid} blocked for more than 120 seconds.", 3)
        raise KernelPanic(f"{name} taken again by the task holding it: it sleeps forever")
    state.held.add(name)


def mutex_give(k, name: str) -> None:
    state = locks(k)
    if name not in state.held:
        _unlock_warning(k, name)
        return
    state.held.discard(name)


def _param_lock_name(k, mod: int) -> str:
    if not mod:
        return "param_lock"
    m = k.linux.module_by_struct(mod)
    return f"{m.name if m else hex(mod)}->param_lock"


@table.service("void cpus_read_lock(void)")
def cpus_read_lock(k) -> None:
    """Keep CPUs from coming or going (readers nest)."""
    locks(k).cpus_readers += 1


@table.service("int cpus_read_trylock(void)")
def cpus_read_trylock(k) -> int:
    """As cpus_read_lock; no hotplug writer ever holds it in kemu, so it succeeds."""
    locks(k).cpus_readers += 1
    return 1


@table.service("void cpus_read_unlock(void)")
def cpus_read_unlock(k) -> None:
    """Drop one read hold of the hotplug lock."""
    state = locks(k)
    if state.cpus_readers <= 0:
        _unlock_warning(k, "cpu_hotplug_lock (read)")
        return
    state.cpus_readers -= 1


@table.service("void kernel_param_lock(struct module *mod)")
def kernel_param_lock(k, mod: int) -> None:
    """Lock the module's parameters (sysfs writes to them wait)."""
    mutex_take(k, _param_lock_name(k, mod))


@table.service("void kernel_param_unlock(struct module *mod)")
def kernel_param_unlock(k, mod: int) -> None:
    """Unlock the module's parameters."""
    mutex_give(k, _param_lock_name(k, mod))


@table.service("void genl_lock(void)")
def genl_lock(k) -> None:
    """Take genl_mutex (generic netlink family registration and message handling)."""
    mutex_take(k, "genl_mutex")


@table.service("void genl_unlock(void)")
def genl_unlock(k) -> None:
    """Release genl_mutex."""
    mutex_give(k, "genl_mutex")
