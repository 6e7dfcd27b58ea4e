"""Network-namespace operations and the netdevice notifier chain as modules see them
(net/core/net_namespace.c, net/core/dev.c in Linux 6.1). kemu has one namespace, init_net.

* `register_pernet_subsys` / `register_pernet_device`: the ops join the pernet list; an ops
  with `id` gets an id from the net_generic ida (the first is MIN_PERNET_OPS_ID, the slots the
  struct net_generic header takes) written to `*ops->id`; with `size` too, `size` zeroed bytes
  are put in init_net's net_generic slot `id` (what `net_generic(net, id)` reads inline); then
  `ops->init(&init_net)` runs. An init that fails undoes all that and is the return value.
* `unregister_pernet_*`: `pre_exit`, `exit` and `exit_batch` (with a list holding init_net)
  run, the storage is freed and the id given back.
* `register_netdevice_notifier(_net)` / `unregister_netdevice_notifier(_net)`: a raw notifier
  chain kept in priority order; registering a block twice is 6.1's WARN and -EEXIST,
  unregistering one not on the chain -ENOENT. Joining replays NETDEV_REGISTER (and NETDEV_UP
  for an up device) for every registered net_device (a refusal undoes the join and is the
  return value); leaving replays NETDEV_UNREGISTER (net_device_register.py).
A module that goes without unregistering has its entries dropped (nothing calls into freed code).
`net_namespace_list` holds init_net from boot on, so `for_each_net` (nf_conntrack's
nf_ct_iterate_destroy at unload, for one) walks the one namespace there is.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list, list_add_tail
from ..proc_entries import S_IFDIR

table = ServiceTable("net_pernet")

#: (sizeof(struct net_generic) + sizeof(void *) - 1) / sizeof(void *), both arches measured: 3
def _min_pernet_ops_id(k) -> int:
    word = k.machine.word_size
    return (k.linux.layout.size("struct net_generic") + word - 1) // word


def _signed(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


class Pernet:
    """The pernet ops list and init_net's net_generic array."""

    def __init__(self, k) -> None:
        self.k = k
        self.ops: list[int] = []
        self.ids: set[int] = set()
        self.data: dict[int, int] = {}           # ops -> storage given to init_net
        lay = k.linux.layout
        self.net = k.linux.data.get("init_net") or k.heap.alloc(lay.size("struct net"), "init_net", zero=True)
        self.slots = 256
        word = k.machine.word_size
        self.gen = k.heap.alloc(lay.offset("struct net_generic", "ptr[0]") + self.slots * word,
                                "init_net.gen", zero=True)
        k.machine.mem.write_u32(self.gen + lay.offset("struct net_generic", "s.len"), self.slots)
        k.machine.mem.write_ptr(self.net + lay.offset("struct net", "gen"), self.gen)
        self._proc_dirs()

    def _proc_dirs(self) -> None:
        """init_net's proc_net and proc_net_stat: the /proc/net and /proc/net/stat directories
        proc_net_ns_init makes, which pernet inits pass as parents (nf_conntrack makes an
        'nf_conntrack' in each; with both NULL the second collided with the first)."""
        k, lay = self.k, self.k.linux.layout
        entries = k.linux.proc_entries
        net_dir = entries.lookup_dir("/proc/net") or entries.create("net", S_IFDIR | 0o555, 0, 0, None)
        stat_dir = entries.lookup_dir("/proc/net/stat") or entries.create("stat", S_IFDIR | 0o555, net_dir, 0, None)
        k.machine.mem.write_ptr(self.net + lay.offset("struct net", "proc_net"), net_dir)
        k.machine.mem.write_ptr(self.net + lay.offset("struct net", "proc_net_stat"), stat_dir)

    def field(self, ops: int, name: str) -> int:
        return self.k.machine.mem.read_ptr(ops + self.k.linux.layout.offset("struct pernet_operations", name))

    def slot(self, id_: int) -> int:
        return self.gen + self.k.linux.layout.offset("struct net_generic", "ptr[0]") + id_ * self.k.machine.word_size

    def register(self, ops: int, call) -> int:
        k, mem = self.k, self.k.machine.mem
        if ops in self.ops:
            k.linux.pr(f"list_add double add: new={ops:#x} (pernet_operations registered twice)", 4)
            k.linux.add_taint("W")
            return -k.errno.EEXIST
        id_ptr, size = self.field(ops, "id"), self.field(ops, "size")
        id_ = None
        if id_ptr:
            id_ = _min_pernet_ops_id(k)
            while id_ in self.ids:
                id_ += 1
            if id_ >= self.slots:
                return -k.errno.ENOMEM
            self.ids.add(id_)
            mem.write_u32(id_ptr, id_)
        if id_ is not None and size:
            data = k.heap.alloc(size, "net_generic", zero=True)
            self.data[ops] = data
            mem.write_ptr(self.slot(id_), data)
        self.ops.append(ops)
        init = self.field(ops, "init")
        err = _signed(k.machine.call(init, self.net)) if init else 0
        if err:
            self._forget(ops)
            return err
        module = k.loader.module_at(call.return_address) if call is not None else None
        if module is not None:
            module.on_unload(f"pernet ops {ops:#x}", lambda: self._forget(ops) if ops in self.ops else None)
        return 0

    def _forget(self, ops: int) -> None:
        """Drop the ops, its storage and its id (no callback runs)."""
        if ops in self.ops:
            self.ops.remove(ops)
        id_ptr = self.field(ops, "id")
        data = self.data.pop(ops, None)
        if id_ptr:
            id_ = self.k.machine.mem.read_u32(id_ptr)
            if data is not None:
                self.k.machine.mem.write_ptr(self.slot(id_), 0)
            self.ids.discard(id_)
        if data is not None and data in self.k.heap:
            self.k.heap.free(data)

    def unregister(self, ops: int) -> None:
        k = self.k
        if ops not in self.ops:
            k.linux.pr(f"list_del corruption: pernet_operations {ops:#x} is not registered", 4)
            k.linux.add_taint("W")
            return
        for name in ("pre_exit", "exit"):
            fn = self.field(ops, name)
            if fn:
                k.machine.call(fn, self.net)
        batch = self.field(ops, "exit_batch")
        if batch:
            self._exit_batch(batch)
        self._forget(ops)
        module = k.loader.module_at(ops)
        if module is not None:
            module.forget_undo(f"pernet ops {ops:#x}")

    def _exit_batch(self, fn: int) -> None:
        """exit_batch gets a list_head whose one entry is init_net's exit_list."""
        k, mem = self.k, self.k.machine.mem
        word = k.machine.word_size
        head = k.heap.alloc(2 * word, "net_exit_list", zero=True)
        node = self.net + k.linux.layout.offset("struct net", "exit_list")
        for a, nxt in ((head, node), (node, head)):
            mem.write_ptr(a, nxt)
            mem.write_ptr(a + word, nxt)
        try:
            k.machine.call(fn, head)
        finally:
            mem.write_ptr(node, 0)
            mem.write_ptr(node + word, 0)
            k.heap.free(head)


