"""The guest's virtual address space: mappings, protections, and checked Python access.

Each `map()` gets its own anonymous `mmap` handed to Unicorn with `mem_map_ptr` at a fresh
*physical* address; Unicorn runs in virtual-TLB mode and asks `_tlb_fill` which physical
page and which permissions back a virtual page. That is what lets x86-64 kernel code live
at 0xffffffff80000000 (Unicorn refuses those addresses otherwise), gives per-region
protections without Unicorn's own region splitting, and lets Python read and write guest
memory through the mmap with no Unicorn call at all.

Every Python-side access is checked against the mappings and raises `MemoryFault` when it
touches an unmapped byte; protections apply to the guest only.
"""
from __future__ import annotations

import bisect
import ctypes
import mmap
import struct
from typing import Callable

from unicorn import unicorn_const as ucc

from kemu.intbits import align_up

from .errors import MachineError, MemoryFault
from .layout import PAGE_SIZE
from .prot import Prot

_PAGE_MASK = PAGE_SIZE - 1
_bisect_right = bisect.bisect_right
_FIRST_PHYS = 0x100000
#: Bytes of released (never executable) guest memory kept for reuse by later map() calls.
POOL_LIMIT = 16 << 20
#: What a TLB fill of each access type needs from the page protection.
# plain ints: IntFlag arithmetic costs microseconds on hot paths
_R, _W, _X = int(Prot.READ), int(Prot.WRITE), int(Prot.EXEC)
_NEEDS = {ucc.UC_MEM_READ: _R, ucc.UC_MEM_WRITE: _W, ucc.UC_MEM_FETCH: _X}
ACCESS_NAMES = {ucc.UC_MEM_READ: "read", ucc.UC_MEM_WRITE: "write", ucc.UC_MEM_FETCH: "fetch"}


class _Backing:
    """Host memory for one `map()` call, visible to Unicorn at `phys`."""

    __slots__ = ("mm", "cbuf", "phys", "size", "refs", "was_exec", "tlb_gen", "__weakref__")

    def __init__(self, size: int, phys: int) -> None:
        self.mm = mmap.mmap(-1, size)
        self.cbuf = (ctypes.c_char * size).from_buffer(self.mm)
        self.phys = phys
        self.size = size
        self.refs = 0
        self.was_exec = False
        self.tlb_gen = -1      # Memory._tlb_gen when Unicorn last cached a page of it

    @property
    def address(self) -> int:
        return ctypes.addressof(self.cbuf)


class Region:
    """A run of virtual pages [start, end) with one protection (`prot`, a plain int of
    Prot bits), backed by `backing.mm[offset : offset + end - start]`. For the access paths,
    `mm` is `backing.mm` and guest address `a` lies at `mm[a + delta]` (start and offset
    never change; splitting makes a new region)."""

    __slots__ = ("start", "end", "prot", "name", "backing", "offset", "mm", "delta")

    def __init__(self, start: int, end: int, prot: Prot, name: str, backing: _Backing | None,
                 offset: int) -> None:
        self.start, self.end, self.prot, self.name = start, end, int(prot), name
        self.backing, self.offset = backing, offset
        self.mm = backing.mm if backing is not None else None
        self.delta = offset - start

    def __repr__(self) -> str:
        return f"Region({self.start:#x}-{self.end:#x} {Prot(self.prot).short()} {self.name})"


#: "No last region": empty (start > end), so no access of n >= 0 bytes falls inside it.
_NO_REGION = Region(1, 0, 0, "", None, 0)


