"""Netfilter's registries as modules see them (net/netfilter/nf_sockopt.c, nf_log.c, nf_queue.c,
core.c in Linux 6.1).

* `nf_register_sockopt`: nf_sockopts, newest first; an ops of the same pf whose set or get
  option range overlaps one registered ([min, max) against [min, max)) is -EBUSY.
  `nf_unregister_sockopt` unlinks it.
* Loggers: `nf_log_register(pf, logger)` puts the logger in loggers[pf][logger->type] (every
  family for NFPROTO_UNSPEC), -EEXIST if a slot is taken, -EINVAL for pf beyond
  NFPROTO_NUMPROTO; `nf_log_unregister` clears the slots holding it. `nf_log_set(net, pf,
  logger)` makes it init_net's logger for pf if it has none (written to net->nf.nf_loggers, as
  the kernel keeps it; -EOPNOTSUPP for NFPROTO_UNSPEC or pf out of range); `nf_log_unset`
  clears it wherever it is.
* `nf_register_queue_handler` sets the one queueing backend (a second one is 6.1's WARN and
  replaces it); `nf_unregister_queue_handler` clears it.
* Hooks: `nf_register_net_hooks(net, reg, n)` adds each hook to its (family, hooknum) list in
  priority order (equal priorities keep registration order); NFPROTO_INET hooks go on both the
  IPv4 and IPv6 lists; a hooknum beyond the family's hooks, an unknown family, or a netdev /
  inet-ingress hook without a device (kemu has no net_device yet) is -EINVAL, and the hooks
  already added are taken back. `nf_unregister_net_hooks` removes them; one not registered
  is "nf_unregister_net_hook: hook not found!".
"""
from __future__ import annotations

from kemu.kernel import ServiceTable
from kemu.kernel.errors import KernelPanic

from .net_pernet import pernet
from .net_registry import Fields, OpsList, kernel_state, list_del_corruption, need, warn
from .owner import owning_module

table = ServiceTable("netfilter_regs")

NFPROTO_UNSPEC, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_ARP = 0, 1, 2, 3
NFPROTO_NETDEV, NFPROTO_BRIDGE, NFPROTO_IPV6 = 5, 7, 10
NF_LOG_TYPE_MAX = 2
NF_INET_NUMHOOKS = 5
NF_INET_INGRESS = NF_INET_NUMHOOKS
NF_ARP_NUMHOOKS = 3
#: hooks a family has in struct netns_nf (hooks_ipv4[], hooks_arp[] …)
HOOKS = {NFPROTO_IPV4: NF_INET_NUMHOOKS, NFPROTO_IPV6: NF_INET_NUMHOOKS, NFPROTO_ARP: NF_ARP_NUMHOOKS,
         NFPROTO_BRIDGE: NF_INET_NUMHOOKS}


class Netfilter:
    """nf_sockopts, the loggers table, the queue handler and init_net's hook lists."""

    def __init__(self, k) -> None:
        self.k = k
        self.sockopts = OpsList(k, "nf_sockopt_ops")
        self.loggers: dict[tuple[int, int], int] = {}            # (pf, type) -> nf_logger
        self.queue_handler = 0
        self.hooks: dict[tuple[int, int], list[int]] = {}        # (pf, hooknum) -> nf_hook_ops
        self.so = Fields(k, "struct nf_sockopt_ops")
        self.log = Fields(k, "struct nf_logger")
        self.hk = Fields(k, "struct nf_hook_ops")

    def numproto(self) -> int:
        """NFPROTO_NUMPROTO as the kernel is built: the length of net->nf.nf_loggers[]."""
        lay = self.k.linux.layout
        return lay.field_size("struct net", "nf.nf_loggers") // self.k.machine.word_size

    def net_logger_slot(self, pf: int) -> int:
        lay = self.k.linux.layout
        return pernet(self.k).net + lay.offset("struct net", "nf.nf_loggers") + pf * self.k.machine.word_size


def netfilter(k) -> Netfilter:
    return kernel_state(k, "netfilter_regs", Netfilter)


# --- socket options ------------------------------------------------------------------------------
def _overlap(min1: int, max1: int, min2: int, max2: int) -> bool:
    return max1 > min2 and min1 < max2


