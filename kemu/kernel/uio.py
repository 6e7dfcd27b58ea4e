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
original resid minus the final one. A personality binds the algorithm to its kernel once with
`make_uiomove` (it runs once per 4-byte number in the tutorial's fibo driver).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from kemu.machine import MemoryFault
from kemu.record import Record

from .cstruct import FieldCodec, StructLayout
from .prototype import TypeInfo

ROLES_UIO = ("iov", "iovcnt", "offset", "resid", "segflg", "rw")
ROLES_IOVEC = ("base", "len")
DEFAULT_NAMES = {"iov": "uio_iov", "iovcnt": "uio_iovcnt", "offset": "uio_offset",
                 "resid": "uio_resid", "segflg": "uio_segflg", "rw": "uio_rw",
                 "base": "iov_base", "len": "iov_len"}


class UioLayout(Record, fields=("iovec", "uio", "UIO_USERSPACE", "UIO_SYSSPACE", "UIO_READ", "UIO_WRITE",
                                "names"), frozen=True):
    """Where the fields of `struct iovec` and `struct uio` are, plus the UIO_* constants.

    `names` maps the roles (iov, iovcnt, offset, resid, segflg, rw, base, len) to the OS's field
    names when they differ from the 4.4BSD ones. `codec` (the six uio roles, in that order) and
    `iovec_codec` (base, len) read and rewrite those fields in one unpack/pack each.
    """

    def __init__(self, iovec: StructLayout, uio: StructLayout, UIO_USERSPACE: int = 0,
                 UIO_SYSSPACE: int = 1, UIO_READ: int = 0, UIO_WRITE: int = 1,
                 names: Mapping[str, str] | None = None) -> None:
        own = vars(self)
        own.update(iovec=iovec, uio=uio, UIO_USERSPACE=UIO_USERSPACE, UIO_SYSSPACE=UIO_SYSSPACE,
                   UIO_READ=UIO_READ, UIO_WRITE=UIO_WRITE, names=names)
        role_names = dict(DEFAULT_NAMES)
        role_names.update(names or {})
        fields = {}
        for role in ROLES_UIO:
            fields[role] = uio[role_names[role]]
        for role in ROLES_IOVEC:
            fields[role] = iovec[role_names[role]]
        own["_f"] = fields
        # uiomove's codecs: a single unpack/pack each for the uio and for an iovec
        own["codec"] = FieldCodec(uio, tuple(role_names[r] for r in ROLES_UIO))
        own["iovec_codec"] = FieldCodec(iovec, (role_names["base"], role_names["len"]))

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


class UioState(Record, fields=("iovecs", "iov", "iovcnt", "offset", "resid", "segflg", "rw"),
               frozen=True):
    """A `struct uio` read back from guest memory."""

    def __init__(self, iovecs: tuple[tuple[int, int], ...], iov: int, iovcnt: int, offset: int,
                 resid: int, segflg: int, rw: int) -> None:
        vars(self).update(
            iovecs=iovecs,  # (iov_base, iov_len) of the remaining iovcnt entries
            iov=iov,
            iovcnt=iovcnt,
            offset=offset,
            resid=resid,
            segflg=segflg,
            rw=rw,
        )


def read_uio(mem: Any, layout: UioLayout, addr: int) -> UioState:
    """Decode the uio at `addr` and its remaining iovecs (MemoryFault if unreadable)."""
    iov, iovcnt, offset, resid, segflg, rw, _ = layout.codec.read(mem.read(addr, layout.uio.size), 0)
    step, read_iovec = layout.iovec.size, layout.iovec_codec.read
    iovecs = tuple(read_iovec(mem.read(iov + i * step, step), 0)[:2] for i in range(max(0, min(iovcnt, 1024))))
    return UioState(iovecs, iov, iovcnt, offset, resid, segflg, rw)


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
    A personality calling it per service call binds it once with `make_uiomove`.
    """
    return make_uiomove(k, layout, is_user_segment)(buf, n, uio_addr)


def make_uiomove(k: Any, layout: UioLayout,
                 is_user_segment: Callable[[int], bool] | None = None) -> Callable[[int, int, int], int]:
    """`uiomove` bound to one kernel and layout: `move(buf, n, uio_addr) -> 0 | errno`.

    uiomove is the hottest service there is (fibo calls it once per 4-byte number), so
    everything it needs is looked up here once and kept in the closure: the kernel's memory,
    range checks and errno values, and the layout's codecs. Per call the uio costs one guest
    read and (when something moved) one write, each iovec one read and one write.
    """
    mem = k.machine.mem
    mem_read, mem_write, mem_copy, data_span = mem.read, mem.write, mem.copy, mem.data_span
    user_range, kernel_range = k.user.contains, k.kernel_range
    EFAULT, EINVAL = k.errno.EFAULT, k.errno.EINVAL
    UIO_READ, UIO_WRITE = layout.UIO_READ, layout.UIO_WRITE
    UIO_USERSPACE, UIO_SYSSPACE = layout.UIO_USERSPACE, layout.UIO_SYSSPACE
    uio_size, step = layout.uio.size, layout.iovec.size
    read_uio_fields, write_uio_fields = layout.codec.read, layout.codec.write
    read_iovec, write_iovec = layout.iovec_codec.read, layout.iovec_codec.write
    resid_mask = (1 << (8 * layout.field("resid").size)) - 1

    # The uio and the iovecs are decoded and updated in place in the host memory behind them
    # (data_span); where that is not one plain data mapping, in a copy written back with
    # mem.write (the `bytearray` cases below).

    def move(buf: int, n: int, uio_addr: int) -> int:
        where = data_span(uio_addr, uio_size)
        if where is None:
            try:
                where = bytearray(mem_read(uio_addr, uio_size)), 0
            except MemoryFault:
                return EFAULT
        uio_buf, uio_off = where
        iov, iovcnt, offset, resid, seg, rw, raw = read_uio_fields(uio_buf, uio_off)
        if rw == UIO_READ:
            reading = True
        elif rw == UIO_WRITE:
            reading = False
        else:
            return EINVAL
        if is_user_segment is not None:
            in_range = user_range if is_user_segment(seg) else kernel_range
        elif seg == UIO_USERSPACE:
            in_range = user_range
        elif seg == UIO_SYSSPACE:
            in_range = kernel_range
        else:
            return EINVAL
        changed = False
        error = 0
        try:
            while n > 0 and resid > 0:
                if iovcnt <= 0:
                    error = EINVAL  # resid promises more than the iovecs hold: a malformed uio
                    break
                where = data_span(iov, step) or (bytearray(mem_read(iov, step)), 0)
                vec_buf, vec_off = where
                base, length, vec = read_iovec(vec_buf, vec_off)
                if length == 0:
                    iov += step
                    iovcnt -= 1
                    changed = True
                    continue
                cnt = length if length < n else n
                if not in_range(base, cnt):
                    error = EFAULT
                    break
                try:
                    if reading:
                        mem_copy(base, buf, cnt)
                    else:
                        mem_copy(buf, base, cnt)
                except MemoryFault:
                    error = EFAULT
                    break
                write_iovec(vec_buf, vec_off, vec, base + cnt, length - cnt)
                if vec_buf.__class__ is bytearray:
                    mem_write(iov, vec_buf)
                resid = (resid - cnt) & resid_mask
                offset += cnt
                buf += cnt
                n -= cnt
                changed = True
        except MemoryFault:
            error = EFAULT  # the iovec array itself is unreadable
        if changed:
            write_uio_fields(uio_buf, uio_off, raw, iov, iovcnt, offset, resid, seg, rw)
            if uio_buf.__class__ is bytearray:
                mem_write(uio_addr, uio_buf)
        return error

    return move
