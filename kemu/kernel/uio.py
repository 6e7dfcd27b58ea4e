"""`struct uio`: data in motion between a driver and its caller, and the generic `uiomove`.

The BSDs describe every read and write as a `struct uio` — a list of `iovec`s (base, length),
the remaining count `uio_resid`, the file offset, which address space the iovecs point into
(`UIO_USERSPACE`/`UIO_SYSSPACE`) and the direction (`UIO_READ`: kernel → iovecs; `UIO_WRITE`:
iovecs → kernel). The layout differs per OS version and arch, so the personality supplies a
`UioLayout` (normally parsed from the C declarations in its guest headers); the algorithm of
`uiomove(9)` is the same on NetBSD, FreeBSD and OpenBSD and lives here once:

    while n > 0 and uio_resid > 0:
        skip (and drop) empty iovecs; cnt = min(iov_len, n)
        copy cnt bytes in the uio's direction, checking the user or kernel range
        on a fault: return EFAULT, leaving this chunk's counters untouched
        otherwise advance iov_base, iov_len, uio_resid, uio_offset, buf; n -= cnt

Moving fewer than `n` bytes because `uio_resid` ran out is normal; `read(2)` then reports the
original resid minus the final one.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from kemu.machine import MemoryFault

from .cstruct import StructLayout
from .prototype import TypeInfo

ROLES_UIO = ("iov", "iovcnt", "offset", "resid", "segflg", "rw")
ROLES_IOVEC = ("base", "len")
DEFAULT_NAMES = {"iov": "uio_iov", "iovcnt": "uio_iovcnt", "offset": "uio_offset",
                 "resid": "uio_resid", "segflg": "uio_segflg", "rw": "uio_rw",
                 "base": "iov_base", "len": "iov_len"}


@dataclass(frozen=True)
class UioLayout:
    """Where the fields of `struct iovec` and `struct uio` are, plus the UIO_* constants.

    `names` maps the roles (iov, iovcnt, offset, resid, segflg, rw, base, len) to the OS's field
    names when they differ from the 4.4BSD ones.
    """

    iovec: StructLayout
    uio: StructLayout
    UIO_USERSPACE: int = 0
    UIO_SYSSPACE: int = 1
    UIO_READ: int = 0
    UIO_WRITE: int = 1
    names: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        names = dict(DEFAULT_NAMES)
        names.update(self.names or {})
        fields = {}
        for role in ROLES_UIO:
            fields[role] = self.uio[names[role]]
        for role in ROLES_IOVEC:
            fields[role] = self.iovec[names[role]]
        object.__setattr__(self, "_f", fields)
        object.__setattr__(self, "_fmt", {r: struct.Struct(f.fmt) for r, f in fields.items()})

    @property
    def arch(self) -> str:
        return self.uio.arch

    def field(self, role: str):
        return self._f[role]  # type: ignore[attr-defined]

    @classmethod
    def from_c(cls, arch: str, iovec_decl: str, uio_decl: str, *, constants: Mapping[str, int] | None = None,
               names: Mapping[str, str] | None = None,
               typedefs: Mapping[str, TypeInfo] | None = None) -> "UioLayout":
        """Build from the C declarations of `struct iovec` and `struct uio` in the OS's headers."""
        consts = dict(constants or {})
        return cls(StructLayout.parse(arch, iovec_decl, typedefs), StructLayout.parse(arch, uio_decl, typedefs),
                   names=names, **consts)


@dataclass(frozen=True)
class UioState:
    """A `struct uio` read back from guest memory."""

    iovecs: tuple[tuple[int, int], ...]   # (iov_base, iov_len) of the remaining iovcnt entries
    iov: int
    iovcnt: int
    offset: int
    resid: int
    segflg: int
    rw: int


def read_uio(mem: Any, layout: UioLayout, addr: int) -> UioState:
    """Decode the uio at `addr` and its remaining iovecs (MemoryFault if unreadable)."""
    raw = mem.read(addr, layout.uio.size)
    f = layout._f  # type: ignore[attr-defined]
    fm = layout._fmt  # type: ignore[attr-defined]
    vals = {r: fm[r].unpack_from(raw, f[r].offset)[0] for r in ROLES_UIO}
    iovecs = []
    step = layout.iovec.size
    for i in range(max(0, min(vals["iovcnt"], 1024))):
        rawv = mem.read(vals["iov"] + i * step, step)
        iovecs.append((fm["base"].unpack_from(rawv, f["base"].offset)[0],
                       fm["len"].unpack_from(rawv, f["len"].offset)[0]))
    return UioState(tuple(iovecs), vals["iov"], vals["iovcnt"], vals["offset"], vals["resid"],
                    vals["segflg"], vals["rw"])


def write_uio(mem: Any, layout: UioLayout, addr: int, iov_addr: int, iovecs: Sequence[tuple[int, int]],
              rw: int, segflg: int, offset: int = 0, resid: int | None = None,
              extra: Mapping[str, int] | None = None) -> None:
    """Write an iovec array at `iov_addr` and a uio describing it at `addr`.

    `resid` defaults to the sum of the iovec lengths; `extra` sets other uio fields by name
    (`uio_procp`, `uio_td` …).
    """
    step = layout.iovec.size
    f = layout._f  # type: ignore[attr-defined]
    names = dict(DEFAULT_NAMES)
    names.update(layout.names or {})
    for i, (base, length) in enumerate(iovecs):
        mem.write(iov_addr + i * step, layout.iovec.pack(**{f["base"].name: base, f["len"].name: length}))
    values = {names["iov"]: iov_addr, names["iovcnt"]: len(iovecs), names["offset"]: offset,
              names["resid"]: sum(n for _, n in iovecs) if resid is None else resid,
              names["segflg"]: segflg, names["rw"]: rw}
    values.update(extra or {})
    mem.write(addr, layout.uio.pack(**values))


