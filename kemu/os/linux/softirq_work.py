"""A softirq as kemu runs it: a kernel work item on a queue of its own, queued when the
softirq is raised and run on the next tick of the virtual clock (timekeeping.py). The tasklet
softirqs (services/tasklets.py) and the RCU softirq that ends grace periods
(services/rcu_callbacks.py) are built on it."""
from __future__ import annotations


def softirq_work(linux, thread: str, service: str) -> tuple[int, int]:
    """(queue, work): a workqueue named `thread` and a work_struct whose func is the installed
    service `service`; `linux.timekeeping.queue(queue, work, None)` raises the softirq."""
    lay, machine = linux.layout, linux.machine
    queue = machine.alloc("kdata", 64, 16)
    machine.mem.write(queue, bytes(64))
    linux.timekeeping.create_queue(queue, thread)
    size = lay.size("struct work_struct")
    work = machine.alloc("kdata", size, 16)
    machine.mem.write(work, bytes(size))
    entry = work + lay.offset("struct work_struct", "entry")
    machine.mem.write_ptr(entry, entry)
    machine.mem.write_ptr(entry + machine.word_size, entry)
    machine.mem.write_ptr(work + lay.offset("struct work_struct", "func"), linux.kernel.installed[service][1])
    return queue, work
