"""Registering and unregistering net_devices in init_net (net/core/dev.c, drivers/net/loopback.c
in Linux 6.1).

* `register_netdevice` (RTNL held) / `register_netdev` (takes RTNL): the name is checked
  (dev_valid_name, else -EINVAL) and a template's %d becomes the lowest free number ("eth%d"
  -> eth0; -ENFILE when all 32768 are taken; a fixed name already in use is -EEXIST);
  `ndo_init` runs (a positive return is -EIO); the ifindex is the next free one (a preset one
  in use is -EBUSY); NETDEV_POST_INIT goes down the netdevice notifier chain; the device joins
  init_net's dev_base_head list (guest memory, what for_each_netdev walks), the ifindex hash
  and the name table, gets /sys/class/net/<name>, reg_state REGISTERED, a reference held for
  the registration; NETDEV_REGISTER goes down the chain (a refusal unregisters it again).
* `unregister_netdevice_queue` (with a list: queued for `unregister_netdevice_many`) and
  `unregister_netdev`: each device leaves the lists (reg_state UNREGISTERING), NETDEV_UNREGISTER
  goes down the chain, `ndo_uninit` runs, /sys goes, the registration reference is dropped and
  the device waits on the todo list until RTNL is released: then reg_state is UNREGISTERED, a
  device still referenced is reported as 6.1's "waiting for %s to become free", and
  `priv_destructor` and (needs_free_netdev) free_netdev run.
* `dev_valid_name`: not empty, shorter than IFNAMSIZ, not "." or "..", no '/', ':' or space;
  `dev_alloc_name`: a template's lowest free number written into dev->name and returned.
* `__dev_get_by_name` / `dev_get_by_name(_rcu)` and the `_by_index` ones: the name table and
  the ifindex hash; the non-underscore ones take a reference (dev_hold) the caller puts back.
* For the rtnl_link side (netsched): `registered(k)` lists the devices, `unregister_many(k,
  devs)` is unregister_netdevice_many for a Python list (run_todo follows at rtnl_unlock).
* Registering a netdevice notifier replays NETDEV_REGISTER (and NETDEV_UP for an up device)
  for every registered device; unregistering it replays NETDEV_UNREGISTER (net_pernet.py).
* `lo`: init_net's loopback device is registered with init_net (ifindex 1,
  IFF_LOOPBACK, ARPHRD_LOOPBACK, 64 KiB MTU), init_net.loopback_dev points at it; it is down,
  as before userspace configures it. init_net and lo come into being at the first networking
  service a module calls (net_pernet.pernet), in boot memory no leak check counts.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list, list_add_tail
from . import net_device as nd
from .net_device import fld_read, fld_write, off, read_name
from .net_pernet import _signed, netdev_chain, pernet

table = ServiceTable("net_device_register")

NETDEV_UP, NETDEV_DOWN, NETDEV_REGISTER, NETDEV_UNREGISTER = 1, 2, 5, 6
NETDEV_GOING_DOWN, NETDEV_POST_INIT = 10, 17
NOTIFY_OK, NOTIFY_STOP_MASK = 1, 0x8000
NETDEV_HASHENTRIES = 256
IFF_UP, IFF_LOOPBACK = 0x1, 0x8
ARPHRD_LOOPBACK = 772
LINK_STATE_PRESENT = 1 << 1
MAX_TEMPLATE_INDEX = 8 * 4096         # __dev_alloc_name's bitmap: one page of bits
ISSPACE = b" \t\n\v\f\r\xa0"


class NetDevices:
    """init_net's registered devices: by name, by ifindex, in registration order. The list
    (dev_base_head) and the ifindex hash (dev_index_head, through dev->index_hlist) are kept in
    guest memory for inline walkers; the name hash's nodes (struct netdev_name_node) are private
    to net/core, so dev_name_head stays an empty table and names live here."""

    def __init__(self, k) -> None:
        self.k = k
        self.net = pernet(k).net
        self.by_name: dict[str, int] = {}
        self.by_index: dict[int, int] = {}
        self.todo: list[int] = []
        lay, mem, word = k.linux.layout, k.machine.mem, k.machine.word_size
        init_list(k, self.net + lay.offset("struct net", "dev_base_head"))
        self.index_head = k.machine.alloc("kdata", NETDEV_HASHENTRIES * word, 16)   # boot memory
        self.name_head = k.machine.alloc("kdata", NETDEV_HASHENTRIES * word, 16)
        for head in (self.index_head, self.name_head):
            mem.write(head, bytes(NETDEV_HASHENTRIES * word))
        mem.write_ptr(self.net + lay.offset("struct net", "dev_index_head"), self.index_head)
        mem.write_ptr(self.net + lay.offset("struct net", "dev_name_head"), self.name_head)
        hooks = k.linux.__dict__.setdefault("rtnl_unlock_hooks", [])
        hooks.append(lambda: run_todo(k))

    def net_field(self, name: str) -> int:
        return self.net + self.k.linux.layout.offset("struct net", name)

    def new_index(self) -> int:
        mem = self.k.machine.mem
        ifindex = mem.read_int(self.net_field("ifindex"), 4, signed=True)
        while True:
            ifindex += 1
            if ifindex <= 0 or ifindex > 0x7FFFFFFF:
                ifindex = 1
            if ifindex not in self.by_index:
                mem.write_u32(self.net_field("ifindex"), ifindex)
                return ifindex

    def bump_seq(self) -> None:
        mem, addr = self.k.machine.mem, self.net_field("dev_base_seq")
        mem.write_u32(addr, (mem.read_u32(addr) + 1) & 0xFFFFFFFF or 1)


def devices(k) -> NetDevices:
    """init_net's devices (made with init_net by net_pernet.pernet)."""
    linux = k.linux
    if "netdevices" not in linux.__dict__:
        pernet(k)
    return linux.__dict__["netdevices"]


