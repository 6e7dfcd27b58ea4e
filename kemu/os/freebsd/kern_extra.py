"""More of what FreeBSD 14's SDK declares and klds call, as kern/subr_prf.c, kern/subr_scanf.c,
kern/kern_malloc.c, kern/kern_module.c and libkern do it: sscanf/vsscanf, asprintf/vasprintf
(into a malloc type), vpanic, hexdump(9) with its HD_* flags, vlog, contigmalloc/contigfree, zfree,
explicit_bzero, memmem/strchrnul/strcspn, module_lookupbyname/module_lookupbyid.

kemu's kernel memory has no separate physical addresses, so contigmalloc is one page-aligned
block honouring the alignment and the boundary; a [low, high] window too small for the
request, or a boundary smaller than the size, fails with NULL as a fragmented machine would.
"""
from __future__ import annotations

from kemu.kernel import HeapError, KernelPanic, ServiceTable
from kemu.machine import GuestVaList

from .scanf import scan_guest
from .services import free as _free, malloc as _malloc, _type_name

table = ServiceTable("freebsd-kern-extra")

M_NOWAIT, M_ZERO = 0x0001, 0x0100
HD_COLUMN_MASK, HD_DELIM_MASK = 0xFF, 0xFF00
HD_OMIT_COUNT, HD_OMIT_HEX, HD_OMIT_CHARS = 1 << 16, 1 << 17, 1 << 18
PAGE_SIZE = 4096
_LIMIT = 1 << 20


def _fb(k):
    return k.freebsd


def _caller(call) -> int | None:
    return call.return_address if call is not None else None


# --- sscanf(9) ----------------------------------------------------------------------------------
def _vsscanf(k, ibuf: int, fmt: int, args) -> int:
    mem = k.machine.mem
    return scan_guest(k, mem.read_cstr(ibuf, _LIMIT), mem.read_cstr(fmt, _LIMIT), args)


@table.service("int sscanf(const char *ibuf, const char *fmt, ...)")
def sscanf(k, ibuf: int, fmt: int, va) -> int:
    """Parse ibuf by fmt into the pointed-to arguments; the number assigned (-1: no input)."""
    return _vsscanf(k, ibuf, fmt, va)


@table.service("int vsscanf(const char *ibuf, const char *fmt, void *ap)")
def vsscanf(k, ibuf: int, fmt: int, ap: int) -> int:
    """sscanf with a va_list."""
    return _vsscanf(k, ibuf, fmt, GuestVaList(k.machine.mem, k.arch, ap))


# --- asprintf(9), vlog, hexdump(9) ----------------------------------------------------------------
def _vasprintf(k, ret: int, mtype: int, text: bytes, call) -> int:
    k.check_range(ret, k.word_size, "write")
    buf = _malloc.service.func(k, len(text) + 1, mtype, M_NOWAIT, call=call)
    k.machine.mem.write_int(ret, k.word_size, buf)
    if not buf:
        return -1
    k.machine.mem.write(buf, text + b"\0")
    return len(text)


@table.service("int asprintf(char **ret, struct malloc_type *mtp, const char *format, ...)",
               needs_call=True)
def asprintf(k, ret: int, mtp: int, fmt: int, va, call=None) -> int:
    """Format into a new buffer of malloc type mtp (M_NOWAIT): its length, or -1 and
    *ret = NULL when memory runs out. The caller frees it with free(9)."""
    return _vasprintf(k, ret, mtp, k.format(fmt, va), call)


@table.service("int vasprintf(char **ret, struct malloc_type *mtp, const char *format, void *ap)",
               needs_call=True)
def vasprintf(k, ret: int, mtp: int, fmt: int, ap: int, call=None) -> int:
    """asprintf with a va_list."""
    return _vasprintf(k, ret, mtp, k.format(fmt, GuestVaList(k.machine.mem, k.arch, ap)), call)


@table.service("void vpanic(const char *fmt, void *ap)")
def vpanic(k, fmt: int, ap: int) -> None:
    """panic(9) with a va_list."""
    raise KernelPanic(k.format(fmt, GuestVaList(k.machine.mem, k.arch, ap)).decode("latin-1"))


@table.service("void vlog(int level, const char *fmt, void *ap)")
def vlog(k, level: int, fmt: int, ap: int) -> None:
    """log(9) with a va_list."""
    k.msgbuf.write(k.format(fmt, GuestVaList(k.machine.mem, k.arch, ap)))


def hexdump_lines(data: bytes, hdr: bytes, flags: int) -> bytes:
    """subr_prf.c's hexdump layout: per row the header, a 4-digit offset, the bytes in hex
    after the delimiter, and the printable characters between bars."""
    delim = bytes([(flags & HD_DELIM_MASK) >> 8]) if flags & HD_DELIM_MASK else b" "
    cols = (flags & HD_COLUMN_MASK) or 16
    out = bytearray()
    for row in range(0, len(data), cols):
        out += hdr
        if not flags & HD_OMIT_COUNT:
            out += b"%04x  " % row
        chunk = data[row:row + cols]
        if not flags & HD_OMIT_HEX:
            for j in range(cols):
                out += delim + b"%02x" % chunk[j] if j < len(chunk) else b"   "
        if not flags & HD_OMIT_CHARS:
            out += b"  |"
            for j in range(cols):
                out += (b" " if j >= len(chunk)
                        else bytes([chunk[j]]) if 0x20 <= chunk[j] <= 0x7E else b".")
            out += b"|"
        out += b"\n"
    return bytes(out)


