"""struct net_device's life before and after registration (net/core/dev.c, dev_addr_lists.c,
net/ethernet/eth.c in Linux 6.1).

* `alloc_netdev_mqs`: one zeroed block holding the net_device, then (if sizeof_priv) the
  driver's private area at the next NETDEV_ALIGN (32) boundary, the whole aligned to 32 with
  the slack in `dev->padded`; the per-CPU refcount (held once), the device-address list with
  its one all-zero LAN entry (`dev->dev_addr` points into it), empty uc/mc lists, init_net,
  the GSO limits, the list heads, then `setup(dev)` runs; after it the tx and rx queue arrays
  (each queue pointing back at the device), the name template ("eth%d" stays a template until
  register), the default ethtool ops. Zero queues is refused (NULL) as in 6.1.
* `alloc_etherdev_mqs`: alloc_netdev_mqs with "eth%d" and `ether_setup` (the Ethernet
  defaults: ARPHRD_ETHER, 1500 MTU, 6-byte address, broadcast ff:ff:ff:ff:ff:ff).
* `free_netdev`: queues, addresses and refcount go; a device never registered is freed at
  once, an unregistered one is released (its memory freed: kemu's last put_device), one still
  unregistering is marked needs_free_netdev for the todo run; a registered one is 6.1's BUG.
* `__hw_addr_init`: an empty address list (list head, count 0, empty rbtree); `dev_addr_mod`
  writes into the device address (dev->dev_addr is its one dev_addrs entry);
  `netdev_set_default_ethtool_ops` replaces the default ethtool ops only.
Every block is charged to the module that called alloc_netdev, so a device never freed leaks.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kemu.kernel import ServiceTable

from ..list_head import init_list, list_add_tail
from .percpu_alloc import GFP_KERNEL, pcpu_alloc, percpu_address, percpu_pointer

table = ServiceTable("net_device")

NETDEV_ALIGN = 32
IFNAMSIZ = 16
MAX_ADDR_LEN = 32
NETDEV_HW_ADDR_T_LAN = 1
GSO_LEGACY_MAX_SIZE = 65536
GSO_MAX_SEGS = 65535
DEFAULT_TX_QUEUE_LEN = 1000
IFF_XMIT_DST_RELEASE, IFF_TX_SKB_SHARING = 1 << 5, 1 << 11
IFF_XMIT_DST_RELEASE_PERM, IFF_NO_QUEUE = 1 << 17, 1 << 19
IFF_BROADCAST, IFF_MULTICAST = 0x2, 0x1000
ARPHRD_ETHER, ETH_HLEN, ETH_DATA_LEN, ETH_MIN_MTU, ETH_ALEN = 1, 14, 1500, 68, 6
NETREG_UNINITIALIZED, NETREG_REGISTERED, NETREG_UNREGISTERING = 0, 1, 2
NETREG_UNREGISTERED, NETREG_RELEASED = 3, 4


@dataclass
class NetDev:
    """kemu's bookkeeping for one allocated net_device."""
    dev: int
    block: int                  # what kvzalloc returned (dev - padded)
    pcpu_refcnt: int
    tx: int = 0
    rx: int = 0
    caller: int | None = None
    addrs: list[int] = field(default_factory=list)    # netdev_hw_addr blocks of dev_addrs
    static: bool = False        # the kernel's own (lo): boot memory, never freed


def _zalloc(k, size: int, tag: str, caller: int | None, static: bool, align: int = 16) -> int:
    """A zeroed block: charged to `caller` on the heap, or (static) the kernel's boot memory,
    which no leak check counts, for the devices the kernel itself owns."""
    if not static:
        return k.heap.alloc(size, tag, zero=True, caller=caller, align=align)
    addr = k.machine.alloc("kdata", size, align)
    k.machine.mem.write(addr, bytes(size))
    return addr