def make_devices(k) -> None:
    """The device tables of a new init_net, and its lo."""
    k.linux.__dict__["netdevices"] = NetDevices(k)
    _make_loopback(k)


def registered(k) -> list[int]:
    """The registered devices, in dev_base_head order."""
    reg = devices(k)
    return list(reg.by_index[i] for i in sorted(reg.by_index, key=lambda i: _order(k, reg.by_index[i])))


def _order(k, dev: int) -> int:
    return k.linux.__dict__.setdefault("netdev_order", {}).get(dev, 0)


# --- the notifier chain ---------------------------------------------------------------------
def notify_one(k, nb: int, event: int, dev: int) -> int:
    """nb->notifier_call(nb, event, &info) with a netdev_notifier_info for dev."""
    lay = k.linux.layout
    size = lay.size("struct netdev_notifier_info")
    info = k.heap.alloc(size, "netdev_notifier_info", zero=True)
    try:
        k.machine.mem.write_ptr(info + lay.offset("struct netdev_notifier_info", "dev"), dev)
        fn = k.machine.mem.read_ptr(nb + lay.offset("struct notifier_block", "notifier_call"))
        return _signed(k.machine.call(fn, nb, event, info)) if fn else 0
    finally:
        k.heap.free(info)


def notifier_to_errno(ret: int) -> int:
    ret &= ~NOTIFY_STOP_MASK
    return NOTIFY_OK - ret if ret > NOTIFY_OK else 0


def call_notifiers(k, event: int, dev: int) -> int:
    """call_netdevice_notifiers: down the chain until one returns with NOTIFY_STOP_MASK."""
    ret = 0
    for nb in list(netdev_chain(k)):
        ret = notify_one(k, nb, event, dev)
        if ret & NOTIFY_STOP_MASK:
            break
    return ret


def replay_register(k, nb: int) -> int:
    """call_netdevice_register_net_notifiers: REGISTER (and UP) for each device; on a refusal
    the devices already told are told UNREGISTER again. Returns the errno."""
    done: list[int] = []
    for dev in registered(k):
        err = notifier_to_errno(notify_one(k, nb, NETDEV_REGISTER, dev))
        if not err and fld_read(k, dev, "flags") & IFF_UP:
            err = notifier_to_errno(notify_one(k, nb, NETDEV_UP, dev))
        if err:
            for other in reversed(done):
                replay_unregister_one(k, nb, other)
            return err
        done.append(dev)
    return 0


def replay_unregister_one(k, nb: int, dev: int) -> None:
    if fld_read(k, dev, "flags") & IFF_UP:
        notify_one(k, nb, NETDEV_GOING_DOWN, dev)
        notify_one(k, nb, NETDEV_DOWN, dev)
    notify_one(k, nb, NETDEV_UNREGISTER, dev)


def replay_unregister(k, nb: int) -> None:
    for dev in registered(k):
        replay_unregister_one(k, nb, dev)


