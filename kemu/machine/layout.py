"""Where things live in the guest's virtual address space.

The machine knows nothing about any operating system, but modules are compiled for a real
kernel's address space: x86-64 modules built with ``-mcmodel=kernel`` must sit in the top
2 GiB, and people reading an oops expect addresses that look like their kernel's. So the
layout is data: named areas, with a default per arch shaped like a BSD/Linux kernel
(kernel above 0xc0000000 on i386, in the top 2 GiB on x86-64, user space low).
"""
from __future__ import annotations

import bisect

from kemu.record import Record

from .errors import MachineError
from .prot import Prot

PAGE_SIZE = 0x1000

#: How an area's memory comes to exist.
PREMAPPED = "premapped"   # mapped whole when the machine starts; alloc/free never unmap
ON_DEMAND = "on-demand"   # alloc maps whole pages, free unmaps them (stale pointers fault)
MANAGED = "managed"       # the machine itself uses it (call stacks); not for alloc()


class Area(Record, fields=("name", "start", "end", "prot", "kind", "doc"), frozen=True):
    """A named range [start, end) of virtual addresses with its default protection."""

    def __init__(self, name: str, start: int, end: int, prot: Prot, kind: str = PREMAPPED,
                 doc: str = "") -> None:
        vars(self).update(name=name, start=start, end=end, prot=prot, kind=kind, doc=doc)

    @property
    def size(self) -> int:
        return self.end - self.start

    def contains(self, addr: int, size: int = 1) -> bool:
        return self.start <= addr and addr + size <= self.end


class AddressLayout(Record, fields=("arch", "areas")):
    """Named, non-overlapping, page-aligned areas of one arch's address space."""

    def __init__(self, arch: str, areas: list[Area] | None = None) -> None:
        self.arch = arch
        self.areas = [] if areas is None else areas
        limit = 1 << (32 if self.arch == "i386" else 64)
        seen: set[str] = set()
        for a in self.areas:
            if a.name in seen:
                raise MachineError(f"address layout: area {a.name!r} defined twice")
            seen.add(a.name)
            if a.start % PAGE_SIZE or a.end % PAGE_SIZE or not 0 <= a.start < a.end <= limit:
                raise MachineError(f"address layout: area {a.name!r} [{a.start:#x}, {a.end:#x}) "
                                   f"is not a page-aligned range of the {self.arch} address space")
            if a.kind not in (PREMAPPED, ON_DEMAND, MANAGED):
                raise MachineError(f"address layout: area {a.name!r} has unknown kind {a.kind!r}")
        ordered = sorted(self.areas, key=lambda a: a.start)
        for lo, hi in zip(ordered, ordered[1:]):
            if hi.start < lo.end:
                raise MachineError(f"address layout: areas {lo.name!r} and {hi.name!r} overlap")
        self._ordered = ordered
        self._starts = [a.start for a in ordered]
        for required in ("ktext", "kdata", "stacks"):
            if required not in seen:
                raise MachineError(f"address layout: the machine needs an area named {required!r}")

    def __getitem__(self, name: str) -> Area:
        for a in self.areas:
            if a.name == name:
                return a
        raise MachineError(f"no area named {name!r} in the {self.arch} layout "
                           f"(areas: {', '.join(a.name for a in self.areas)})")

    def __contains__(self, name: str) -> bool:
        return any(a.name == name for a in self.areas)

    def area_of(self, addr: int) -> Area | None:
        """The area holding `addr`, or None."""
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0 and addr < self._ordered[i].end:
            return self._ordered[i]
        return None

    def describe(self) -> str:
        """One line per area, in address order (for `kemu` diagnostics and docs)."""
        return "\n".join(f"{a.start:#018x}-{a.end:#018x} {a.prot.short()} {a.kind:<9} {a.name:<8} {a.doc}"
                         for a in self._ordered)

    @classmethod
    def default(cls, arch: str) -> "AddressLayout":
        """The default layout for `arch`, shaped like a real kernel's."""
        if arch == "i386":
            return cls(arch, [
                Area("user", 0x08048000, 0xbfc00000, Prot.RW, ON_DEMAND,
                     "user space: buffers that user programs hand to system calls"),
                Area("ktext", 0xc0100000, 0xc0500000, Prot.RX, PREMAPPED,
                     "kernel text: service stubs and the call return trap"),
                Area("kdata", 0xc0500000, 0xc0900000, Prot.RW, PREMAPPED,
                     "kernel data: the trap frame, kernel variables"),
                Area("kheap", 0xc1000000, 0xc3000000, Prot.RW, PREMAPPED,
                     "kernel heap (malloc)"),
                Area("stacks", 0xd0000000, 0xd0800000, Prot.RW, MANAGED,
                     "kernel stacks, one per nesting depth, each above an unmapped guard page"),
                Area("modules", 0xdca4f000, 0xe0000000, Prot.RW, ON_DEMAND,
                     "loadable modules (starts where NetBSD 1.6's modstat shows the first one)"),
            ])
        if arch == "x86_64":
            top = 0xffffffff00000000
            return cls(arch, [
                Area("user", 0x0000000000400000, 0x00007fffffff0000, Prot.RW, ON_DEMAND,
                     "user space: buffers that user programs hand to system calls"),
                Area("ktext", top + 0x80100000, top + 0x80500000, Prot.RX, PREMAPPED,
                     "kernel text: service stubs and the call return trap"),
                Area("kdata", top + 0x80500000, top + 0x80900000, Prot.RW, PREMAPPED,
                     "kernel data: the trap frame, kernel variables"),
                Area("kheap", top + 0x81000000, top + 0x83000000, Prot.RW, PREMAPPED,
                     "kernel heap (malloc)"),
                Area("stacks", top + 0x90000000, top + 0x90800000, Prot.RW, MANAGED,
                     "kernel stacks, one per nesting depth, each above an unmapped guard page"),
                Area("modules", top + 0xa0000000, top + 0xc0000000, Prot.RW, ON_DEMAND,
                     "loadable modules, in the top 2 GiB as -mcmodel=kernel requires"),
            ])
        raise MachineError(f"unknown arch {arch!r} (expected 'i386' or 'x86_64')")