@table.service("int nf_register_sockopt(struct nf_sockopt_ops *reg)", needs_call=True)
def nf_register_sockopt(k, reg: int, call=None) -> int:
    """Add a {set,get}sockopt range handler; -EBUSY if a range of its family overlaps."""
    nf = netfilter(k)
    so = nf.so
    need(reg, "nf_register_sockopt's reg")
    mine = [so.s32(reg, f) for f in ("set_optmin", "set_optmax", "get_optmin", "get_optmax")]
    for ops in nf.sockopts:
        if so.u8(ops, "pf") != so.u8(reg, "pf"):
            continue
        theirs = [so.s32(ops, f) for f in ("set_optmin", "set_optmax", "get_optmin", "get_optmax")]
        if _overlap(theirs[0], theirs[1], mine[0], mine[1]) or _overlap(theirs[2], theirs[3], mine[2], mine[3]):
            return -k.errno.EBUSY
    nf.sockopts.add(reg, call, so.ptr(reg, "owner"), front=True)
    return 0


@table.service("void nf_unregister_sockopt(struct nf_sockopt_ops *reg)")
def nf_unregister_sockopt(k, reg: int) -> None:
    """Remove a sockopt range handler (list_del)."""
    if not netfilter(k).sockopts.remove(reg):
        list_del_corruption(k, "nf_sockopt_ops", reg)


# --- loggers -------------------------------------------------------------------------------------
def _logger_type(k, nf: Netfilter, logger: int) -> int:
    kind = nf.log.u32(need(logger, "nf_logger"), "type")
    if kind >= NF_LOG_TYPE_MAX:
        raise KernelPanic(f"UBSAN: array-index-out-of-bounds in net/netfilter/nf_log.c: "
                          f"logger type {kind} (NF_LOG_TYPE_MAX is {NF_LOG_TYPE_MAX})")
    return kind


def _logger_tag(logger: int) -> str:
    return f"nf_logger {logger:#x}"


@table.service("int nf_log_register(u_int8_t pf, struct nf_logger *logger)", needs_call=True)
def nf_log_register(k, pf: int, logger: int, call=None) -> int:
    """Install a logger for one family (or all with NFPROTO_UNSPEC); -EEXIST, -EINVAL."""
    nf = netfilter(k)
    pf &= 0xFF
    if pf >= nf.numproto():
        return -k.errno.EINVAL
    kind = _logger_type(k, nf, logger)
    pfs = range(nf.numproto()) if pf == NFPROTO_UNSPEC else (pf,)
    if any((p, kind) in nf.loggers for p in pfs):
        return -k.errno.EEXIST
    for p in pfs:
        nf.loggers[(p, kind)] = logger
    module = owning_module(k, call, nf.log.ptr(logger, "me"))
    if module is not None:
        module.on_unload(_logger_tag(logger), lambda: _drop_logger(k, logger))
    return 0


def _drop_logger(k, logger: int) -> None:
    nf = netfilter(k)
    for key in [key for key, v in nf.loggers.items() if v == logger]:
        del nf.loggers[key]
    _unset(k, logger)


@table.service("void nf_log_unregister(struct nf_logger *logger)")
def nf_log_unregister(k, logger: int) -> None:
    """Clear every loggers[pf][type] slot that holds this logger."""
    nf = netfilter(k)
    kind = _logger_type(k, nf, logger)
    for p in range(nf.numproto()):
        if nf.loggers.get((p, kind)) == logger:
            del nf.loggers[(p, kind)]
    module = k.linux.module_by_struct(nf.log.ptr(logger, "me")) or k.loader.module_at(logger)
    if module is not None:
        module.forget_undo(_logger_tag(logger))


@table.service("int nf_log_set(struct net *net, u_int8_t pf, const struct nf_logger *logger)")
def nf_log_set(k, net: int, pf: int, logger: int) -> int:
    """Make `logger` the namespace's logger for pf unless it has one (-EOPNOTSUPP for a bad pf)."""
    nf = netfilter(k)
    pf &= 0xFF
    if pf == NFPROTO_UNSPEC or pf >= nf.numproto():
        return -k.errno.EOPNOTSUPP
    slot = nf.net_logger_slot(pf)
    if not k.machine.mem.read_ptr(slot):
        k.machine.mem.write_ptr(slot, logger)
    return 0


def _unset(k, logger: int) -> None:
    nf = netfilter(k)
    for p in range(nf.numproto()):
        slot = nf.net_logger_slot(p)
        if k.machine.mem.read_ptr(slot) == logger:
            k.machine.mem.write_ptr(slot, 0)


@table.service("void nf_log_unset(struct net *net, const struct nf_logger *logger)")
def nf_log_unset(k, net: int, logger: int) -> None:
    """Clear the namespace's logger slots that hold `logger`."""
    _unset(k, logger)