# --- names --------------------------------------------------------------------------------------
def valid_name(name: bytes) -> bool:
    if not name or len(name) >= nd.IFNAMSIZ or name in (b".", b".."):
        return False
    return not any(c in b"/:" or c in ISSPACE for c in name)


def _alloc_name(k, template: bytes) -> tuple[bytes, int] | int:
    """__dev_alloc_name: (the template with its %d as the lowest number not in use, that
    number); a name without %d is itself with number 0 if free. -EINVAL for a bad name or
    template, -ENFILE when nothing is free."""
    if not valid_name(template):
        return -k.errno.EINVAL
    taken = devices(k).by_name
    p = template.find(b"%")
    if p < 0:
        return (template, 0) if template.decode("latin-1") not in taken else -k.errno.ENFILE
    if template[p + 1:p + 2] != b"d" or b"%" in template[p + 2:]:
        return -k.errno.EINVAL
    for i in range(MAX_TEMPLATE_INDEX):
        name = (template[:p] + str(i).encode() + template[p + 2:])[:nd.IFNAMSIZ - 1]
        if name.decode("latin-1") not in taken:
            return name, i
    return -k.errno.ENFILE


def _get_valid_name(k, dev: int) -> int:
    raw = k.machine.mem.read_cstr(dev + off(k, "name"), nd.IFNAMSIZ)
    if not valid_name(raw):
        return -k.errno.EINVAL
    if b"%" in raw:
        got = _alloc_name(k, raw)
        if isinstance(got, int):
            return got
        k.machine.mem.write(dev + off(k, "name"), got[0] + b"\0")
        return 0
    if raw.decode("latin-1") in devices(k).by_name:
        return -k.errno.EEXIST
    return 0


# --- the lists ------------------------------------------------------------------------------------
def _hlist_add_head(k, node: int, head: int) -> None:
    mem, word = k.machine.mem, k.machine.word_size
    first = mem.read_ptr(head)
    mem.write_ptr(node, first)
    if first:
        mem.write_ptr(first + word, node)
    mem.write_ptr(head, node)
    mem.write_ptr(node + word, head)


def _hlist_del(k, node: int) -> None:
    mem, word = k.machine.mem, k.machine.word_size
    nxt, pprev = mem.read_ptr(node), mem.read_ptr(node + word)
    if pprev:
        mem.write_ptr(pprev, nxt)
    if nxt:
        mem.write_ptr(nxt + word, pprev)
    mem.write_ptr(node, 0)
    mem.write_ptr(node + word, 0)


def _list_del(k, node: int) -> None:
    mem, word = k.machine.mem, k.machine.word_size
    nxt, prev = mem.read_ptr(node), mem.read_ptr(node + word)
    mem.write_ptr(prev, nxt)
    mem.write_ptr(nxt + word, prev)


def list_netdevice(k, dev: int) -> None:
    reg = devices(k)
    ifindex = fld_read(k, dev, "ifindex")
    list_add_tail(k, dev + off(k, "dev_list"), reg.net_field("dev_base_head"))
    _hlist_add_head(k, dev + off(k, "index_hlist"),
                    reg.index_head + (ifindex & (NETDEV_HASHENTRIES - 1)) * k.machine.word_size)
    reg.by_name[read_name(k, dev)] = dev
    reg.by_index[ifindex] = dev
    order = k.linux.__dict__.setdefault("netdev_order", {})
    order[dev] = max(order.values(), default=0) + 1
    reg.bump_seq()


def unlist_netdevice(k, dev: int) -> None:
    reg = devices(k)
    _list_del(k, dev + off(k, "dev_list"))
    init_list(k, dev + off(k, "dev_list"))
    _hlist_del(k, dev + off(k, "index_hlist"))
    reg.by_name.pop(read_name(k, dev), None)
    reg.by_index.pop(fld_read(k, dev, "ifindex"), None)
    k.linux.__dict__.setdefault("netdev_order", {}).pop(dev, None)
    reg.bump_seq()


def _sysfs_path(k, dev: int) -> str:
    return f"/sys/class/net/{read_name(k, dev)}"


# --- register -----------------------------------------------------------------------------------
def _ops_fn(k, dev: int, name: str) -> int:
    ops = k.machine.mem.read_ptr(dev + off(k, "netdev_ops"))
    return k.machine.mem.read_ptr(ops + k.linux.layout.offset("struct net_device_ops", name)) if ops else 0