class NetDevAllocs:
    def __init__(self, k) -> None:
        self.k = k
        self.devs: dict[int, NetDev] = {}
        size = k.linux.layout.size("struct ethtool_ops")
        self.default_ethtool_ops = k.machine.alloc("kdata", size, 16)     # the kernel's, all NULL
        k.machine.mem.write(self.default_ethtool_ops, bytes(size))
        self.eth_header_ops = k.machine.alloc("kdata", 64, 16)             # eth_header_ops stand-in
        k.machine.mem.write(self.eth_header_ops, bytes(64))


def allocs(k) -> NetDevAllocs:
    linux = k.linux
    if "netdev_allocs" not in linux.__dict__:
        linux.__dict__["netdev_allocs"] = NetDevAllocs(k)
    return linux.__dict__["netdev_allocs"]


def off(k, fld: str) -> int:
    return k.linux.layout.offset("struct net_device", fld)


def fld_write(k, dev: int, name: str, value: int) -> None:
    """Write a net_device field with its measured size."""
    k.machine.mem.write_int(dev + off(k, name), k.linux.layout.field_size("struct net_device", name), value)


def fld_read(k, dev: int, name: str) -> int:
    return k.machine.mem.read_int(dev + off(k, name), k.linux.layout.field_size("struct net_device", name))


def netdev_refcnt_add(k, dev: int, delta: int) -> int:
    """dev_hold / dev_put on CPU 0's per-CPU count; returns the new value."""
    cell = percpu_address(k, k.machine.mem.read_ptr(dev + off(k, "pcpu_refcnt")))
    value = (k.machine.mem.read_int(cell, 4, signed=True) + delta) & 0xFFFFFFFF
    k.machine.mem.write_u32(cell, value)
    return value - (1 << 32) if value & 0x80000000 else value


def hw_addr_init(k, lst: int) -> None:
    """__hw_addr_init: empty list, count 0, RB_ROOT."""
    lay, mem = k.linux.layout, k.machine.mem
    s = "struct netdev_hw_addr_list"
    init_list(k, lst + lay.offset(s, "list"))
    mem.write_int(lst + lay.offset(s, "count"), lay.field_size(s, "count"), 0)
    mem.write_ptr(lst + lay.offset(s, "tree"), 0)


def _dev_addr_init(k, nd: NetDev, caller) -> None:
    """dev_addr_init: dev_addrs gets one zeroed LAN address, the tree's root; dev->dev_addr
    points at its bytes."""
    lay, mem, dev = k.linux.layout, k.machine.mem, nd.dev
    s, lst = "struct netdev_hw_addr", dev + off(k, "dev_addrs")
    hw_addr_init(k, lst)
    ha = _zalloc(k, lay.size(s), "kmalloc", caller, nd.static)
    nd.addrs.append(ha)
    mem.write_u8(ha + lay.offset(s, "type"), NETDEV_HW_ADDR_T_LAN)
    mem.write_u32(ha + lay.offset(s, "refcount"), 1)
    node = ha + lay.offset(s, "node")
    mem.write_ptr(node + lay.offset("struct rb_node", "__rb_parent_color"), 1)   # black root
    list_add_tail(k, ha + lay.offset(s, "list"), lst + lay.offset("struct netdev_hw_addr_list", "list"))
    mem.write_int(lst + lay.offset("struct netdev_hw_addr_list", "count"),
                  lay.field_size("struct netdev_hw_addr_list", "count"), 1)
    mem.write_ptr(lst + lay.offset("struct netdev_hw_addr_list", "tree"), node)
    mem.write_ptr(dev + off(k, "dev_addr"), ha + lay.offset(s, "addr"))


