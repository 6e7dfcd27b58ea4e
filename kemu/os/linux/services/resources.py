"""I/O port and memory regions (kernel/resource.c): the ioport_resource and iomem_resource
trees drivers claim ranges in, with Linux's conflict rules.

The trees are `struct resource` nodes in guest memory (parent, sibling, child links, the
children of a node sorted by start), rooted at the exported ioport_resource (0-0xffff,
"PCI IO") and iomem_resource (0 to the CPU's physical address limit, "PCI mem"). At boot
the ports every PC's chipset decodes are reserved as x86's setup code reserves them
(standard_io_resources: dma1, pic1, timer0, timer1, keyboard, dma page reg, pic2, dma2,
fpu), so a driver probing one of those gets the conflict it would on real hardware.

* __request_region: a busy region inside `parent`; NULL if it overlaps a busy one (inside a
  non-busy one it nests); request_resource / release_resource for a caller's own node
  (-EBUSY on a conflict);
* __release_region: the busy region with exactly that range goes; asking for one that is
  not there is "Trying to free nonexistent resource <start-end>";
* __devm_request_region / __devm_release_region: a region released with the device's
  managed resources (devres.py).

A muxed request (request_muxed_region) that meets another muxed holder would sleep until it
is released; with one CPU and no other task to release it kemu answers NULL instead.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import devres

table = ServiceTable("resources")

IORESOURCE_IO = 0x100
IORESOURCE_MEM = 0x200
IORESOURCE_TYPE_BITS = 0x1F00
IORESOURCE_EXT_TYPE_BITS = 0x01000000
IORESOURCE_MUXED = 0x00400000
IORESOURCE_BUSY = 0x80000000
IO_SPACE_LIMIT = 0xFFFF

#: arch/x86/kernel/setup.c: the legacy ports reserved at boot (name, start, end)
STANDARD_IO = (("dma1", 0x00, 0x1F), ("pic1", 0x20, 0x21), ("timer0", 0x40, 0x43), ("timer1", 0x50, 0x53),
               ("keyboard", 0x60, 0x60), ("keyboard", 0x64, 0x64), ("dma page reg", 0x80, 0x8F),
               ("pic2", 0xA0, 0xA1), ("dma2", 0xC0, 0xDF), ("fpu", 0xF0, 0xFF))
DEVM_RELEASE = "__kemu_devm_region_release"


class Res:
    """Field access to one guest `struct resource`."""

    def __init__(self, k, addr: int):
        self.k, self.addr = k, addr

    def _off(self, name: str) -> int:
        return self.k.linux.layout.offset("struct resource", name)

    def get(self, name: str) -> int:
        mem, lay = self.k.machine.mem, self.k.linux.layout
        if lay.field_size("struct resource", name) == 8:
            return mem.read_u64(self.addr + self._off(name))
        return mem.read_u32(self.addr + self._off(name))

    def set(self, name: str, value: int) -> None:
        mem, lay = self.k.machine.mem, self.k.linux.layout
        if lay.field_size("struct resource", name) == 8:
            mem.write_u64(self.addr + self._off(name), value & (2 ** 64 - 1))
        else:
            mem.write_u32(self.addr + self._off(name), value & 0xFFFFFFFF)

    def slot(self, name: str) -> int:
        return self.addr + self._off(name)


def _cstring(k, text: str) -> int:
    addr = k.machine.alloc("kdata", len(text) + 1, 1)
    k.machine.mem.write(addr, text.encode() + b"\0")
    return addr


def setup_trees(linux) -> None:
    """Fill ioport_resource and iomem_resource and reserve the PC's standard ports."""
    k = linux.kernel
    size = linux.layout.size("struct resource")
    ioport, iomem = linux.data.get("ioport_resource"), linux.data.get("iomem_resource")
    if ioport is None or iomem is None:
        return
    phys_bits = 36
    if linux.cpu.cpuid(0x80000000)[0] >= 0x80000008:
        phys_bits = linux.cpu.cpuid(0x80000008)[0] & 0xFF or phys_bits
    for addr, name, end, kind in ((ioport, "PCI IO", IO_SPACE_LIMIT, IORESOURCE_IO),
                                  (iomem, "PCI mem", (1 << phys_bits) - 1, IORESOURCE_MEM)):
        linux.machine.mem.write(addr, bytes(size))
        r = Res(k, addr)
        r.set("end", end)
        r.set("name", _cstring(k, name))
        r.set("flags", kind)
    for name, start, end in STANDARD_IO:
        node = linux.machine.alloc("kdata", size, 8)
        linux.machine.mem.write(node, bytes(size))
        r = Res(k, node)
        r.set("start", start)
        r.set("end", end)
        r.set("name", _cstring(k, name))
        r.set("flags", IORESOURCE_BUSY | IORESOURCE_IO)
        _request(k, ioport, node)