class Memory:
    """Virtual memory of one machine. Addresses are guest virtual addresses."""

    def __init__(self, uc, word_size: int, addr_bits: int) -> None:
        self._uc = uc
        self._handle = uc._uch
        self.word_size = word_size
        self._limit = 1 << addr_bits
        self._regions: list[Region] = []
        self._starts: list[int] = []
        self._last = _NO_REGION
        self._next_phys = _FIRST_PHYS
        self._free_phys: dict[int, list[int]] = {}
        self._pool: dict[int, list[_Backing]] = {}
        self._tlb_gen = 0
        self._pooled = 0
        #: False until the first guest instruction runs: before that Unicorn has translated
        #: nothing, so writes into code have no translations to drop (a Linux boot writes
        #: over a thousand stubs and traps and would pay a cache walk for each).
        self.code_may_be_translated = False
        #: The last access the TLB refused to the guest: (vaddr, UC_MEM_* access, region|None).
        self.last_denied: tuple[int, int, Region | None] | None = None
        self._word = "<Q" if word_size == 8 else "<I"

    # ---- mapping -----------------------------------------------------------------------

    def map(self, addr: int, size: int, prot: Prot | int, name: str = "") -> None:
        """Map [addr, addr+size) (size rounded up to whole pages), zero-filled, with `prot`
        for the guest. Overlapping an existing mapping is an error."""
        size = self._check_range("map", addr, size)
        i = bisect.bisect_left(self._starts, addr)
        if (i > 0 and self._regions[i - 1].end > addr) or (
                i < len(self._regions) and self._regions[i].start < addr + size):
            other = self._regions[i - 1] if i > 0 and self._regions[i - 1].end > addr else self._regions[i]
            raise MachineError(f"map {name or '?'} [{addr:#x}, {addr + size:#x}): overlaps the mapping "
                               f"{other.name or '?'} [{other.start:#x}, {other.end:#x})")
        pool = self._pool.get(size)
        if pool:
            # a released backing of this size, still known to Unicorn: reuse it zeroed
            backing = pool.pop()
            self._pooled -= size
            ctypes.memset(backing.address, 0, size)
        else:
            backing = _Backing(size, self._take_phys(size))
            self._uc.mem_map_ptr(backing.phys, size, ucc.UC_PROT_ALL, backing.address)
        self._insert(Region(addr, addr + size, Prot(prot), name, backing, 0))
        if prot & _X:
            backing.was_exec = True

    def unmap(self, addr: int, size: int) -> None:
        """Unmap every mapped page in [addr, addr+size); unmapped holes inside are ignored."""
        size = self._check_range("unmap", addr, size)
        end = addr + size
        doomed = self._carve(addr, end)
        for r in doomed:
            if r.prot & _X:
                self._invalidate_code(r.start, r.end)
        cached = any(r.backing.tlb_gen == self._tlb_gen for r in doomed)
        for r in doomed:
            self._remove(r)
            self._release(r.backing)
        self._last = _NO_REGION
        if cached:
            self.flush_tlb()

    def protect(self, addr: int, size: int, prot: Prot | int) -> None:
        """Change the guest's protection of [addr, addr+size); every page must be mapped."""
        size = self._check_range("protect", addr, size)
        end = addr + size
        self._require_mapped(addr, size, "protect")
        cached = False
        for r in self._carve(addr, end):
            r.prot = int(prot)
            cached = cached or r.backing.tlb_gen == self._tlb_gen
            if prot & _X:
                r.backing.was_exec = True
        self._merge_around(addr, end)
        if cached:
            self.flush_tlb()
        if prot & _X:
            # Code written while the pages were not executable may have stale translations
            # from an earlier executable life of the same pages.
            self._invalidate_code(addr, end)

    def regions(self) -> list[Region]:
        """The current mappings in address order (copies are cheap views; do not mutate)."""
        return list(self._regions)

    def region_at(self, addr: int) -> Region | None:
        r = self._last
        if r.start <= addr < r.end:
            return r
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0:
            r = self._regions[i]
            if addr < r.end:
                self._last = r
                return r
        return None

    def is_mapped(self, addr: int, n: int = 1) -> bool:
        """True if every byte of [addr, addr+n) is mapped."""
        if n <= 0:
            return 0 <= addr < self._limit
        while n > 0:
            r = self.region_at(addr)
            if r is None:
                return False
            step = min(n, r.end - addr)
            addr += step
            n -= step
        return True

    def flush_tlb(self) -> None:
        """Forget every virtual→physical translation Unicorn cached. unmap/protect call it
        only when the guest has touched the pages since the last flush (refilling the TLB
        through Python costs ~2 µs a page)."""
        self._uc.ctl(ucc.UC_CTL_TLB_FLUSH, ucc.UC_CTL_IO_WRITE)
        self._tlb_gen += 1

    # ---- access ------------------------------------------------------------------------

    def read(self, addr: int, n: int) -> bytes:
        """`n` bytes at `addr`; MemoryFault if any of them is unmapped."""
        r = self._last
        if not (r.start <= addr and addr + n <= r.end):
            # Not in the last region used: look it up here rather than through region_at
            # (kernels alternate between a few regions — heap, user buffer, module data —
            # on every service call, and a method call costs as much as the search).
            i = _bisect_right(self._starts, addr) - 1
            if i < 0 or n < 0 or addr + n > self._regions[i].end:
                return b"".join(self._pieces(addr, n, "read", lambda r, o, k: r.backing.mm[o:o + k]))
            r = self._last = self._regions[i]
        o = addr + r.delta
        return r.mm[o:o + n]

    def write(self, addr: int, data: bytes | bytearray | memoryview) -> None:
        """Write `data` at `addr` (protections are the guest's business, not Python's).
        Writing into executable pages drops Unicorn's translations of them."""
        n = len(data)
        r = self._last
        if not (r.start <= addr and addr + n <= r.end):
            i = _bisect_right(self._starts, addr) - 1
            if i < 0 or addr + n > self._regions[i].end:
                return self._write_pieces(addr, data)
            r = self._last = self._regions[i]
        if r.prot & _X and self.code_may_be_translated:
            return self._write_pieces(addr, data)
        o = addr + r.delta
        r.mm[o:o + n] = data

    def _write_pieces(self, addr: int, data: bytes | bytearray | memoryview) -> None:
        """write() across mappings, or into code (whose translations it drops)."""
        pos = 0
        view = memoryview(data).cast("B")
        for r, o, k in list(self._pieces(addr, len(data), "write", lambda r, o, k: (r, o, k))):
            r.backing.mm[o:o + k] = view[pos:pos + k]
            if r.prot & _X:
                self._invalidate_code(r.start + o - r.offset, r.start + o - r.offset + k)
            pos += k

    def copy(self, dst: int, src: int, n: int) -> None:
        """Copy `n` bytes from `src` to `dst` inside the guest (overlap is fine, as memmove).
        MemoryFault, with nothing written, if either range is not mapped."""
        starts = self._starts
        i = _bisect_right(starts, src) - 1
        j = _bisect_right(starts, dst) - 1
        if i >= 0 and j >= 0 and n > 0:
            rs, rd = self._regions[i], self._regions[j]
            if src + n <= rs.end and dst + n <= rd.end and not rd.prot & _X:
                so, do = src + rs.delta, dst + rd.delta
                rd.mm[do:do + n] = rs.mm[so:so + n]
                return
        self.write(dst, self.read(src, n))

    def load_code(self, addr: int, data: bytes) -> None:
        """Write machine code so that Unicorn translates it afresh: modules get unloaded and
        new ones loaded at the same address. Writes into executable pages drop their
        translations at once; pages made executable later are dropped by `protect()`."""
        self.write(addr, data)

    def fill(self, addr: int, n: int, byte: int = 0) -> None:
        self.write(addr, bytes([byte]) * n)

    def read_cstr(self, addr: int, limit: int = 4096) -> bytes:
        """The NUL-terminated string at `addr`, without its NUL. At most `limit` bytes are
        returned: a result of exactly `limit` bytes means no NUL was found within the limit.
        MemoryFault if the string runs into unmapped memory before its end."""
        out = bytearray()
        while len(out) < limit:
            r = self.region_at(addr)
            if r is None:
                raise MemoryFault(addr - len(out), len(out) + 1, "read", addr)
            o = r.offset + addr - r.start
            k = min(limit - len(out), r.end - addr)
            j = r.backing.mm.find(b"\0", o, o + k)
            if j >= 0:
                out += r.backing.mm[o:j]
                return bytes(out)
            out += r.backing.mm[o:o + k]
            addr += k
        return bytes(out)

    def read_int(self, addr: int, size: int, signed: bool = False) -> int:
        return int.from_bytes(self.read(addr, size), "little", signed=signed)

    def write_int(self, addr: int, size: int, value: int) -> None:
        self.write(addr, (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))

    def _unpack(self, fmt: str, size: int, addr: int) -> int:
        r = self._last
        if r.start <= addr and addr + size <= r.end:
            return struct.unpack_from(fmt, r.mm, addr + r.delta)[0]
        return struct.unpack(fmt, self.read(addr, size))[0]

    def _pack(self, fmt: str, size: int, addr: int, value: int) -> None:
        self.write(addr, struct.pack(fmt, value & ((1 << (8 * size)) - 1)))

    def read_u8(self, addr: int) -> int:
        return self._unpack("<B", 1, addr)

    def read_u16(self, addr: int) -> int:
        return self._unpack("<H", 2, addr)

    def read_u32(self, addr: int) -> int:
        return self._unpack("<I", 4, addr)

    def read_u64(self, addr: int) -> int:
        return self._unpack("<Q", 8, addr)

    def read_ptr(self, addr: int) -> int:
        return self._unpack(self._word, self.word_size, addr)

    def write_u8(self, addr: int, v: int) -> None:
        self._pack("<B", 1, addr, v)

    def write_u16(self, addr: int, v: int) -> None:
        self._pack("<H", 2, addr, v)

    def write_u32(self, addr: int, v: int) -> None:
        self._pack("<I", 4, addr, v)

    def write_u64(self, addr: int, v: int) -> None:
        self._pack("<Q", 8, addr, v)

    def write_ptr(self, addr: int, v: int) -> None:
        self._pack(self._word, self.word_size, addr, v)

    def locate(self, addr: int, n: int) -> tuple[mmap.mmap, int]:
        """(host buffer, offset) holding [addr, addr+n) if it lies in one mapping; for
        hot paths that then use struct.unpack_from/pack_into. MemoryFault otherwise."""
        r = self.region_at(addr)
        if r is None or addr + n > r.end:
            raise MemoryFault(addr, n, "read", addr if r is None else r.end)
        return r.backing.mm, r.offset + addr - r.start

    def data_span(self, addr: int, n: int) -> tuple[mmap.mmap, int] | None:
        """(host buffer, offset) of [addr, addr+n) when it lies inside one mapping that holds
        no code, for hot paths that unpack_from/pack_into guest structures in place; None
        when it does not (crosses mappings, is partly unmapped, or is executable: writes
        there must drop Unicorn's translations) — use read()/write() then."""
        r = self._last
        if not (r.start <= addr and addr + n <= r.end):
            i = _bisect_right(self._starts, addr) - 1
            if i < 0:
                return None
            r = self._regions[i]
            if n < 0 or addr + n > r.end:
                return None
            self._last = r
        if r.prot & _X:
            return None
        return r.mm, addr + r.delta

    # ---- TLB fill (called by Unicorn on a TLB miss) ------------------------------------

    def tlb_fill(self, handle: int, vaddr: int, access: int, entry, user_data) -> bool:
        try:
            r = self.region_at(vaddr)
            if r is None or not r.prot & _NEEDS.get(access, _R):
                self.last_denied = (vaddr, access, r)
                return False
            r.backing.tlb_gen = self._tlb_gen
            e = entry[0]
            e.paddr = r.backing.phys + r.offset + ((vaddr & ~_PAGE_MASK) - r.start)
            e.perms = r.prot
            return True
        except BaseException as exc:  # never let an exception die inside ctypes
            self.last_denied = (vaddr, access, None)
            self.tlb_error = exc
            return False

    # ---- internals ---------------------------------------------------------------------

    def _check_range(self, what: str, addr: int, size: int) -> int:
        if not isinstance(addr, int) or not isinstance(size, int):
            raise MachineError(f"{what}: address and size must be integers, got {addr!r}, {size!r}")
        if addr & _PAGE_MASK:
            raise MachineError(f"{what}: address {addr:#x} is not page aligned")
        if size <= 0:
            raise MachineError(f"{what}: size {size} at {addr:#x} must be positive")
        size = align_up(size, PAGE_SIZE)
        if addr < 0 or addr + size > self._limit:
            raise MachineError(f"{what}: [{addr:#x}, {addr + size:#x}) is outside the address space")
        return size

    def _require_mapped(self, addr: int, size: int, what: str) -> None:
        if not self.is_mapped(addr, size):
            bad = addr
            while self.region_at(bad) is not None:
                bad = self.region_at(bad).end
            raise MemoryFault(addr, size, what, bad)

    def _pieces(self, addr: int, n: int, access: str, take: Callable):
        """Yield take(region, backing_offset, length) for each mapping piece of [addr, addr+n),
        after checking the whole range is mapped (so a faulting write changes nothing)."""
        if n < 0:
            raise MachineError(f"{access} of negative length {n} at {addr:#x}")
        if not self.is_mapped(addr, n) and n:
            bad = addr
            while True:
                r = self.region_at(bad)
                if r is None:
                    break
                bad = r.end
            raise MemoryFault(addr, n, access, bad)
        out = []
        while n > 0:
            r = self.region_at(addr)
            k = min(n, r.end - addr)
            out.append(take(r, r.offset + addr - r.start, k))
            addr += k
            n -= k
        return out

    def _insert(self, r: Region) -> None:
        i = bisect.bisect_left(self._starts, r.start)
        self._regions.insert(i, r)
        self._starts.insert(i, r.start)
        r.backing.refs += 1

    def _remove(self, r: Region) -> None:
        i = bisect.bisect_left(self._starts, r.start)
        assert self._regions[i] is r
        del self._regions[i]
        del self._starts[i]
        if self._last is r:
            self._last = _NO_REGION

    def _split(self, at: int) -> None:
        """Make `at` a region boundary if it falls inside a region."""
        r = self.region_at(at)
        if r is None or r.start == at:
            return
        tail = Region(at, r.end, r.prot, r.name, r.backing, r.offset + (at - r.start))
        r.end = at
        self._insert(tail)
        self._last = _NO_REGION

    def _carve(self, start: int, end: int) -> list[Region]:
        """Split at both ends and return the regions lying inside [start, end)."""
        self._split(start)
        self._split(end)
        i = bisect.bisect_left(self._starts, start)
        out = []
        while i < len(self._regions) and self._regions[i].start < end:
            out.append(self._regions[i])
            i += 1
        return out

    def _merge_around(self, start: int, end: int) -> None:
        """Re-join neighbours that became identical (same backing, contiguous, same prot/name)."""
        i = max(0, bisect.bisect_left(self._starts, start) - 1)
        while i + 1 < len(self._regions):
            a, b = self._regions[i], self._regions[i + 1]
            if a.start > end:
                break
            if (a.end == b.start and a.backing is b.backing and a.prot == b.prot and a.name == b.name
                    and a.offset + (a.end - a.start) == b.offset):
                a.end = b.end
                del self._regions[i + 1]
                del self._starts[i + 1]
                b.backing.refs -= 1
                continue
            i += 1
        self._last = _NO_REGION

    def _release(self, backing: _Backing) -> None:
        backing.refs -= 1
        if backing.refs:
            return
        if not backing.was_exec and self._pooled + backing.size <= POOL_LIMIT:
            # keep it for the next map() of the same size: creating an mmap and handing it to
            # Unicorn costs ~35 µs, and kernels map and unmap user buffers per system call.
            # Never for memory that held code: Unicorn's translations are keyed by physical page.
            self._pool.setdefault(backing.size, []).append(backing)
            self._pooled += backing.size
            return
        self._uc.mem_unmap(backing.phys, backing.size)
        if not backing.was_exec:
            self._free_phys.setdefault(backing.size, []).append(backing.phys)

    def _take_phys(self, size: int) -> int:
        pool = self._free_phys.get(size)
        if pool:
            return pool.pop()
        phys = self._next_phys
        self._next_phys += size
        return phys

    def _invalidate_code(self, start: int, end: int) -> None:
        """Drop Unicorn's translated blocks for guest code in [start, end)."""
        if not self.code_may_be_translated:
            return
        while start < end:
            r = self.region_at(start)
            if r is None:
                return
            k = min(end, r.end)
            if r.prot & _X:
                self._uc.ctl_remove_cache(start, k)
            start = k