def ether_defaults(k, dev: int) -> None:
    """ether_setup's fields."""
    reg = allocs(k)
    mem = k.machine.mem
    mem.write_ptr(dev + off(k, "header_ops"), reg.eth_header_ops)
    fld_write(k, dev, "type", ARPHRD_ETHER)
    fld_write(k, dev, "hard_header_len", ETH_HLEN)
    fld_write(k, dev, "min_header_len", ETH_HLEN)
    fld_write(k, dev, "mtu", ETH_DATA_LEN)
    fld_write(k, dev, "min_mtu", ETH_MIN_MTU)
    fld_write(k, dev, "max_mtu", ETH_DATA_LEN)
    fld_write(k, dev, "addr_len", ETH_ALEN)
    fld_write(k, dev, "tx_queue_len", DEFAULT_TX_QUEUE_LEN)
    fld_write(k, dev, "flags", IFF_BROADCAST | IFF_MULTICAST)
    fld_write(k, dev, "priv_flags", fld_read(k, dev, "priv_flags") | IFF_TX_SKB_SHARING)
    mem.write(dev + off(k, "broadcast"), b"\xff" * ETH_ALEN)


def _queues(k, nd: NetDev, struct: str, count: int, caller) -> int:
    lay, mem = k.linux.layout, k.machine.mem
    size = lay.size(struct)
    arr = _zalloc(k, count * size, "kvmalloc", caller, nd.static)
    for i in range(count):
        mem.write_ptr(arr + i * size + lay.offset(struct, "dev"), nd.dev)
        if struct == "struct netdev_queue":
            mem.write_u32(arr + i * size + lay.offset(struct, "xmit_lock_owner"), 0xFFFFFFFF)
    return arr