class GuestUio:
    """A uio the kernel builds in guest memory (from its heap) to hand to a driver's d_read/d_write."""

    def __init__(self, k: Any, layout: UioLayout, iovecs: Sequence[tuple[int, int]], rw: int, segflg: int,
                 offset: int = 0, extra: Mapping[str, int] | None = None):
        self.k = k
        self.layout = layout
        self.addr = k.heap.alloc(layout.uio.size, "uio", zero=True)
        self.iov_addr = k.heap.alloc(max(1, len(iovecs)) * layout.iovec.size, "iovec", zero=True)
        self.initial_resid = sum(n for _, n in iovecs)
        write_uio(k.machine.mem, layout, self.addr, self.iov_addr, iovecs, rw, segflg, offset, extra=extra)

    def state(self) -> UioState:
        return read_uio(self.k.machine.mem, self.layout, self.addr)

    @property
    def resid(self) -> int:
        return self.state().resid

    @property
    def moved(self) -> int:
        """Bytes transferred so far: initial resid minus current resid (what read(2) returns)."""
        return self.initial_resid - self.resid

    def free(self) -> None:
        if self.addr:
            self.k.heap.free(self.addr)
            self.k.heap.free(self.iov_addr)
            self.addr = self.iov_addr = 0

    def __enter__(self) -> "GuestUio":
        return self

    def __exit__(self, *exc: object) -> None:
        self.free()


def uiomove(k: Any, layout: UioLayout, buf: int, n: int, uio_addr: int,
            is_user_segment: Callable[[int], bool] | None = None) -> int:
    """Move up to `n` bytes between the kernel buffer `buf` and the uio; 0 or the OS's errno.

    `k` provides `machine.mem`, `user.contains(addr, n)` (the user range), `kernel_range(addr, n)`
    and `errno`. `is_user_segment(segflg)` decides whether the iovecs are user addresses (default:
    segflg == UIO_USERSPACE; OSes that store a vmspace pointer there pass their own test).
    """
    mem = k.machine.mem
    errno = k.errno
    f = layout._f  # type: ignore[attr-defined]
    fm = layout._fmt  # type: ignore[attr-defined]
    try:
        raw = mem.read(uio_addr, layout.uio.size)
    except MemoryFault:
        return errno.EFAULT
    iov = fm["iov"].unpack_from(raw, f["iov"].offset)[0]
    iovcnt = fm["iovcnt"].unpack_from(raw, f["iovcnt"].offset)[0]
    offset = fm["offset"].unpack_from(raw, f["offset"].offset)[0]
    resid = fm["resid"].unpack_from(raw, f["resid"].offset)[0]
    seg = fm["segflg"].unpack_from(raw, f["segflg"].offset)[0]
    rw = fm["rw"].unpack_from(raw, f["rw"].offset)[0]
    if rw not in (layout.UIO_READ, layout.UIO_WRITE):
        return errno.EINVAL
    if is_user_segment is not None:
        user = is_user_segment(seg)
    elif seg in (layout.UIO_USERSPACE, layout.UIO_SYSSPACE):
        user = seg == layout.UIO_USERSPACE
    else:
        return errno.EINVAL
    in_range = k.user.contains if user else k.kernel_range
    reading = rw == layout.UIO_READ
    step = layout.iovec.size
    base_f, len_f = f["base"], f["len"]
    base_s, len_s = fm["base"], fm["len"]
    resid_mask = (1 << (8 * f["resid"].size)) - 1
    start_iov, start_cnt, start_off, start_resid = iov, iovcnt, offset, resid
    error = 0
    try:
        while n > 0 and resid > 0:
            if iovcnt <= 0:
                error = errno.EINVAL  # resid promises more than the iovecs hold: a malformed uio
                break
            rawv = mem.read(iov, step)
            base = base_s.unpack_from(rawv, base_f.offset)[0]
            length = len_s.unpack_from(rawv, len_f.offset)[0]
            if length == 0:
                iov += step
                iovcnt -= 1
                continue
            cnt = length if length < n else n
            if not in_range(base, cnt):
                error = errno.EFAULT
                break
            try:
                if reading:
                    mem.write(base, mem.read(buf, cnt))
                else:
                    mem.write(buf, mem.read(base, cnt))
            except MemoryFault:
                error = errno.EFAULT
                break
            chunk = bytearray(rawv)
            base_s.pack_into(chunk, base_f.offset, (base + cnt) & ((1 << (8 * base_f.size)) - 1))
            len_s.pack_into(chunk, len_f.offset, length - cnt)
            mem.write(iov, bytes(chunk))
            resid = (resid - cnt) & resid_mask
            offset += cnt
            buf += cnt
            n -= cnt
    except MemoryFault:
        error = errno.EFAULT  # the iovec array itself is unreadable
    if (iov, iovcnt, offset, resid) != (start_iov, start_cnt, start_off, start_resid):
        _store(mem, uio_addr, f["iov"], fm["iov"], iov)
        _store(mem, uio_addr, f["iovcnt"], fm["iovcnt"], iovcnt)
        _store(mem, uio_addr, f["offset"], fm["offset"], offset)
        _store(mem, uio_addr, f["resid"], fm["resid"], resid)
    return error


def _store(mem: Any, base: int, field: Any, fmt: struct.Struct, value: int) -> None:
    bits = 8 * field.size
    if field.signed:
        value = ((value + (1 << (bits - 1))) & ((1 << bits) - 1)) - (1 << (bits - 1))
    else:
        value &= (1 << bits) - 1
    mem.write(base + field.offset, fmt.pack(value))