def _uninit(k, dev: int) -> None:
    fn = _ops_fn(k, dev, "ndo_uninit")
    if fn:
        k.machine.call(fn, dev)
    destructor = k.machine.mem.read_ptr(dev + off(k, "priv_destructor"))
    if destructor:
        k.machine.call(destructor, dev)


def register(k, dev: int) -> int:
    """register_netdevice."""
    if dev not in nd.allocs(k).devs:
        k.linux.pr(f"kemu: register_netdevice({dev:#x}): not a net_device from alloc_netdev", 3)
        k.linux.add_taint("W")
        return -k.errno.EINVAL
    reg = devices(k)
    if fld_read(k, dev, "reg_state") != nd.NETREG_UNINITIALIZED:
        k.linux.pr(f"kernel BUG at net/core/dev.c: register_netdevice of {read_name(k, dev)!r} "
                   f"in reg_state {fld_read(k, dev, 'reg_state')}", 0)
        k.linux.add_taint("D")
        return -k.errno.EINVAL
    err = _get_valid_name(k, dev)
    if err:
        return err
    init = _ops_fn(k, dev, "ndo_init")
    if init:
        err = _signed(k.machine.call(init, dev))
        if err:
            return -k.errno.EIO if err > 0 else err
    ifindex = fld_read(k, dev, "ifindex")
    if not ifindex:
        fld_write(k, dev, "ifindex", reg.new_index())
    elif ifindex in reg.by_index:
        _uninit(k, dev)
        return -k.errno.EBUSY
    err = notifier_to_errno(call_notifiers(k, NETDEV_POST_INIT, dev))
    if err:
        _uninit(k, dev)
        return err
    k.linux.sysfs.add_dir(_sysfs_path(k, dev), dev + off(k, "dev"))
    fld_write(k, dev, "reg_state", nd.NETREG_REGISTERED)
    fld_write(k, dev, "state", fld_read(k, dev, "state") | LINK_STATE_PRESENT)
    nd.netdev_refcnt_add(k, dev, 1)                  # dev_registered_tracker
    list_netdevice(k, dev)
    if fld_read(k, dev, "addr_assign_type") == 0:    # NET_ADDR_PERM
        mem = k.machine.mem
        mem.copy(dev + off(k, "perm_addr"), mem.read_ptr(dev + off(k, "dev_addr")), fld_read(k, dev, "addr_len"))
    _track(k, dev)
    err = notifier_to_errno(call_notifiers(k, NETDEV_REGISTER, dev))
    if err:
        fld_write(k, dev, "needs_free_netdev", 0)
        unregister_many(k, [dev])
        if not _rtnl_held(k):
            run_todo(k)
    return err


def _track(k, dev: int) -> None:
    """A module unloaded with its device still registered: unlink it (nothing calls its code)."""
    module = k.loader.module_at(k.machine.mem.read_ptr(dev + off(k, "netdev_ops")) or 1)
    if module is None:
        owner = nd.allocs(k).devs[dev].caller
        module = k.loader.module_at(owner) if owner else None
    if module is not None:
        def drop() -> None:
            if fld_read(k, dev, "reg_state") == nd.NETREG_REGISTERED:
                k.linux.pr(f"kemu: net device {read_name(k, dev)} still registered when its module "
                           "went; unlinked", 4)
                unlist_netdevice(k, dev)
                k.linux.sysfs.remove_dir(_sysfs_path(k, dev))
                fld_write(k, dev, "reg_state", nd.NETREG_UNREGISTERED)
        module.on_unload(f"net device {dev:#x}", drop)


def _untrack(k, dev: int) -> None:
    for owner in (k.machine.mem.read_ptr(dev + off(k, "netdev_ops")), nd.allocs(k).devs[dev].caller):
        module = k.loader.module_at(owner) if owner else None
        if module is not None:
            module.forget_undo(f"net device {dev:#x}")


def unregister_many(k, devs: list[int]) -> None:
    """unregister_netdevice_many for a Python list of devices."""
    live = []
    for dev in devs:
        state = fld_read(k, dev, "reg_state")
        if state == nd.NETREG_UNINITIALIZED:
            k.linux.pr(f"WARNING: unregister_netdevice: device {read_name(k, dev)}/{dev:#x} never "
                       "registered", 4)
            k.linux.add_taint("W")
            continue
        if state != nd.NETREG_REGISTERED:
            k.linux.pr(f"kernel BUG at net/core/dev.c: unregistering {read_name(k, dev)!r} in reg_state {state}", 0)
            k.linux.add_taint("D")
            continue
        live.append(dev)
    for dev in live:
        unlist_netdevice(k, dev)
        fld_write(k, dev, "reg_state", nd.NETREG_UNREGISTERING)
    for dev in live:
        call_notifiers(k, NETDEV_UNREGISTER, dev)
        fn = _ops_fn(k, dev, "ndo_uninit")
        if fn:
            k.machine.call(fn, dev)
        k.linux.sysfs.remove_dir(_sysfs_path(k, dev))
    for dev in live:
        nd.netdev_refcnt_add(k, dev, -1)
        _untrack(k, dev)
        devices(k).todo.append(dev)