def _request(k, root: int, new: int) -> int:
    """__request_resource: link `new` under `root` in start order; 0, or the node (or root)
    it conflicts with."""
    mem = k.machine.mem
    r, n = Res(k, root), Res(k, new)
    start, end = n.get("start"), n.get("end")
    if end < start or start < r.get("start") or end > r.get("end"):
        return root
    p = r.slot("child")
    while True:
        tmp = mem.read_ptr(p)
        if not tmp or Res(k, tmp).get("start") > end:
            n.set("sibling", tmp)
            mem.write_ptr(p, new)
            n.set("parent", root)
            return 0
        p = Res(k, tmp).slot("sibling")
        if Res(k, tmp).get("end") < start:
            continue
        return tmp


def _unlink(k, old: int) -> int:
    """__release_resource without its children: 0, or -EINVAL if `old` is not linked."""
    mem = k.machine.mem
    parent = Res(k, old).get("parent")
    if not parent:
        return -k.errno.EINVAL
    p = Res(k, parent).slot("child")
    while (tmp := mem.read_ptr(p)):
        if tmp == old:
            mem.write_ptr(p, Res(k, old).get("sibling"))
            Res(k, old).set("parent", 0)
            return 0
        p = Res(k, tmp).slot("sibling")
    return -k.errno.EINVAL


def request_region(k, parent: int, start: int, n: int, name: int, flags: int, caller: int | None) -> int:
    size = k.linux.layout.size("struct resource")
    res = k.heap.alloc(size, "resource", zero=True, caller=caller)
    r = Res(k, res)
    r.set("name", name)
    r.set("start", start)
    r.set("end", start + n - 1)
    while True:
        p = Res(k, parent)
        r.set("flags", (p.get("flags") & (IORESOURCE_TYPE_BITS | IORESOURCE_EXT_TYPE_BITS)) | IORESOURCE_BUSY | flags)
        r.set("desc", p.get("desc"))
        conflict = _request(k, parent, res)
        if not conflict:
            return res
        if conflict != parent and not Res(k, conflict).get("flags") & IORESOURCE_BUSY:
            parent = conflict            # nest inside a region that is not busy
            continue
        k.heap.free(res)
        return 0


@table.service("struct resource *__request_region(struct resource *parent, unsigned long long start, "
               "unsigned long long n, const char *name, int flags)", needs_call=True)
def __request_region(k, parent: int, start: int, n: int, name: int, flags: int, call=None) -> int:
    """Claim [start, start+n) busy under `parent`; NULL if something busy holds part of it."""
    return request_region(k, parent, start, n, name, flags & 0xFFFFFFFF, call.return_address if call else None)


def release_region(k, parent: int, start: int, n: int) -> bool:
    mem = k.machine.mem
    end = start + n - 1
    p = Res(k, parent).slot("child")
    while (res := mem.read_ptr(p)):
        r = Res(k, res)
        if r.get("start") <= start and r.get("end") >= end:
            if not r.get("flags") & IORESOURCE_BUSY:
                p = r.slot("child")
                continue
            if r.get("start") != start or r.get("end") != end:
                break
            mem.write_ptr(p, r.get("sibling"))
            if res in k.heap:
                k.heap.free(res)
            return True
        p = r.slot("sibling")
    width = 16 if k.linux.layout.field_size("struct resource", "start") == 8 else 8
    k.linux.pr(f"Trying to free nonexistent resource <0x{start:0{width}x}-0x{end:0{width}x}>", 4)
    return False


