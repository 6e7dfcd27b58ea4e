"""Mapping device memory and I/O ports (arch/x86/mm/ioremap.c, lib/iomap.c, lib/devres.c in
Linux 6.1) on a machine whose buses have nothing behind them.

ioremap(phys, size) gives a kernel virtual mapping of the pages covering [phys, phys+size),
the offset into the first page kept. kemu's q35 machine has no device at any physical
address a module maps (its devices are not emulated), so every mapping is an empty bus: reads
give all-ones, writes go nowhere. The pages are read-only kernel memory filled with 0xff, and
a write fault inside one is taken as the bus taking the write (the instruction is skipped).
Each mapping has a `struct vm_struct`-sized block on the kernel heap charged to the caller,
freed by iounmap: a module that never unmaps is seen leaking it. A size of 0 or a range that
wraps is NULL. iounmap of NULL (or of the low ISA window, below high_memory) does nothing; of
an address no ioremap gave it is the kernel's "Trying to iounmap() nonexistent vm area" WARN.

check_signature(io, sig, n): whether the n bytes at `io` are `sig` (readb by readb).
devm_ioport_map(dev, port, nr): ioport_map's cookie for port I/O (port + PIO_OFFSET, 0x10000,
for ports up to 0xffff; NULL beyond), kept as a device-managed resource (ioport_unmap has
nothing to undo).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable
from kemu.machine import Prot

from ..kernel_state import state
from . import devres

table = ServiceTable("io_mapping")

PAGE = 4096
PIO_OFFSET, PIO_MASK = 0x10000, 0xFFFF
VM_STRUCT_SIZE = 64               # the bookkeeping block a mapping costs (kmalloc'd in the kernel)


class IoMappings:
    """base virtual address -> (pages, physical start, vm_struct block)."""

    def __init__(self, linux) -> None:
        self.linux = linux
        self.maps: dict[int, tuple[int, int, int]] = {}
        linux.machine.fault_fixups.append(self.write_fault)

    def find(self, addr: int) -> int | None:
        return next((base for base, (size, _, _) in self.maps.items() if base <= addr < base + size), None)

    def write_fault(self, pc: int, trap) -> int | None:
        """A write into an empty-bus mapping: the bus drops it; carry on after the instruction."""
        if trap.vector != 14 or trap.access != "write" or trap.address is None:
            return None
        if self.find(trap.address) is None:
            return None
        insn = self.linux.machine.disassemble(pc, 1)
        return pc + insn[0].size if insn else None

    def map(self, phys: int, size: int, caller: int | None) -> int:
        m = self.linux.machine
        first = phys & ~(PAGE - 1)
        pages = ((phys + size + PAGE - 1) & ~(PAGE - 1)) - first
        base = m.alloc("modules", pages, PAGE)
        m.mem.write(base, b"\xff" * pages)
        m.mem.protect(base, pages, Prot.READ)
        vm = self.linux.kernel.heap.alloc(VM_STRUCT_SIZE, "vm_struct (ioremap)", zero=True, caller=caller)
        self.maps[base] = (pages, first, vm)
        return base + (phys - first)

    def unmap(self, addr: int) -> bool:
        base = self.find(addr)
        if base is None:
            return False
        _pages, _phys, vm = self.maps.pop(base)
        self.linux.kernel.heap.free(vm)
        self.linux.machine.free("modules", base)
        return True


def mappings(k) -> IoMappings:
    return state(k, "io_mappings", IoMappings)


def _ioremap(k, phys: int, size: int, call) -> int:
    last = phys + size - 1
    if not size or last < phys or last >= 1 << 52:
        return 0
    return mappings(k).map(phys, size, call.return_address if call is not None else None)


@table.service("void *ioremap(u64 phys_addr, unsigned long size)", needs_call=True)
def ioremap(k, phys_addr: int, size: int, call=None) -> int:
    """Map [phys_addr, phys_addr+size) uncached: an empty bus on this machine."""
    return _ioremap(k, phys_addr, size, call)


@table.service("void *ioremap_wc(u64 phys_addr, unsigned long size)", needs_call=True)
def ioremap_wc(k, phys_addr: int, size: int, call=None) -> int:
    """ioremap with write-combining: the same empty bus."""
    return _ioremap(k, phys_addr, size, call)


@table.service("void *ioremap_cache(u64 phys_addr, unsigned long size)", needs_call=True)
def ioremap_cache(k, phys_addr: int, size: int, call=None) -> int:
    """ioremap write-back cached: the same empty bus."""
    return _ioremap(k, phys_addr, size, call)


@table.service("void iounmap(volatile void *addr)")
def iounmap(k, addr: int) -> None:
    """Undo an ioremap."""
    if addr < 0x100000:                     # NULL and the ISA window: nothing to undo
        return
    if not mappings(k).unmap(addr):
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr(f"Trying to iounmap() nonexistent vm area ({addr:#x})", 3)
        k.linux.add_taint("W")


@table.service("int check_signature(const volatile void *io_addr, const unsigned char *signature, int length)")
def check_signature(k, io_addr: int, signature: int, length: int) -> int:
    """1 when the `length` bytes at io_addr equal `signature`."""
    if length <= 0:
        return 1
    return int(k.machine.mem.read(io_addr, length) == k.machine.mem.read(signature, length))


@table.service("void *devm_ioport_map(struct device *dev, unsigned long port, unsigned int nr)", needs_call=True)
def devm_ioport_map(k, dev: int, port: int, nr: int, call=None) -> int:
    """ioport_map's cookie for `port`, released with the device."""
    if port > PIO_MASK:
        return 0
    record = devres._new(k, k.machine.word_size, devres.GFP_ZERO, 0, "devm_ioport_map_release", call)
    cookie = port + PIO_OFFSET
    k.machine.mem.write_ptr(record, cookie)
    devres.devres_add(k, dev, record)
    return cookie