@table.service("void hexdump(const void *ptr, int length, const char *hdr, int flags)")
def hexdump(k, ptr: int, length: int, hdr: int, flags: int) -> None:
    """hexdump(9) to the console and the message buffer."""
    length = max(0, length if length < 1 << 31 else 0)
    k.check_range(ptr, length, "read")
    header = k.machine.mem.read_cstr(hdr, 1024) if hdr else b""
    k.msgbuf.write(hexdump_lines(k.machine.mem.read(ptr, length), header, flags))


# --- contigmalloc(9), zfree -------------------------------------------------------------------------
@table.service("void *contigmalloc(unsigned long size, struct malloc_type *type, int flags, "
               "unsigned long long low, unsigned long long high, unsigned long alignment, "
               "unsigned long long boundary)", needs_call=True)
def contigmalloc(k, size: int, mtype: int, flags: int, low: int, high: int, alignment: int,
                 boundary: int, call=None) -> int:
    """Page-rounded, page-aligned (or `alignment`) memory not crossing a `boundary` multiple;
    NULL when the constraints cannot be met. Not a power of two alignment/boundary panics, as
    vm_page_alloc_contig's assertions do."""
    for what, value in (("alignment", alignment), ("boundary", boundary)):
        if value and value & (value - 1):
            raise KernelPanic(f"contigmalloc: {what} {value:#x} is not a power of 2")
    size = max(PAGE_SIZE, (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
    if high < low or high - low + 1 < size or (boundary and size > boundary):
        return 0
    align = max(PAGE_SIZE, alignment or 0)
    if boundary:
        align = max(align, 1 << (size - 1).bit_length())
    try:
        return k.heap.alloc(size, _type_name(k, mtype), zero=bool(flags & M_ZERO), align=align,
                            caller=_caller(call))
    except HeapError:
        return 0


@table.service("void contigfree(void *addr, unsigned long size, struct malloc_type *type)",
               needs_call=True)
def contigfree(k, addr: int, size: int, mtype: int, call=None) -> None:
    """Give back what contigmalloc returned."""
    _free.service.func(k, addr, mtype, call=call)


@table.service("void zfree(void *addr, struct malloc_type *type)", needs_call=True)
def zfree(k, addr: int, mtype: int, call=None) -> None:
    """free(9) that first clears the memory (for secrets)."""
    if addr:
        try:
            size = k.heap.size_of(addr)
        except HeapError as exc:
            raise KernelPanic(f"zfree: {exc}") from None
        k.machine.mem.write(addr, bytes(size))
    _free.service.func(k, addr, mtype, call=call)


# --- libkern ----------------------------------------------------------------------------------------
@table.service("void explicit_bzero(void *buf, size_t len)")
def explicit_bzero(k, buf: int, length: int) -> None:
    """bzero the compiler may not optimise away."""
    k.check_range(buf, length, "write")
    k.machine.mem.write(buf, bytes(length))


@table.service("void *memmem(const void *l, size_t l_len, const void *s, size_t s_len)")
def memmem(k, big: int, big_len: int, small: int, small_len: int) -> int:
    """The first occurrence of s in l, or NULL; l itself for an empty s."""
    if small_len == 0:
        return big
    k.check_range(big, big_len, "read")
    k.check_range(small, small_len, "read")
    at = k.machine.mem.read(big, big_len).find(k.machine.mem.read(small, small_len))
    return big + at if at >= 0 else 0


@table.service("char *strchrnul(const char *s, int c)")
def strchrnul(k, s: int, c: int) -> int:
    """The first c in s, or s's terminating NUL."""
    text = k.machine.mem.read_cstr(s, _LIMIT)
    at = text.find(bytes([c & 0xFF])) if c & 0xFF else -1
    return s + (at if at >= 0 else len(text))


@table.service("size_t strcspn(const char *s, const char *charset)")
def strcspn(k, s: int, charset: int) -> int:
    """The length of s's first run of bytes not in charset."""
    text, stop = k.machine.mem.read_cstr(s, _LIMIT), set(k.machine.mem.read_cstr(charset, 256))
    for i, b in enumerate(text):
        if b in stop:
            return i
    return len(text)


# --- kern_module.c ------------------------------------------------------------------------------------
@table.service("void *module_lookupbyname(const char *name)")
def module_lookupbyname(k, name: int) -> int:
    """The module_t of the registered module `name`, or NULL."""
    m = _fb(k).modules.find(k.machine.mem.read_cstr(name, 256).decode("latin-1"))
    return m.handle if m is not None else 0


@table.service("void *module_lookupbyid(int modid)")
def module_lookupbyid(k, modid: int) -> int:
    """The module_t of module id `modid`, or NULL."""
    m = _fb(k).modules.by_id(modid)
    return m.handle if m is not None else 0