@table.service("void __release_region(struct resource *parent, unsigned long long start, unsigned long long n)")
def __release_region(k, parent: int, start: int, n: int) -> None:
    """Give back a region __request_region claimed (exactly that range)."""
    release_region(k, parent, start, n)


@table.service("int request_resource(struct resource *root, struct resource *new)")
def request_resource(k, root: int, new: int) -> int:
    """Link the caller's resource under `root`; -EBUSY when it conflicts."""
    return -k.errno.EBUSY if _request(k, root, new) else 0


@table.service("int release_resource(struct resource *old)")
def release_resource(k, old: int) -> int:
    """Unlink a resource request_resource linked; -EINVAL if it is not in a tree."""
    return _unlink(k, old)


# --- managed regions --------------------------------------------------------------------------

@table.service("struct resource *__devm_request_region(struct device *dev, struct resource *parent, "
               "unsigned long long start, unsigned long long n, const char *name)", needs_call=True)
def __devm_request_region(k, dev: int, parent: int, start: int, n: int, name: int, call=None) -> int:
    """__request_region whose release comes with the device's managed resources."""
    word = k.machine.word_size
    record = devres._new(k, 3 * 8, devres.GFP_ZERO, k.installed[DEVM_RELEASE][1], "devm_region_release", call)
    if not record:
        return 0
    res = request_region(k, parent, start, n, name, 0, call.return_address if call else None)
    if not res:
        devres.devres_free(k, record)
        return 0
    mem = k.machine.mem
    mem.write_ptr(record, parent)
    mem.write_u64(record + word, start)
    mem.write_u64(record + word + 8, n)
    devres.devres_add(k, dev, record)
    return res


@table.service(f"void {DEVM_RELEASE}(struct device *dev, void *res)")
def __kemu_devm_region_release(k, dev: int, res: int) -> None:
    """devm_region_release: the region the record names goes."""
    mem, word = k.machine.mem, k.machine.word_size
    release_region(k, mem.read_ptr(res), mem.read_u64(res + word), mem.read_u64(res + word + 8))


def _region_match(k, dr: "devres.Devres", parent: int, start: int, n: int) -> bool:
    mem, word = k.machine.mem, k.machine.word_size
    return (mem.read_ptr(dr.data) == parent and mem.read_u64(dr.data + word) == start
            and mem.read_u64(dr.data + word + 8) == n)


@table.service("void __devm_release_region(struct device *dev, struct resource *parent, unsigned long long start, "
               "unsigned long long n)")
def __devm_release_region(k, dev: int, parent: int, start: int, n: int) -> None:
    """Release a managed region early (WARN if the device holds no such region)."""
    release = k.installed[DEVM_RELEASE][1]
    entries = devres.lists(k).lists.get(dev, [])
    dr = next((d for d in reversed(entries) if d.release == release and _region_match(k, d, parent, start, n)), None)
    if dr is None:
        devres._warn(k, "__devm_release_region: no such managed region")
        return
    entries.remove(dr)
    devres.lists(k).release_one(dev, dr)


def regions(k, root: int, depth: int = 0) -> list[tuple[int, int, int, str]]:
    """(depth, start, end, name) of every node under `root`, in tree order."""
    mem, found = k.machine.mem, []
    child = Res(k, root).get("child")
    while child:
        r = Res(k, child)
        name_ptr = r.get("name")
        name = k.read_str(name_ptr, 256).decode("latin-1") if name_ptr else "<BAD>"
        found.append((depth, r.get("start"), r.get("end"), name))
        found.extend(regions(k, child, depth + 1))
        child = r.get("sibling")
    del mem
    return found


def proc_ioports(linux) -> str:
    """/proc/ioports: each claimed port range, children indented two spaces a level."""
    root = linux.data.get("ioport_resource")
    if root is None:
        return ""
    return "".join(f"{'  ' * depth}{start:04x}-{end:04x} : {name}\n"
                   for depth, start, end, name in regions(linux.kernel, root))