def setup(linux) -> None:
    """net_namespace_list with init_net.list on it, as net_ns_init leaves it at boot: the list
    for_each_net walks must hold init_net before any module registers a pernet ops."""
    head, net = linux.data.get("net_namespace_list"), linux.data.get("init_net")
    if head and net:
        init_list(linux.kernel, head)
        list_add_tail(linux.kernel, net + linux.layout.offset("struct net", "list"), head)
        # an empty device list until the first networking service makes lo (that allocates,
        # so it waits): for_each_netdev in a module that calls none first (aoe) walks nothing
        init_list(linux.kernel, net + linux.layout.offset("struct net", "dev_base_head"))


def pernet(k) -> Pernet:
    """init_net's pernet state; made with init_net, which gets its loopback device then."""
    linux = k.linux
    if "pernet" not in linux.__dict__:
        linux.__dict__["pernet"] = Pernet(k)
        from .net_device_register import make_devices
        make_devices(k)
    return linux.__dict__["pernet"]


@table.service("int register_pernet_subsys(struct pernet_operations *ops)", needs_call=True)
def register_pernet_subsys(k, ops: int, call=None) -> int:
    """Register a namespace subsystem and run its init for init_net."""
    return pernet(k).register(ops, call)


@table.service("int register_pernet_device(struct pernet_operations *ops)", needs_call=True)
def register_pernet_device(k, ops: int, call=None) -> int:
    """Register namespace device ops (exit before the subsystems on namespace death)."""
    return pernet(k).register(ops, call)


