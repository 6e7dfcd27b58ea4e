"""RCU read-side critical sections as modules see them (kernel/rcu/tree_plugin.h in Linux 6.1,
CONFIG_PREEMPT_RCU as Debian builds it, so rcu_read_lock() is a call, e.g. inside net_generic()).

`__rcu_read_lock` deepens the current task's rcu_read_lock_nesting and `__rcu_read_unlock`
ends one level. kemu runs one CPU, so a grace period (rcu_callbacks.py) never waits for
another CPU's reader, but the depth is kept: waiting for a grace period inside a section is
the stall rcu_callbacks.py reports, and an unlock without a lock is reported as the kernel's
lockdep would.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("rcu_read")


def _depth(k) -> list[int]:
    linux = k.linux
    if "rcu_read_depth" not in linux.__dict__:
        linux.__dict__["rcu_read_depth"] = [0]
    return linux.__dict__["rcu_read_depth"]


@table.service("void __rcu_read_lock(void)")
def __rcu_read_lock(k) -> None:
    """Enter a read-side critical section (nesting allowed)."""
    _depth(k)[0] += 1


@table.service("void __rcu_read_unlock(void)")
def __rcu_read_unlock(k) -> None:
    """Leave one level; leaving none is lockdep's "rcu_read_unlock() without lock" WARN."""
    depth = _depth(k)
    if depth[0] <= 0:
        k.linux.pr("WARNING: suspicious RCU usage: rcu_read_unlock() without rcu_read_lock()", 4)
        k.linux.add_taint("W")
        return
    depth[0] -= 1


def rcu_read_depth(k) -> int:
    """How deep the current read-side critical section is nested (0: outside)."""
    return _depth(k)[0]