def alloc_netdev(k, sizeof_priv: int, name: bytes, assign_type: int, setup, txqs: int, rxqs: int,
                 caller: int | None, static: bool = False) -> int:
    """alloc_netdev_mqs; `setup` is a guest function address or a Python callable (dev) -> None;
    `static` for the kernel's own devices (boot memory)."""
    lay, mem = k.linux.layout, k.machine.mem
    if len(name) >= IFNAMSIZ:
        k.linux.pr(f"kernel BUG at net/core/dev.c: alloc_netdev name {name!r} is {len(name)} bytes "
                   f"(at most {IFNAMSIZ - 1})", 0)
        k.linux.add_taint("D")
        return 0
    if txqs < 1:
        k.linux.pr("alloc_netdev: Unable to allocate device with zero queues", 3)
        return 0
    if rxqs < 1:
        k.linux.pr("alloc_netdev: Unable to allocate device with zero RX queues", 3)
        return 0
    size = lay.size("struct net_device")
    if sizeof_priv:
        size = -(-size // NETDEV_ALIGN) * NETDEV_ALIGN + sizeof_priv
    size += NETDEV_ALIGN - 1
    if size > (1 << 26):
        return 0
    block = _zalloc(k, size, "kvmalloc", caller, static)
    dev = -(-block // NETDEV_ALIGN) * NETDEV_ALIGN
    fld_write(k, dev, "padded", dev - block)
    pcpu = (percpu_pointer(k, _zalloc(k, 4, "percpu", None, True)) if static
            else pcpu_alloc(k, 4, 4, GFP_KERNEL, _Caller(caller)))
    nd = NetDev(dev, block, pcpu, caller=caller, static=static)
    allocs(k).devs[dev] = nd
    mem.write_ptr(dev + off(k, "pcpu_refcnt"), pcpu)
    netdev_refcnt_add(k, dev, 1)
    _dev_addr_init(k, nd, caller)
    hw_addr_init(k, dev + off(k, "mc"))
    hw_addr_init(k, dev + off(k, "uc"))
    mem.write_ptr(dev + off(k, "nd_net"), init_net(k))
    fld_write(k, dev, "gso_max_size", GSO_LEGACY_MAX_SIZE)
    fld_write(k, dev, "gso_max_segs", GSO_MAX_SEGS)
    fld_write(k, dev, "upper_level", 1)
    fld_write(k, dev, "lower_level", 1)
    for head in ("napi_list", "unreg_list", "close_list", "link_watch_list", "adj_list.upper",
                 "adj_list.lower", "ptype_all", "ptype_specific", "net_notifier_list", "todo_list", "dev_list"):
        init_list(k, dev + off(k, head))
    fld_write(k, dev, "priv_flags", IFF_XMIT_DST_RELEASE | IFF_XMIT_DST_RELEASE_PERM)
    if callable(setup):
        setup(dev)
    elif setup:
        k.machine.call(setup, dev)
    if not fld_read(k, dev, "tx_queue_len"):
        fld_write(k, dev, "priv_flags", fld_read(k, dev, "priv_flags") | IFF_NO_QUEUE)
        fld_write(k, dev, "tx_queue_len", DEFAULT_TX_QUEUE_LEN)
    fld_write(k, dev, "num_tx_queues", txqs)
    fld_write(k, dev, "real_num_tx_queues", txqs)
    nd.tx = _queues(k, nd, "struct netdev_queue", txqs, caller)
    mem.write_ptr(dev + off(k, "_tx"), nd.tx)
    fld_write(k, dev, "num_rx_queues", rxqs)
    fld_write(k, dev, "real_num_rx_queues", rxqs)
    nd.rx = _queues(k, nd, "struct netdev_rx_queue", rxqs, caller)
    mem.write_ptr(dev + off(k, "_rx"), nd.rx)
    mem.write(dev + off(k, "name"), name + b"\0")
    fld_write(k, dev, "name_assign_type", assign_type)
    fld_write(k, dev, "group", 0)
    if not mem.read_ptr(dev + off(k, "ethtool_ops")):
        mem.write_ptr(dev + off(k, "ethtool_ops"), allocs(k).default_ethtool_ops)
    return dev


class _Caller:
    """What pcpu_alloc needs of a service call: the return address to charge."""

    def __init__(self, return_address: int | None) -> None:
        self.return_address = return_address


def init_net(k) -> int:
    from .net_pernet import pernet
    return pernet(k).net


def release(k, nd: NetDev) -> None:
    """Free what alloc_netdev made but the block itself: queues, addresses, refcount."""
    heap = k.heap
    for addr in (nd.tx, nd.rx, *nd.addrs):
        if addr and addr in heap:
            heap.free(addr)
    nd.tx = nd.rx = 0
    nd.addrs.clear()
    if nd.pcpu_refcnt:
        cell = percpu_address(k, nd.pcpu_refcnt)
        if cell in heap:
            heap.free(cell)
        nd.pcpu_refcnt = 0
        k.machine.mem.write_ptr(nd.dev + off(k, "pcpu_refcnt"), 0)


def free_netdev_now(k, dev: int) -> None:
    """free_netdev's body (also run by the unregister todo for needs_free_netdev devices)."""
    reg = allocs(k)
    nd = reg.devs.get(dev)
    if nd is None:
        k.linux.pr(f"kemu: free_netdev({dev:#x}): not a net_device from alloc_netdev", 3)
        k.linux.add_taint("W")
        return
    state = fld_read(k, dev, "reg_state")
    if state == NETREG_UNREGISTERING:
        fld_write(k, dev, "needs_free_netdev", 1)
        return
    if state not in (NETREG_UNINITIALIZED, NETREG_UNREGISTERED):
        k.linux.pr(f"kernel BUG at net/core/dev.c: free_netdev of {read_name(k, dev)!r} in reg_state {state} "
                   "(still registered)", 0)
        k.linux.add_taint("D")
        return
    release(k, nd)
    if state == NETREG_UNREGISTERED:
        fld_write(k, dev, "reg_state", NETREG_RELEASED)
    del reg.devs[dev]
    if nd.block in k.heap:
        k.heap.free(nd.block)


def read_name(k, dev: int) -> str:
    return k.machine.mem.read_cstr(dev + off(k, "name"), IFNAMSIZ).decode("latin-1")


@table.service("struct net_device *alloc_netdev_mqs(int sizeof_priv, const char *name, "
               "unsigned char name_assign_type, void (*setup)(struct net_device *), "
               "unsigned int txqs, unsigned int rxqs)", needs_call=True)
def alloc_netdev_mqs(k, sizeof_priv: int, name: int, name_assign_type: int, setup: int, txqs: int,
                     rxqs: int, call=None) -> int:
    """Allocate a net_device with its private area and queues, and run setup on it."""
    if not name:
        k.linux.pr("BUG: kernel NULL pointer dereference: alloc_netdev_mqs name is NULL", 0)
        k.linux.add_taint("D")
        return 0
    text = k.machine.mem.read_cstr(name, 64)
    priv = sizeof_priv & 0xFFFFFFFF
    if priv & 0x80000000:
        return 0
    ether = k.installed.get("ether_setup")
    fn = (lambda d: ether_defaults(k, d)) if ether is not None and setup == ether[1] else setup
    return alloc_netdev(k, priv, text, name_assign_type & 0xFF, fn, txqs & 0xFFFFFFFF, rxqs & 0xFFFFFFFF,
                        call.return_address)


@table.service("struct net_device *alloc_etherdev_mqs(int sizeof_priv, unsigned int txqs, unsigned int rxqs)",
               needs_call=True)
def alloc_etherdev_mqs(k, sizeof_priv: int, txqs: int, rxqs: int, call=None) -> int:
    """An Ethernet device: "eth%d", ether_setup."""
    priv = sizeof_priv & 0xFFFFFFFF
    if priv & 0x80000000:
        return 0
    return alloc_netdev(k, priv, b"eth%d", 0, lambda d: ether_defaults(k, d), txqs & 0xFFFFFFFF,
                        rxqs & 0xFFFFFFFF, call.return_address)


@table.service("void ether_setup(struct net_device *dev)")
def ether_setup(k, dev: int) -> None:
    """Fill in the Ethernet defaults (type, header length, MTU, address length, broadcast)."""
    ether_defaults(k, dev)


@table.service("void free_netdev(struct net_device *dev)")
def free_netdev(k, dev: int) -> None:
    """Free a device that is not (or no longer) registered."""
    free_netdev_now(k, dev)


@table.service("void __hw_addr_init(struct netdev_hw_addr_list *list)")
def __hw_addr_init(k, lst: int) -> None:
    """An empty hardware-address list."""
    hw_addr_init(k, lst)


@table.service("void dev_addr_mod(struct net_device *dev, unsigned int offset, const void *addr, size_t len)")
def dev_addr_mod(k, dev: int, offset: int, addr: int, length: int) -> None:
    """Change bytes of the device address (eth_hw_addr_set & co): its dev_addrs entry, which
    dev->dev_addr points into; past MAX_ADDR_LEN is refused with a WARN."""
    offset &= 0xFFFFFFFF
    if offset + length > MAX_ADDR_LEN:
        k.linux.pr(f"WARNING: dev_addr_mod: {offset}+{length} bytes past MAX_ADDR_LEN", 4)
        k.linux.add_taint("W")
        return
    dst = k.machine.mem.read_ptr(dev + off(k, "dev_addr"))
    if not dst:
        k.linux.pr(f"kemu: dev_addr_mod({dev:#x}): device has no address list (not from alloc_netdev)", 3)
        k.linux.add_taint("W")
        return
    k.machine.mem.write(dst + offset, k.machine.mem.read(addr, length))


@table.service("void netdev_set_default_ethtool_ops(struct net_device *dev, const struct ethtool_ops *ops)")
def netdev_set_default_ethtool_ops(k, dev: int, ops: int) -> None:
    """Give the device `ops` unless its driver already set its own (it still has the default)."""
    addr = dev + off(k, "ethtool_ops")
    if k.machine.mem.read_ptr(addr) == allocs(k).default_ethtool_ops:
        k.machine.mem.write_ptr(addr, ops)
