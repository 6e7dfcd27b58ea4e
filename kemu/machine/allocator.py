"""First-fit allocators for the areas of the address space.

Deliberately simple and deterministic (same requests, same addresses): kernels load the
first module at the bottom of their module area, and so do we.
"""
from __future__ import annotations

import bisect

from kemu.intbits import align_up

from .errors import MachineError


class RangeAllocator:
    """Hands out aligned blocks of [start, end); `free` returns them and merges neighbours."""

    def __init__(self, name: str, start: int, end: int) -> None:
        self.name = name
        self.start = start
        self.end = end
        self._free: list[tuple[int, int]] = [(start, end)]  # sorted, disjoint [lo, hi)
        self.allocated: dict[int, int] = {}                  # addr -> size

    def alloc(self, size: int, align: int = 16) -> int:
        if size <= 0:
            raise MachineError(f"alloc from {self.name}: size {size} must be positive")
        if align <= 0 or align & (align - 1):
            raise MachineError(f"alloc from {self.name}: alignment {align} is not a power of two")
        for i, (lo, hi) in enumerate(self._free):
            addr = align_up(lo, align)
            if addr + size <= hi:
                pieces = []
                if lo < addr:
                    pieces.append((lo, addr))
                if addr + size < hi:
                    pieces.append((addr + size, hi))
                self._free[i:i + 1] = pieces
                self.allocated[addr] = size
                return addr
        raise MachineError(f"area {self.name} is exhausted: no room for {size} bytes aligned to {align}")

    def reserve(self, addr: int, size: int) -> None:
        """Take [addr, addr+size) out of the free space (it must be free)."""
        for i, (lo, hi) in enumerate(self._free):
            if lo <= addr and addr + size <= hi:
                self._free[i:i + 1] = [p for p in ((lo, addr), (addr + size, hi)) if p[0] < p[1]]
                self.allocated[addr] = size
                return
        raise MachineError(f"area {self.name}: [{addr:#x}, {addr + size:#x}) is not free")

    def free(self, addr: int) -> int:
        """Return the block at `addr`; its size is returned."""
        size = self.allocated.pop(addr, None)
        if size is None:
            raise MachineError(f"free: {addr:#x} is not a block allocated from area {self.name}")
        lo, hi = addr, addr + size
        i = bisect.bisect_left(self._free, (lo, hi))
        if i > 0 and self._free[i - 1][1] == lo:
            i -= 1
            lo = self._free[i][0]
            del self._free[i]
        if i < len(self._free) and self._free[i][0] == hi:
            hi = self._free[i][1]
            del self._free[i]
        self._free.insert(i, (lo, hi))
        return size

    def size_of(self, addr: int) -> int | None:
        return self.allocated.get(addr)
