"""The kernel memory allocator with leak accounting.

Modules `malloc` and `free` kernel memory; kemu hands out real guest memory from the machine's
kernel heap area and remembers, for every live block, its size, a tag (the malloc type
"M_DEVBUF", a Linux slab name …) and the return address of the guest code that asked for it.
That makes `leaks()` after an unload a precise report, and turns the classic bugs — freeing twice,
freeing a pointer that was never allocated or points into the middle of a block — into clear
errors naming the block and who allocated it, instead of silent corruption.

Freed blocks are filled with a poison byte so a use-after-free reads obvious garbage.
"""
from __future__ import annotations

import bisect
from typing import Any, Callable

from kemu.machine import MachineError
from kemu.record import Record

from .errors import KernelError

POISON = 0xA5
POISON_LIMIT = 64 * 1024  # poison at most this many bytes per free (keeps huge frees cheap)


class HeapError(KernelError):
    """A bad free or an impossible allocation (bad size or alignment, the heap area
    exhausted); the message names the address and the block, or the request."""


class Allocation(Record, fields=("addr", "size", "tag", "caller", "serial", "owner"), frozen=True):
    def __init__(self, addr: int, size: int, tag: str, caller: int | None, serial: int,
                 owner: Any = None) -> None:
        vars(self).update(
            addr=addr,
            size=size,
            tag=tag,
            caller=caller,  # return address of the allocating call in guest code, when known
            serial=serial,  # allocation order, for stable reports
            owner=owner,    # the module charged with the block (decided when it was allocated)
        )


class HeapStats(Record, fields=("allocs", "frees", "live_blocks", "live_bytes", "peak_bytes", "by_tag")):
    def __init__(self, allocs: int = 0, frees: int = 0, live_blocks: int = 0, live_bytes: int = 0,
                 peak_bytes: int = 0, by_tag: dict[str, list[int]] | None = None) -> None:
        self.allocs = allocs
        self.frees = frees
        self.live_blocks = live_blocks
        self.live_bytes = live_bytes
        self.peak_bytes = peak_bytes
        self.by_tag = {} if by_tag is None else by_tag  # tag -> [live blocks, live bytes, total allocs]


class KernelHeap:
    """Blocks carved from a machine area by `machine.alloc(area, size, align)`."""

    def __init__(self, machine: Any, area: str = "kheap", symbolize: Any = None):
        self.machine = machine
        self.area = area
        self._symbolize = symbolize
        self._live: dict[int, Allocation] = {}
        self._starts: list[int] = []          # sorted live block addresses
        self._freed: dict[int, Allocation] = {}  # recently freed, for double-free reports
        self._serial = 0
        self.stats = HeapStats()
        #: caller address -> the module to charge (the loader sets it); decided at allocation
        #: time, so a later module loaded at the same address is never blamed for old blocks
        self.owner_of: Callable[[int | None], Any] = lambda caller: None

    def _where(self, addr: int | None) -> str:
        if addr is None:
            return "an unknown caller"
        if self._symbolize is not None:
            return str(self._symbolize(addr))
        return f"{addr:#x}"

    def alloc(self, size: int, tag: str = "", zero: bool = False, align: int = 16,
              caller: int | None = None) -> int:
        """A new block of `size` bytes (at least 1) aligned to `align`; its address."""
        if not isinstance(size, int) or size < 0:
            raise HeapError(f"kernel heap: bad allocation size {size!r} (tag {tag!r})")
        if align <= 0 or align & (align - 1):
            raise HeapError(f"kernel heap: alignment must be a power of two, not {align}")
        real = max(size, 1)
        try:
            addr = self.machine.alloc(self.area, real, align)
        except MachineError as exc:   # the area is exhausted (or no such area)
            raise HeapError(f"kernel heap: cannot allocate {size} bytes (tag {tag!r}) "
                            f"from area {self.area}: {exc}") from None
        if addr in self._live:
            raise HeapError(f"kernel heap: machine allocator returned live block {addr:#x} twice")
        self._freed.pop(addr, None)
        self._serial += 1
        block = Allocation(addr, size, tag, caller, self._serial, self.owner_of(caller))
        self._live[addr] = block
        bisect.insort(self._starts, addr)
        if zero:
            self.machine.mem.write(addr, bytes(real))
        s = self.stats
        s.allocs += 1
        s.live_blocks += 1
        s.live_bytes += size
        s.peak_bytes = max(s.peak_bytes, s.live_bytes)
        t = s.by_tag.setdefault(tag, [0, 0, 0])
        t[0] += 1
        t[1] += size
        t[2] += 1
        return addr

    def free(self, addr: int, caller: int | None = None) -> Allocation:
        """Release a block; HeapError for a double free, an interior pointer or a stranger."""
        block = self._live.pop(addr, None)
        if block is None:
            raise HeapError(self._bad_free_message(addr, caller))
        i = bisect.bisect_left(self._starts, addr)
        del self._starts[i]
        poison = min(max(block.size, 1), POISON_LIMIT)
        self.machine.mem.write(addr, bytes([POISON]) * poison)
        self.machine.free(self.area, addr)
        self._freed[addr] = block
        if len(self._freed) > 4096:
            self._freed.pop(next(iter(self._freed)))
        s = self.stats
        s.frees += 1
        s.live_blocks -= 1
        s.live_bytes -= block.size
        t = s.by_tag[block.tag]
        t[0] -= 1
        t[1] -= block.size
        return block

    def _bad_free_message(self, addr: int, caller: int | None) -> str:
        by = f" (free called from {self._where(caller)})" if caller is not None else ""
        old = self._freed.get(addr)
        if old is not None:
            return (f"kernel heap: double free of {addr:#x}{by}: block of {old.size} bytes, tag "
                    f"{old.tag!r}, allocated by {self._where(old.caller)}, is already free")
        inside = self.block_containing(addr)
        if inside is not None:
            return (f"kernel heap: free of {addr:#x}{by} points {addr - inside.addr} bytes into the "
                    f"block {inside.addr:#x} ({inside.size} bytes, tag {inside.tag!r}, allocated by "
                    f"{self._where(inside.caller)})")
        return f"kernel heap: free of {addr:#x}{by}, which was never allocated"

    def block_containing(self, addr: int) -> Allocation | None:
        """The live block whose bytes include `addr`, if any."""
        i = bisect.bisect_right(self._starts, addr) - 1
        if i < 0:
            return None
        block = self._live[self._starts[i]]
        if block.addr <= addr < block.addr + max(block.size, 1):
            return block
        return None

    def size_of(self, addr: int) -> int:
        """Size of the live block at `addr` (for realloc); HeapError if there is none."""
        block = self._live.get(addr)
        if block is None:
            raise HeapError(self._bad_free_message(addr, None).replace("free of", "size of"))
        return block.size

    def leaks(self, tag: str | None = None) -> list[Allocation]:
        """Live blocks (optionally of one tag) in allocation order — after an unload, leaks."""
        blocks = (b for b in self._live.values() if tag is None or b.tag == tag)
        return sorted(blocks, key=lambda b: b.serial)

    def leak_report(self) -> str:
        """Human-readable list of live blocks with who allocated them."""
        lines = [f"{b.size} bytes at {b.addr:#x} tag {b.tag!r} allocated by {self._where(b.caller)}"
                 for b in self.leaks()]
        return "\n".join(lines)

    def __contains__(self, addr: int) -> bool:
        return addr in self._live

    def __len__(self) -> int:
        return len(self._live)