def run_todo(k) -> None:
    """netdev_run_todo (at rtnl_unlock): finish the unregistered devices."""
    reg = devices(k)
    todo, reg.todo = reg.todo, []
    for dev in todo:
        fld_write(k, dev, "reg_state", nd.NETREG_UNREGISTERED)
    for dev in todo:
        refs = nd.netdev_refcnt_add(k, dev, 0)
        if refs != 1:
            k.linux.pr(f"unregister_netdevice: waiting for {read_name(k, dev)} to become free. "
                       f"Usage count = {refs}", 0)
        destructor = k.machine.mem.read_ptr(dev + off(k, "priv_destructor"))
        if destructor:
            k.machine.call(destructor, dev)
        if fld_read(k, dev, "needs_free_netdev"):
            nd.free_netdev_now(k, dev)


def _rtnl_held(k) -> bool:
    from .net_socket import _rtnl
    return bool(_rtnl(k)[0])


def _with_rtnl(k, fn):
    """rtnl_lock(); fn(); rtnl_unlock() — the unlock runs the todo list."""
    from .net_socket import _rtnl
    state = _rtnl(k)
    held = state[0]
    state[0] = 1
    try:
        return fn()
    finally:
        if not held:
            state[0] = 0
            run_todo(k)


def _make_loopback(k) -> None:
    """loopback_net_init: "lo" with loopback_setup's fields, registered, init_net.loopback_dev."""
    def setup(dev: int) -> None:
        fld_write(k, dev, "mtu", 64 * 1024)
        fld_write(k, dev, "hard_header_len", 14)
        fld_write(k, dev, "min_header_len", 14)
        fld_write(k, dev, "addr_len", 6)
        fld_write(k, dev, "tx_queue_len", 0)
        fld_write(k, dev, "type", ARPHRD_LOOPBACK)
        fld_write(k, dev, "flags", IFF_LOOPBACK)
        fld_write(k, dev, "priv_flags", fld_read(k, dev, "priv_flags") | (1 << 15) | nd.IFF_NO_QUEUE)
        fld_write(k, dev, "needs_free_netdev", 1)
    dev = nd.alloc_netdev(k, 0, b"lo", 3, setup, 1, 1, None, static=True)   # NET_NAME_PREDICTABLE
    size = k.linux.layout.size("struct net_device_ops")
    ops = k.machine.alloc("kdata", size, 16)           # loopback_ops: the kernel's own functions,
    k.machine.mem.write(ops, bytes(size))              # none of which a module may call directly
    k.machine.mem.write_ptr(dev + off(k, "netdev_ops"), ops)
    reg = k.linux.__dict__["netdevices"]
    fld_write(k, dev, "ifindex", reg.new_index())
    k.linux.sysfs.add_dir(_sysfs_path(k, dev), dev + off(k, "dev"))
    fld_write(k, dev, "reg_state", nd.NETREG_REGISTERED)
    fld_write(k, dev, "state", fld_read(k, dev, "state") | LINK_STATE_PRESENT)
    nd.netdev_refcnt_add(k, dev, 1)
    list_netdevice(k, dev)
    k.machine.mem.write_ptr(reg.net_field("loopback_dev"), dev)


@table.service("int register_netdevice(struct net_device *dev)")
def register_netdevice(k, dev: int) -> int:
    """Register a device under RTNL (the caller holds it)."""
    if not _rtnl_held(k):
        k.linux.pr("RTNL: assertion failed at net/core/dev.c (register_netdevice)", 3)
    return register(k, dev)


@table.service("int register_netdev(struct net_device *dev)")
def register_netdev(k, dev: int) -> int:
    """Take RTNL, register the device, release RTNL."""
    return _with_rtnl(k, lambda: register(k, dev))


