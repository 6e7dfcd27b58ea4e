"""DO_ONCE (lib/once.c, 6.1): the out-of-line half of the macro that runs a function once
per boot (ipvlan, openvswitch and rds seed their hash secrets with it).

__do_once_start answers whether this caller is the one to run it (the `done` flag still
false) with the once lock held and interrupts saved in *flags, as the kernel does;
__do_once_done sets `done` and releases. The kernel then disables the static key from a
work item so later passes skip the call; kemu leaves the key (static keys are the notifiers
task's), so later passes reach __do_once_start again and are told no."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("do_once")


@table.service("bool __do_once_start(bool *done, unsigned long *flags)")
def __do_once_start(k, done: int, flags: int) -> int:
    """True if the function has not run yet (the caller runs it, then __do_once_done)."""
    k.machine.mem.write_ptr(flags, 0)
    return int(not k.machine.mem.read_u8(done))


@table.service("void __do_once_done(bool *done, void *once_key, unsigned long *flags, struct module *mod)")
def __do_once_done(k, done: int, once_key: int, flags: int, mod: int) -> None:
    """Mark it run."""
    k.machine.mem.write_u8(done, 1)


@table.service("bool __do_once_sleepable_start(bool *done)")
def __do_once_sleepable_start(k, done: int) -> int:
    """DO_ONCE_SLEEPABLE: the same under a mutex."""
    return int(not k.machine.mem.read_u8(done))


@table.service("void __do_once_sleepable_done(bool *done, void *once_key, struct module *mod)")
def __do_once_sleepable_done(k, done: int, once_key: int, mod: int) -> None:
    k.machine.mem.write_u8(done, 1)
