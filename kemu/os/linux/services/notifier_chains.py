"""Notifier chains (kernel/notifier.c in Linux 6.1): the four head types a module declares
(ATOMIC_NOTIFIER_HEAD, BLOCKING_NOTIFIER_HEAD, RAW_NOTIFIER_HEAD, srcu_notifier_head) and the
calls that register on them and fire them.

The chain is what the kernel has: a singly linked list of `struct notifier_block` IN GUEST
MEMORY, starting at the head's `head` pointer and linked through `nb->next`, highest
`priority` first (a new block goes after the blocks of its own priority). So a module that
walks the list itself, or declares a head and hands it to another module, sees what the kernel
would. Registering a block that is already on the chain is 6.1's WARN "notifier callback %ps
already registered" and -EEXIST; `*_register_unique_prio` refuses a priority already taken
with -EBUSY; unregistering a block that is not there is -ENOENT. Calling the chain calls each
`notifier_call(nb, val, v)` in order (the next pointer read before the call, as the kernel
does, so a callback may unregister itself) until one returns a value with NOTIFY_STOP_MASK;
the last return value (NOTIFY_DONE for an empty chain) is the result. The `_robust` calls
roll back: when the up-event is stopped, the blocks already told get `val_down`.

kemu has one CPU and no preemption between guest calls, so the head's spinlock, rwsem or
SRCU read side has nothing to exclude: the services keep the list, not the lock.

A module unloading with a block still registered would leave the kernel calling freed code
(the real kernel's crash at the next event); kemu takes the block off the chain, and the
unload lists it among what the module left behind.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .kernel_pointer import kernel_struct
from .owner import owning_module

table = ServiceTable("notifier_chains")

NOTIFY_DONE = 0x0000
NOTIFY_OK = 0x0001
NOTIFY_STOP_MASK = 0x8000

HEADS = {"atomic": "struct atomic_notifier_head", "blocking": "struct blocking_notifier_head",
         "raw": "struct raw_notifier_head", "srcu": "struct srcu_notifier_head"}


def _signed(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def head_list(k, kind: str, nh: int) -> int:
    """The address of the `head` pointer (struct notifier_block **) of a `kind` head at `nh`."""
    kernel_struct(k, nh, HEADS[kind], f"the {HEADS[kind]} given to a notifier call")
    return nh + k.linux.layout.offset(HEADS[kind], "head")


def _nb_field(k, nb: int, name: str) -> int:
    return k.linux.layout.offset("struct notifier_block", name) + nb


def _next(k, nb: int) -> int:
    return k.machine.mem.read_ptr(_nb_field(k, nb, "next"))


def _priority(k, nb: int) -> int:
    return _signed(k.machine.mem.read_u32(_nb_field(k, nb, "priority")))


def blocks(k, nl: int) -> list[int]:
    """The blocks on the chain whose head pointer is at `nl`, in call order."""
    out, nb = [], k.machine.mem.read_ptr(nl)
    while nb and len(out) < 100000:
        out.append(nb)
        nb = _next(k, nb)
    return out


def _undo_key(nl: int, nb: int) -> str:
    return f"notifier {nb:#x} on chain {nl:#x}"


def chain_register(k, nl: int, nb: int, call=None, *, unique_priority: bool = False) -> int:
    """notifier_chain_register: link `nb` in priority order; -EEXIST (WARN) if it is already
    on the chain, -EBUSY for a taken priority when `unique_priority`."""
    kernel_struct(k, nb, "struct notifier_block", "the notifier_block registered")
    mem = k.machine.mem
    prio = _priority(k, nb)
    link = nl
    while (cur := mem.read_ptr(link)):
        if cur == nb:
            fn = mem.read_ptr(_nb_field(k, nb, "notifier_call"))
            k.linux.pr("------------[ cut here ]------------", 4)
            k.linux.pr(f"notifier callback {k.machine.symbolize(fn)} already registered", 4)
            k.linux.add_taint("W")
            return -k.errno.EEXIST
        other = _priority(k, cur)
        if prio > other:
            break
        if prio == other and unique_priority:
            return -k.errno.EBUSY
        link = _nb_field(k, cur, "next")
    mem.write_ptr(_nb_field(k, nb, "next"), mem.read_ptr(link))
    mem.write_ptr(link, nb)
    fn = mem.read_ptr(_nb_field(k, nb, "notifier_call"))
    module = k.loader.module_at(fn) or owning_module(k, call)
    if module is not None:
        module.on_unload(_undo_key(nl, nb), lambda: _left_registered(k, module, nl, nb, fn))
    return 0


def _left_registered(k, module, nl: int, nb: int, fn: int) -> None:
    """The module went with its block on the chain: say so, and unlink it."""
    k.linux.pr(f"kemu: {module.name} went with notifier {k.machine.symbolize(fn)} still registered: "
               "removed (the kernel would call freed code at the next event)", 4)
    _unlink(k, nl, nb)


def _unlink(k, nl: int, nb: int) -> bool:
    mem, link = k.machine.mem, nl
    while (cur := mem.read_ptr(link)):
        if cur == nb:
            mem.write_ptr(link, _next(k, nb))
            return True
        link = _nb_field(k, cur, "next")
    return False


def chain_unregister(k, nl: int, nb: int) -> int:
    """notifier_chain_unregister: unlink `nb`; -ENOENT if it is not on the chain."""
    if not _unlink(k, nl, nb):
        return -k.errno.ENOENT
    for m in k.loader.modules:
        m.forget_undo(_undo_key(nl, nb))
    return 0


def chain_call(k, nl: int, val: int, v: int, nr_to_call: int = -1) -> tuple[int, int]:
    """notifier_call_chain: (the last notifier's return value, how many were called)."""
    mem, ret, calls = k.machine.mem, NOTIFY_DONE, 0
    nb = mem.read_ptr(nl)
    while nb and nr_to_call:
        nxt = _next(k, nb)
        fn = mem.read_ptr(_nb_field(k, nb, "notifier_call"))
        ret = k.linux.call_kernel_pointer(fn, nb, val, v, what="notifier_call")
        calls += 1
        if ret & NOTIFY_STOP_MASK:
            break
        nb = nxt
        nr_to_call -= 1
    return ret, calls


def chain_call_robust(k, nl: int, val_up: int, val_down: int, v: int) -> int:
    """notifier_call_chain_robust: on a stopped up-event, tell the ones before it `val_down`."""
    ret, nr = chain_call(k, nl, val_up, v)
    if ret & NOTIFY_STOP_MASK:
        chain_call(k, nl, val_down, v, nr - 1)
    return ret


# --- the services ------------------------------------------------------------------------------
@table.service("int atomic_notifier_chain_register(struct atomic_notifier_head *nh, struct notifier_block *nb)",
               needs_call=True)
def atomic_notifier_chain_register(k, nh: int, nb: int, call=None) -> int:
    """Add to an atomic chain (callbacks run in atomic context, under RCU)."""
    return chain_register(k, head_list(k, "atomic", nh), nb, call)


@table.service("int atomic_notifier_chain_register_unique_prio(struct atomic_notifier_head *nh, "
               "struct notifier_block *nb)", needs_call=True)
def atomic_notifier_chain_register_unique_prio(k, nh: int, nb: int, call=None) -> int:
    """As atomic_notifier_chain_register; -EBUSY if a block has this priority already."""
    return chain_register(k, head_list(k, "atomic", nh), nb, call, unique_priority=True)


@table.service("int atomic_notifier_chain_unregister(struct atomic_notifier_head *nh, struct notifier_block *nb)")
def atomic_notifier_chain_unregister(k, nh: int, nb: int) -> int:
    """Remove from an atomic chain (then synchronize_rcu: no reader is left on one CPU)."""
    return chain_unregister(k, head_list(k, "atomic", nh), nb)


@table.service("int atomic_notifier_call_chain(struct atomic_notifier_head *nh, unsigned long val, void *v)")
def atomic_notifier_call_chain(k, nh: int, val: int, v: int) -> int:
    """Call every block until one says stop; the last return value."""
    return chain_call(k, head_list(k, "atomic", nh), val, v)[0]


@table.service("bool atomic_notifier_call_chain_is_empty(struct atomic_notifier_head *nh)")
def atomic_notifier_call_chain_is_empty(k, nh: int) -> int:
    """Whether no block is registered."""
    return int(not k.machine.mem.read_ptr(head_list(k, "atomic", nh)))


@table.service("int blocking_notifier_chain_register(struct blocking_notifier_head *nh, struct notifier_block *nb)",
               needs_call=True)
def blocking_notifier_chain_register(k, nh: int, nb: int, call=None) -> int:
    """Add to a blocking chain (callbacks may sleep; the head's rwsem is taken for writing)."""
    return chain_register(k, head_list(k, "blocking", nh), nb, call)


@table.service("int blocking_notifier_chain_register_unique_prio(struct blocking_notifier_head *nh, "
               "struct notifier_block *nb)", needs_call=True)
def blocking_notifier_chain_register_unique_prio(k, nh: int, nb: int, call=None) -> int:
    """As blocking_notifier_chain_register; -EBUSY if a block has this priority already."""
    return chain_register(k, head_list(k, "blocking", nh), nb, call, unique_priority=True)


@table.service("int blocking_notifier_chain_unregister(struct blocking_notifier_head *nh, struct notifier_block *nb)")
def blocking_notifier_chain_unregister(k, nh: int, nb: int) -> int:
    """Remove from a blocking chain."""
    return chain_unregister(k, head_list(k, "blocking", nh), nb)


@table.service("int blocking_notifier_call_chain(struct blocking_notifier_head *nh, unsigned long val, void *v)")
def blocking_notifier_call_chain(k, nh: int, val: int, v: int) -> int:
    """Call every block (rwsem held for reading) until one says stop."""
    return chain_call(k, head_list(k, "blocking", nh), val, v)[0]


@table.service("int blocking_notifier_call_chain_robust(struct blocking_notifier_head *nh, "
               "unsigned long val_up, unsigned long val_down, void *v)")
def blocking_notifier_call_chain_robust(k, nh: int, val_up: int, val_down: int, v: int) -> int:
    """Call with val_up; if stopped, the blocks already called get val_down."""
    return chain_call_robust(k, head_list(k, "blocking", nh), val_up, val_down, v)


@table.service("int raw_notifier_chain_register(struct raw_notifier_head *nh, struct notifier_block *nb)",
               needs_call=True)
def raw_notifier_chain_register(k, nh: int, nb: int, call=None) -> int:
    """Add to a raw chain (the caller does the locking)."""
    return chain_register(k, head_list(k, "raw", nh), nb, call)


@table.service("int raw_notifier_chain_unregister(struct raw_notifier_head *nh, struct notifier_block *nb)")
def raw_notifier_chain_unregister(k, nh: int, nb: int) -> int:
    """Remove from a raw chain."""
    return chain_unregister(k, head_list(k, "raw", nh), nb)


@table.service("int raw_notifier_call_chain(struct raw_notifier_head *nh, unsigned long val, void *v)")
def raw_notifier_call_chain(k, nh: int, val: int, v: int) -> int:
    """Call every block until one says stop."""
    return chain_call(k, head_list(k, "raw", nh), val, v)[0]


@table.service("int raw_notifier_call_chain_robust(struct raw_notifier_head *nh, "
               "unsigned long val_up, unsigned long val_down, void *v)")
def raw_notifier_call_chain_robust(k, nh: int, val_up: int, val_down: int, v: int) -> int:
    """Call with val_up; if stopped, the blocks already called get val_down."""
    return chain_call_robust(k, head_list(k, "raw", nh), val_up, val_down, v)


@table.service("int srcu_notifier_chain_register(struct srcu_notifier_head *nh, struct notifier_block *nb)",
               needs_call=True)
def srcu_notifier_chain_register(k, nh: int, nb: int, call=None) -> int:
    """Add to an SRCU chain (the head's mutex held)."""
    return chain_register(k, head_list(k, "srcu", nh), nb, call)


@table.service("int srcu_notifier_chain_unregister(struct srcu_notifier_head *nh, struct notifier_block *nb)")
def srcu_notifier_chain_unregister(k, nh: int, nb: int) -> int:
    """Remove from an SRCU chain (then synchronize_srcu: no reader is left on one CPU)."""
    return chain_unregister(k, head_list(k, "srcu", nh), nb)


@table.service("int srcu_notifier_call_chain(struct srcu_notifier_head *nh, unsigned long val, void *v)")
def srcu_notifier_call_chain(k, nh: int, val: int, v: int) -> int:
    """Call every block inside an SRCU read-side section until one says stop."""
    return chain_call(k, head_list(k, "srcu", nh), val, v)[0]
