"""Scheduling policy of kernel threads (kernel/sched/core.c; 6.1): sched_set_fifo,
sched_set_fifo_low and sched_set_normal, what drivers call on the threads they create (the
watchdog core makes its kworker SCHED_FIFO so pings are not starved).

They set what __setscheduler_params sets in the task: the policy, rt_priority, and the
derived priorities (for a real-time task normal_prio = prio = MAX_RT_PRIO - 1 -
rt_priority; for SCHED_NORMAL static_prio = NICE_TO_PRIO(nice) and prio = normal_prio =
static_prio). kemu runs one thing at a time, so the policy changes no order of execution;
it is kept for whoever reads the task (a debugger, /proc). A NULL task faults on the write,
as it would in the kernel.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("sched_policy")

SCHED_NORMAL, SCHED_FIFO = 0, 1
MAX_RT_PRIO = 100
DEFAULT_PRIO = 120              # NICE_TO_PRIO(0)


def _set(k, p: int, field: str, value: int) -> None:
    k.machine.mem.write_u32(p + k.linux.layout.offset("struct task_struct", field), value & 0xFFFFFFFF)


def _rt(k, p: int, rt_priority: int) -> None:
    _set(k, p, "policy", SCHED_FIFO)
    _set(k, p, "rt_priority", rt_priority)
    _set(k, p, "normal_prio", MAX_RT_PRIO - 1 - rt_priority)
    _set(k, p, "prio", MAX_RT_PRIO - 1 - rt_priority)


@table.service("void sched_set_fifo(struct task_struct *p)")
def sched_set_fifo(k, p: int) -> None:
    """SCHED_FIFO at priority MAX_RT_PRIO / 2."""
    _rt(k, p, MAX_RT_PRIO // 2)


@table.service("void sched_set_fifo_low(struct task_struct *p)")
def sched_set_fifo_low(k, p: int) -> None:
    """SCHED_FIFO at the lowest real-time priority, 1."""
    _rt(k, p, 1)


@table.service("void sched_set_normal(struct task_struct *p, int nice)")
def sched_set_normal(k, p: int, nice: int) -> None:
    """SCHED_NORMAL at `nice` (clamped to -20..19 as the kernel's nice range)."""
    prio = DEFAULT_PRIO + max(-20, min(19, nice))
    _set(k, p, "policy", SCHED_NORMAL)
    _set(k, p, "rt_priority", 0)
    _set(k, p, "static_prio", prio)
    _set(k, p, "normal_prio", prio)
    _set(k, p, "prio", prio)
