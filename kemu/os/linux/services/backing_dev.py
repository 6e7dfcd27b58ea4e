"""Backing device info (mm/backing-dev.c, 6.1): what a block or MTD layer allocates to say
how its pages are written back.

bdi_alloc() returns a zeroed `struct backing_dev_info` that bdi_init and bdi_alloc set up:
one reference, the ratios (min 0, max 100, max_prop_frac FPROP_FRAC_BASE), empty bdi/wb
lists and writeback wait queue, writeback capabilities and the default readahead
(VM_READAHEAD_PAGES). bdi_register() names it (`dev_name`, printf-formatted), creates its
device in the `bdi` class (a name already there is -EEXIST, as sysfs refuses a duplicate),
gives it the next id and puts it on the kernel's bdi list; bdi_unregister() takes it off and
removes the device; the last bdi_put() frees it, warning (once) if it is still registered.
kemu runs no writeback, so the root `wb` inside the struct stays zeroed, and the id index
(an rbtree in the kernel) is a dict.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list, list_add_tail, list_del_init

table = ServiceTable("backing_dev")

FPROP_FRAC_BASE = 1 << 10
BDI_CAP_WRITEBACK, BDI_CAP_WRITEBACK_ACCT = 1 << 0, 1 << 1
VM_READAHEAD_PAGES = (128 << 10) // 4096
DEV_NAME_SIZE = 64
EEXIST = 17
STRUCT = "struct backing_dev_info"


class Bdis:
    """Registered bdis by id, their devices, the guest's bdi_list head and the `bdi` class."""

    def __init__(self, k) -> None:
        self.k = k
        self.head = k.machine.alloc("kdata", 2 * k.machine.word_size, 16)     # LIST_HEAD(bdi_list)
        init_list(k, self.head)
        self.cls = k.linux.chrdevs.create_class("bdi", None)
        self.by_id: dict[int, int] = {}            # id -> bdi
        self.devices: dict[int, object] = {}       # bdi -> its chardevs.Device
        self.cursor = 0                            # bdi_id_cursor
        self.warned = False

    def names(self) -> list[str]:
        """The registered bdis' device names, in registration order (/sys/class/bdi)."""
        return [self.devices[b].name for b in self.by_id.values()]


def bdis(k) -> Bdis:
    reg = k.linux.__dict__.get("bdis")
    if reg is None:
        reg = k.linux.__dict__["bdis"] = Bdis(k)
    return reg


def _off(k, field: str) -> int:
    return k.linux.layout.offset(STRUCT, field)


@table.service("struct backing_dev_info *bdi_alloc(int node_id)", needs_call=True)
def bdi_alloc(k, node_id: int, call=None) -> int:
    """A new bdi as bdi_init and bdi_alloc leave it (one reference, ratios 0..100, empty
    lists and wait queue, writeback capabilities, default readahead)."""
    mem, lay = k.machine.mem, k.linux.layout
    bdi = k.heap.alloc(lay.size(STRUCT), "kmalloc", zero=True, caller=call.return_address)
    mem.write_u32(bdi + _off(k, "refcnt"), 1)
    mem.write_u32(bdi + _off(k, "max_ratio"), 100)
    mem.write_u32(bdi + _off(k, "max_prop_frac"), FPROP_FRAC_BASE)
    for field in ("bdi_list", "wb_list"):
        init_list(k, bdi + _off(k, field))
    init_list(k, bdi + _off(k, "wb_waitq") + lay.offset("struct wait_queue_head", "head"))
    mem.write_u32(bdi + _off(k, "capabilities"), BDI_CAP_WRITEBACK | BDI_CAP_WRITEBACK_ACCT)
    for field in ("ra_pages", "io_pages"):
        mem.write_ptr(bdi + _off(k, field), VM_READAHEAD_PAGES)
    return bdi


@table.service("int bdi_register(struct backing_dev_info *bdi, const char *fmt, ...)")
def bdi_register(k, bdi: int, fmt: int, args) -> int:
    """Name the bdi (dev_name, at most 63 characters), create its device in the bdi class,
    give it the next id and list it; 0 at once if it already has a device; -EEXIST when
    another registered bdi has the name."""
    return register_name(k, bdi, k.linux.format(fmt, args))


def register_name(k, bdi: int, name: bytes) -> int:
    """bdi_register with the name already formatted (the block layer's "MAJOR:MINOR")."""
    mem, reg = k.machine.mem, bdis(k)
    if mem.read_ptr(bdi + _off(k, "dev")):
        return 0
    name = name[:DEV_NAME_SIZE - 1]
    mem.write(bdi + _off(k, "dev_name"), name + b"\0")
    text = name.decode("latin-1")
    if text in reg.names():
        k.linux.pr(f"sysfs: cannot create duplicate filename '/devices/virtual/bdi/{text}'", 3)
        return -EEXIST
    chrdevs = k.linux.chrdevs
    dev = chrdevs.create_device(reg.cls, 0, bdi, text, None)
    reg.devices[bdi] = next(d for d in chrdevs.devices if d.addr == dev)
    mem.write_ptr(bdi + _off(k, "dev"), dev)
    reg.cursor += 1
    mem.write_u64(bdi + _off(k, "id"), reg.cursor)
    reg.by_id[reg.cursor] = bdi
    list_add_tail(k, bdi + _off(k, "bdi_list"), reg.head)
    return 0


@table.service("void bdi_unregister(struct backing_dev_info *bdi)")
def bdi_unregister(k, bdi: int) -> None:
    """Take the bdi off the list and the id index and remove its device (dev = NULL)."""
    mem, reg = k.machine.mem, bdis(k)
    reg.by_id.pop(mem.read_u64(bdi + _off(k, "id")), None)
    node = bdi + _off(k, "bdi_list")
    if mem.read_ptr(node) != node:
        list_del_init(k, node)
    device = reg.devices.pop(bdi, None)
    if device is not None:
        k.linux.chrdevs._remove_device(device)
    mem.write_ptr(bdi + _off(k, "dev"), 0)


@table.service("void bdi_put(struct backing_dev_info *bdi)")
def bdi_put(k, bdi: int) -> None:
    """Drop a reference; the last frees the bdi (release_bdi: WARN_ON_ONCE if it still has
    a device, i.e. was never unregistered)."""
    mem, reg = k.machine.mem, bdis(k)
    at = bdi + _off(k, "refcnt")
    refs = mem.read_u32(at) - 1
    mem.write_u32(at, refs)
    if refs:
        return
    if mem.read_ptr(bdi + _off(k, "dev")) and not reg.warned:
        reg.warned = True
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr("WARNING: release_bdi: a registered bdi freed", 4)
        k.linux.add_taint("W")
    k.heap.free(bdi)


@table.service("const char *bdi_dev_name(struct backing_dev_info *bdi)")
def bdi_dev_name(k, bdi: int) -> int:
    """The bdi's registered name (dev_name), or "(unknown)" when it has no device."""
    if not bdi or not k.machine.mem.read_ptr(bdi + _off(k, "dev")):
        addr = k.linux.__dict__.get("bdi_unknown")
        if addr is None:
            addr = k.linux.__dict__["bdi_unknown"] = k.machine.alloc("kdata", 16, 16)
            k.machine.mem.write(addr, b"(unknown)\0")
        return addr
    return bdi + _off(k, "dev_name")