# --- queue handler -------------------------------------------------------------------------------
@table.service("void nf_register_queue_handler(const struct nf_queue_handler *qh)", needs_call=True)
def nf_register_queue_handler(k, qh: int, call=None) -> None:
    """Install the queueing backend (there is one: a second is a WARN)."""
    nf = netfilter(k)
    if nf.queue_handler:
        warn(k, "nf_register_queue_handler: a queue handler is already registered")
    nf.queue_handler = qh
    module = owning_module(k, call)
    if module is not None:
        module.on_unload("nf queue handler", lambda: _clear_queue_handler(k, qh))


def _clear_queue_handler(k, qh: int) -> None:
    nf = netfilter(k)
    if nf.queue_handler == qh:
        nf.queue_handler = 0


@table.service("void nf_unregister_queue_handler(void)")
def nf_unregister_queue_handler(k) -> None:
    """Remove the queueing backend."""
    nf = netfilter(k)
    module = k.loader.module_at(nf.queue_handler) if nf.queue_handler else None
    nf.queue_handler = 0
    if module is not None:
        module.forget_undo("nf queue handler")


# --- hooks ---------------------------------------------------------------------------------------
def _hook_lists(k, nf: Netfilter, reg: int) -> list[tuple[int, int]] | None:
    """The (pf, hooknum) lists a hook goes on; None if __nf_register_net_hook refuses it."""
    pf, hooknum = nf.hk.u8(reg, "pf"), nf.hk.u32(reg, "hooknum")
    if pf == NFPROTO_INET:
        if hooknum == NF_INET_INGRESS:
            return None if not nf.hk.ptr(reg, "dev") else [(pf, hooknum)]
        pfs = [NFPROTO_IPV4, NFPROTO_IPV6]
    elif pf == NFPROTO_NETDEV:
        return None if not nf.hk.ptr(reg, "dev") else [(pf, hooknum)]
    else:
        pfs = [pf]
    if any(hooknum >= HOOKS.get(p, 0) for p in pfs):
        if pf not in HOOKS and pf != NFPROTO_INET:
            warn(k, f"nf_hook_entry_head: unknown family {pf}")
        return None
    return [(p, hooknum) for p in pfs]


def _hook_add(k, nf: Netfilter, key: tuple[int, int], reg: int) -> None:
    lst = nf.hooks.setdefault(key, [])
    prio = nf.hk.s32(reg, "priority")
    at = next((i for i, o in enumerate(lst) if prio < nf.hk.s32(o, "priority")), len(lst))
    lst.insert(at, reg)


def _hook_del(k, nf: Netfilter, reg: int) -> None:
    keys = _hook_lists(k, nf, reg) or []
    found = False
    for key in keys:
        lst = nf.hooks.get(key, [])
        if reg in lst:
            lst.remove(reg)
            found = True
    if not found:
        warn(k, "nf_unregister_net_hook: hook not found!")


def _hook_tag(reg: int) -> str:
    return f"nf hook {reg:#x}"


@table.service("int nf_register_net_hooks(struct net *net, const struct nf_hook_ops *reg, unsigned int n)",
               needs_call=True)
def nf_register_net_hooks(k, net: int, reg: int, n: int, call=None) -> int:
    """Add n hooks to init_net's lists in priority order; on a refusal the ones added go."""
    nf = netfilter(k)
    size = k.linux.layout.size("struct nf_hook_ops")
    need(reg, "nf_register_net_hooks's reg")
    module = owning_module(k, call)
    for i in range(n):
        ops = reg + i * size
        keys = _hook_lists(k, nf, ops)
        if keys is None:
            for j in range(i):
                _hook_del(k, nf, reg + j * size)
                if module is not None:
                    module.forget_undo(_hook_tag(reg + j * size))
            return -k.errno.EINVAL
        for key in keys:
            _hook_add(k, nf, key, ops)
        if module is not None:
            module.on_unload(_hook_tag(ops), lambda ops=ops: _hook_del(k, nf, ops))
    return 0


@table.service("void nf_unregister_net_hooks(struct net *net, const struct nf_hook_ops *reg, unsigned int n)")
def nf_unregister_net_hooks(k, net: int, reg: int, n: int) -> None:
    """Remove n hooks from init_net's lists."""
    nf = netfilter(k)
    size = k.linux.layout.size("struct nf_hook_ops")
    need(reg, "nf_unregister_net_hooks's reg")
    for i in range(n):
        ops = reg + i * size
        _hook_del(k, nf, ops)
        module = k.loader.module_at(ops)
        if module is not None:
            module.forget_undo(_hook_tag(ops))