@table.service("void unregister_pernet_subsys(struct pernet_operations *ops)")
def unregister_pernet_subsys(k, ops: int) -> None:
    """Run the subsystem's exits for init_net, free its storage, give its id back."""
    pernet(k).unregister(ops)


@table.service("void unregister_pernet_device(struct pernet_operations *ops)")
def unregister_pernet_device(k, ops: int) -> None:
    """As unregister_pernet_subsys, for device ops."""
    pernet(k).unregister(ops)


def netdev_chain(k) -> list[int]:
    """The netdev_chain raw notifier, highest priority first."""
    linux = k.linux
    if "netdev_chain" not in linux.__dict__:
        linux.__dict__["netdev_chain"] = []
    return linux.__dict__["netdev_chain"]


def _chain_register(k, nb: int, call) -> int:
    chain = netdev_chain(k)
    if nb in chain:
        k.linux.pr(f"WARNING: notifier callback {k.machine.mem.read_ptr(nb):#x} already registered", 4)
        k.linux.add_taint("W")
        return -k.errno.EEXIST
    off = k.linux.layout.offset("struct notifier_block", "priority")
    prio = _signed(k.machine.mem.read_u32(nb + off))
    at = next((i for i, other in enumerate(chain)
               if prio > _signed(k.machine.mem.read_u32(other + off))), len(chain))
    chain.insert(at, nb)
    from .net_device_register import replay_register
    err = replay_register(k, nb)
    if err:
        chain.remove(nb)
        return err
    module = k.loader.module_at(call.return_address) if call is not None else None
    if module is not None:
        module.on_unload(f"netdevice notifier {nb:#x}", lambda: chain.remove(nb) if nb in chain else None)
    return 0


def _chain_unregister(k, nb: int) -> int:
    chain = netdev_chain(k)
    if nb not in chain:
        return -k.errno.ENOENT
    chain.remove(nb)
    from .net_device_register import replay_unregister
    replay_unregister(k, nb)
    module = k.loader.module_at(nb)
    if module is not None:
        module.forget_undo(f"netdevice notifier {nb:#x}")
    return 0


@table.service("int register_netdevice_notifier(struct notifier_block *nb)", needs_call=True)
def register_netdevice_notifier(k, nb: int, call=None) -> int:
    """Join the netdevice notifier chain (-EEXIST if already on it)."""
    return _chain_register(k, nb, call)


@table.service("int unregister_netdevice_notifier(struct notifier_block *nb)")
def unregister_netdevice_notifier(k, nb: int) -> int:
    """Leave the chain (-ENOENT if not on it)."""
    return _chain_unregister(k, nb)


@table.service("int register_netdevice_notifier_net(struct net *net, struct notifier_block *nb)",
               needs_call=True)
def register_netdevice_notifier_net(k, net: int, nb: int, call=None) -> int:
    """The per-namespace chain; kemu's one namespace shares the chain."""
    return _chain_register(k, nb, call)


@table.service("int unregister_netdevice_notifier_net(struct net *net, struct notifier_block *nb)")
def unregister_netdevice_notifier_net(k, net: int, nb: int) -> int:
    """Leave the per-namespace chain."""
    return _chain_unregister(k, nb)


@table.service("void net_ns_barrier(void)")
def net_ns_barrier(k) -> None:
    """Wait for namespace setup and cleanup running on other CPUs (6.1 takes and drops
    pernet_ops_rwsem for writing): kemu runs one call at a time, so none is in progress."""