def _guest_list(k, head: int, member: str) -> list[int]:
    """The devices on a guest list_head linked through `member`."""
    mem, out, node = k.machine.mem, [], k.machine.mem.read_ptr(head)
    while node and node != head and len(out) < 4096:
        out.append(node - off(k, member))
        node = mem.read_ptr(node)
    return out


@table.service("void unregister_netdevice_queue(struct net_device *dev, struct list_head *head)")
def unregister_netdevice_queue(k, dev: int, head: int) -> None:
    """Queue the device on `head` for unregister_netdevice_many, or (head NULL) unregister it now."""
    if head:
        node = dev + off(k, "unreg_list")
        _list_del(k, node)
        list_add_tail(k, node, head)
        return
    if not _rtnl_held(k):
        k.linux.pr("RTNL: assertion failed at net/core/dev.c (unregister_netdevice_queue)", 3)
    unregister_many(k, [dev])
    if not _rtnl_held(k):
        run_todo(k)


@table.service("void unregister_netdevice_many(struct list_head *head)")
def unregister_netdevice_many(k, head: int) -> None:
    """Unregister every device queued on `head` (then the head is unlinked, poisoned)."""
    devs = _guest_list(k, head, "unreg_list")
    if not devs:
        return
    unregister_many(k, devs)
    mem, word = k.machine.mem, k.machine.word_size
    _list_del(k, head)
    poison = 0xdead000000000000 if word == 8 else 0
    mem.write_ptr(head, poison + 0x100)
    mem.write_ptr(head + word, poison + 0x122)
    if not _rtnl_held(k):
        run_todo(k)


@table.service("void unregister_netdev(struct net_device *dev)")
def unregister_netdev(k, dev: int) -> None:
    """Take RTNL, unregister the device, release RTNL (which finishes it)."""
    _with_rtnl(k, lambda: unregister_many(k, [dev]))


@table.service("bool dev_valid_name(const char *name)")
def dev_valid_name(k, name: int) -> int:
    """1 if `name` can name a network interface."""
    return int(valid_name(k.machine.mem.read_cstr(name, 64)))


@table.service("int dev_alloc_name(struct net_device *dev, const char *name)")
def dev_alloc_name(k, dev: int, name: int) -> int:
    """Name the device from a "%d" template (or a plain name): the number used, or -EINVAL /
    -ENFILE; dev->name is written only on success."""
    got = _alloc_name(k, k.machine.mem.read_cstr(name, 64))
    if isinstance(got, int):
        return got
    k.machine.mem.write(dev + off(k, "name"), got[0] + b"\0")
    return got[1]


# --- lookups --------------------------------------------------------------------------------------
def _by_name(k, name: int) -> int:
    return devices(k).by_name.get(k.machine.mem.read_cstr(name, nd.IFNAMSIZ).decode("latin-1"), 0)


def _held(k, dev: int) -> int:
    if dev:
        nd.netdev_refcnt_add(k, dev, 1)
    return dev


@table.service("struct net_device *__dev_get_by_name(struct net *net, const char *name)")
def __dev_get_by_name(k, net: int, name: int) -> int:
    """The registered device called `name` (no reference taken), or NULL."""
    return _by_name(k, name)


@table.service("struct net_device *dev_get_by_name_rcu(struct net *net, const char *name)")
def dev_get_by_name_rcu(k, net: int, name: int) -> int:
    """As __dev_get_by_name, under RCU."""
    return _by_name(k, name)


@table.service("struct net_device *dev_get_by_name(struct net *net, const char *name)")
def dev_get_by_name(k, net: int, name: int) -> int:
    """The device called `name` with a reference held (dev_put gives it back), or NULL."""
    return _held(k, _by_name(k, name))


@table.service("struct net_device *__dev_get_by_index(struct net *net, int ifindex)")
def __dev_get_by_index(k, net: int, ifindex: int) -> int:
    """The registered device with this ifindex (no reference taken), or NULL."""
    return devices(k).by_index.get(_signed(ifindex), 0)


@table.service("struct net_device *dev_get_by_index_rcu(struct net *net, int ifindex)")
def dev_get_by_index_rcu(k, net: int, ifindex: int) -> int:
    """As __dev_get_by_index, under RCU."""
    return devices(k).by_index.get(_signed(ifindex), 0)


@table.service("struct net_device *dev_get_by_index(struct net *net, int ifindex)")
def dev_get_by_index(k, net: int, ifindex: int) -> int:
    """The device with this ifindex with a reference held, or NULL."""
    return _held(k, devices(k).by_index.get(_signed(ifindex), 0))
