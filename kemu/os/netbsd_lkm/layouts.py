"""The NetBSD 1.6 structures kemu shares with LKM modules, described once for both arches.

A module and the emulated kernel exchange `struct lkm_table`, the module's `_module`
(`struct lkm_any` / `struct lkm_dev`), the character device switch (`struct cdevsw`) and
`struct uio`/`struct iovec`. kemu reads and writes them in guest memory, so their offsets must
match what the compiler produced from the guest headers in `guest/netbsd-lkm/include`. Rather
than scatter numbers, each struct is declared here as a list of C fields and laid out by the
i386 or x86-64 System V rules (on i386, 8-byte integers are only 4-byte aligned inside structs);
`tests/netbsd_lkm/test_layouts.py` compiles the guest headers and checks every offset.

Where each layout comes from is written next to it (NetBSD 1.6 sys/lkm.h, sys/conf.h, sys/uio.h).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from kemu.intbits import align_up

# C scalar types: (size on i386, align on i386, size on x86_64, align on x86_64, signed)
_SCALARS: dict[str, tuple[int, int, int, int, bool]] = {
    "char": (1, 1, 1, 1, True),
    "u_char": (1, 1, 1, 1, False),
    "short": (2, 2, 2, 2, True),
    "u_short": (2, 2, 2, 2, False),
    "int": (4, 4, 4, 4, True),
    "u_int": (4, 4, 4, 4, False),
    "enum": (4, 4, 4, 4, True),
    "dev_t": (4, 4, 4, 4, False),          # NetBSD 1.6: u_int32_t
    "long": (4, 4, 8, 8, True),
    "u_long": (4, 4, 8, 8, False),
    "size_t": (4, 4, 8, 8, False),
    "ptr": (4, 4, 8, 8, False),            # any data or function pointer
    "off_t": (8, 4, 8, 8, True),           # NetBSD 1.6: int64_t, 4-aligned on i386
    "int64": (8, 4, 8, 8, True),
}

ARCHES = ("i386", "x86_64")


@dataclass(frozen=True)
class Field:
    """One member: a scalar type name, or another `Struct`, optionally an array of `count`."""
    name: str
    ctype: "str | Struct"
    count: int = 1


@dataclass(frozen=True)
class Layout:
    """A struct laid out for one arch: offsets, total size and a fast pack/unpack format."""
    name: str
    arch: str
    offsets: dict[str, int]
    sizes: dict[str, int]
    signed: dict[str, bool]
    size: int
    align: int

    def __getitem__(self, field: str) -> int:
        return self.offsets[field]

    def read(self, mem, base: int, field: str) -> int:
        """Value of a scalar member of the struct at `base`, via a kemu memory object."""
        raw = mem.read(base + self.offsets[field], self.sizes[field])
        return int.from_bytes(raw, "little", signed=self.signed[field])

    def write(self, mem, base: int, field: str, value: int) -> None:
        size = self.sizes[field]
        mem.write(base + self.offsets[field], (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))

    def unpack(self, data: bytes | memoryview, fields: Iterable[str]) -> dict[str, int]:
        """Several scalar members decoded from the struct's bytes."""
        out = {}
        for f in fields:
            off, size = self.offsets[f], self.sizes[f]
            out[f] = int.from_bytes(data[off:off + size], "little", signed=self.signed[f])
        return out

    def pack(self, values: dict[str, int]) -> bytes:
        """The struct's bytes with the given scalar members set and everything else zero."""
        buf = bytearray(self.size)
        for f, v in values.items():
            off, size = self.offsets[f], self.sizes[f]
            buf[off:off + size] = (v & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
        return bytes(buf)

    def kernel_layout(self):
        """The same struct as a `kemu.kernel.StructLayout` (what the kernel's uiomove takes)."""
        from kemu.kernel.cstruct import Field as KField, StructLayout
        fields = tuple(KField(name, self.offsets[name], self.sizes[name], self.signed[name], False, "")
                       for name in self.offsets if "." not in name and self.sizes[name] in (1, 2, 4, 8))
        return StructLayout(self.name, self.arch, self.size, self.align, fields)


class Struct:
    """A C struct (or union, with `union=True`) declared as fields, laid out per arch on demand."""

    def __init__(self, name: str, fields: list[Field], union: bool = False, source: str = ""):
        self.name = name
        self.fields = fields
        self.union = union
        self.source = source
        self._cache: dict[str, Layout] = {}

    def layout(self, arch: str) -> Layout:
        if arch not in ARCHES:
            raise ValueError(f"struct {self.name}: unknown arch {arch!r}; known: {', '.join(ARCHES)}")
        cached = self._cache.get(arch)
        if cached is None:
            cached = self._cache[arch] = self._compute(arch)
        return cached

    def _compute(self, arch: str) -> Layout:
        wide = arch == "x86_64"
        offsets: dict[str, int] = {}
        sizes: dict[str, int] = {}
        signed: dict[str, bool] = {}
        pos = end = 0
        max_align = 1
        for field in self.fields:
            if isinstance(field.ctype, Struct):
                inner = field.ctype.layout(arch)
                size, align, is_signed = inner.size, inner.align, False
            else:
                try:
                    s32, a32, s64, a64, is_signed = _SCALARS[field.ctype]
                except KeyError:
                    raise ValueError(f"struct {self.name}.{field.name}: unknown C type {field.ctype!r}") from None
                size, align = (s64, a64) if wide else (s32, a32)
            base = 0 if self.union else align_up(pos, align)
            offsets[field.name] = base
            sizes[field.name] = size * field.count
            signed[field.name] = is_signed
            if isinstance(field.ctype, Struct):
                # Nested members are addressable as "outer.inner" (e.g. "lkm_olddev.cdev.d_open").
                for sub, off in inner.offsets.items():
                    offsets[f"{field.name}.{sub}"] = base + off
                    sizes[f"{field.name}.{sub}"] = inner.sizes[sub]
                    signed[f"{field.name}.{sub}"] = inner.signed[sub]
            end = max(end, base + size * field.count)
            pos = end
            max_align = max(max_align, align)
        return Layout(self.name, arch, offsets, sizes, signed, align_up(end, max_align), max_align)


# --- NetBSD 1.6 sys/conf.h: the character and block device switches (no d_kqfilter before 2.0) ---
CDEVSW = Struct("cdevsw", [
    Field("d_open", "ptr"), Field("d_close", "ptr"), Field("d_read", "ptr"), Field("d_write", "ptr"),
    Field("d_ioctl", "ptr"), Field("d_stop", "ptr"), Field("d_tty", "ptr"), Field("d_poll", "ptr"),
    Field("d_mmap", "ptr"), Field("d_type", "int"),
], source="NetBSD 1.6 sys/sys/conf.h struct cdevsw")
CDEVSW_OPS = ("d_open", "d_close", "d_read", "d_write", "d_ioctl", "d_stop", "d_tty", "d_poll", "d_mmap")

BDEVSW = Struct("bdevsw", [
    Field("d_open", "ptr"), Field("d_close", "ptr"), Field("d_strategy", "ptr"), Field("d_ioctl", "ptr"),
    Field("d_dump", "ptr"), Field("d_psize", "ptr"), Field("d_type", "int"),
], source="NetBSD 1.6 sys/sys/conf.h struct bdevsw")

# --- NetBSD 1.6 sys/lkm.h ---
LKM_ANY = Struct("lkm_any", [
    Field("lkm_type", "enum"), Field("lkm_ver", "int"), Field("lkm_name", "ptr"), Field("lkm_offset", "u_long"),
], source="NetBSD 1.4-1.6 sys/sys/lkm.h struct lkm_any (the header every lkm_* struct starts with)")

LKM_OLDDEV = Struct("lkm_olddev", [Field("bdev", BDEVSW), Field("cdev", CDEVSW)], union=True,
                    source="NetBSD 1.6 sys/sys/lkm.h union lkm_olddev")

LKM_DEV = Struct("lkm_dev", [
    Field("lkm_type", "enum"), Field("lkm_ver", "int"), Field("lkm_name", "ptr"), Field("lkm_offset", "u_long"),
    Field("lkm_devtype", "enum"), Field("lkm_dev", "ptr"), Field("lkm_olddev", LKM_OLDDEV),
], source="NetBSD 1.6 sys/sys/lkm.h struct lkm_dev (MOD_DEV(name, devtype, devslot, devp))")

LKM_MISC = Struct("lkm_misc", [
    Field("lkm_type", "enum"), Field("lkm_ver", "int"), Field("lkm_name", "ptr"), Field("lkm_offset", "u_long"),
], source="NetBSD 1.6 sys/sys/lkm.h struct lkm_misc")

LKM_TABLE = Struct("lkm_table", [
    Field("type", "int"), Field("size", "u_long"), Field("offset", "u_long"), Field("area", "u_long"),
    Field("used", "char"), Field("ver", "int"), Field("refcnt", "int"), Field("depcnt", "int"),
    Field("id", "int"), Field("entry", "ptr"), Field("private", "ptr"),
    Field("syms", "u_long"), Field("sym_size", "u_long"), Field("sym_offset", "u_long"),
    Field("sym_symsize", "u_long"), Field("sym_addr", "u_long"), Field("sym_id", "int"),
], source="NetBSD 1.4-1.6 sys/sys/lkm.h struct lkm_table (with 1.6's ddb symbol fields); modules "
          "only touch `private`, the rest is the guest SDK's reconstruction")

# --- NetBSD 1.6 sys/uio.h ---
IOVEC = Struct("iovec", [Field("iov_base", "ptr"), Field("iov_len", "size_t")],
               source="NetBSD 1.6 sys/sys/uio.h struct iovec")
UIO = Struct("uio", [
    Field("uio_iov", "ptr"), Field("uio_iovcnt", "int"), Field("uio_offset", "off_t"),
    Field("uio_resid", "size_t"), Field("uio_segflg", "enum"), Field("uio_rw", "enum"),
    Field("uio_procp", "ptr"),
], source="NetBSD 1.6 sys/sys/uio.h struct uio")

SYSENT = Struct("sysent", [Field("sy_narg", "short"), Field("sy_argsize", "short"), Field("sy_call", "ptr")],
                source="NetBSD 1.6 sys/sys/systm.h struct sysent")

ALL = {s.name: s for s in (CDEVSW, BDEVSW, LKM_ANY, LKM_OLDDEV, LKM_DEV, LKM_MISC, LKM_TABLE, IOVEC, UIO, SYSENT)}
