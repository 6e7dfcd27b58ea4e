"""String and buffer helpers of lib/ (lib/string.c, lib/hexdump.c, lib/vsprintf.c's vsscanf,
mm/util.c's kstrndup, fs/nls/nls_base.c's utf16s_to_utf8s; 6.1) that modules call at init:
nvmet names its subsystems with kstrndup and bin2hex, ASoC parses names with sscanf."""
from __future__ import annotations

from kemu.kernel import ServiceTable
from kemu.os.freebsd.scanf import scan_guest

table = ServiceTable("lib_strings")

LIMIT = 1 << 20


@table.service("char *bin2hex(char *dst, const void *src, size_t count)")
def bin2hex(k, dst: int, src: int, count: int) -> int:
    """count bytes of src as 2*count lowercase hex digits at dst (no NUL); the end of them."""
    k.check_length(src, count, "read")
    k.check_length(dst, 2 * count, "write")
    k.machine.mem.write(dst, k.machine.mem.read(src, count).hex().encode())
    return dst + 2 * count


@table.service("char *kstrndup(const char *s, size_t max, gfp_t gfp)", needs_call=True)
def kstrndup(k, s: int, max: int, gfp: int, call=None) -> int:
    """A kmalloc'd copy of at most max bytes of s, NUL-terminated; NULL for NULL s."""
    if not s:
        return 0
    text = k.machine.mem.read_cstr(s, min(max, LIMIT))
    buf = k.heap.alloc(len(text) + 1, "kmalloc", caller=call.return_address)
    k.machine.mem.write(buf, text + b"\0")
    return buf


@table.service("char *strstr(const char *s1, const char *s2)")
def strstr(k, s1: int, s2: int) -> int:
    """The first occurrence of s2 in s1 (s1 itself for an empty s2), or NULL."""
    at = k.read_str(s1).find(k.read_str(s2))
    return s1 + at if at >= 0 else 0


@table.service("void *memchr_inv(const void *start, int c, size_t bytes)")
def memchr_inv(k, start: int, c: int, bytes: int) -> int:
    """The first byte of [start, start+bytes) that is not c, or NULL if all are."""
    k.check_length(start, bytes, "read")
    data, c = k.machine.mem.read(start, bytes), c & 0xFF
    for i, b in enumerate(data):
        if b != c:
            return start + i
    return 0


def vsscanf_into(k, buf: int, fmt: int, args) -> int:
    """Linux's vsscanf: the conversions assigned (0 when the input is empty or the first
    conversion fails; Linux never returns EOF)."""
    return max(scan_guest(k, k.read_str(buf), k.read_str(fmt), args), 0)


@table.service("int sscanf(const char *buf, const char *fmt, ...)")
def sscanf(k, buf: int, fmt: int, va) -> int:
    """Parse buf by fmt into the pointed-to arguments; the number assigned."""
    return vsscanf_into(k, buf, fmt, va)


@table.service("int vsscanf(const char *buf, const char *fmt, va_list args)")
def vsscanf(k, buf: int, fmt: int, args) -> int:
    """sscanf with a va_list."""
    from kemu.machine import GuestVaList
    return vsscanf_into(k, buf, fmt, GuestVaList(k.machine.mem, k.arch, args))


SURROGATE_PAIR, SURROGATE_LOW, SURROGATE_MASK = 0xD800, 0x0400, 0xF800
UTF16_HOST, UTF16_LITTLE, UTF16_BIG = 0, 1, 2


@table.service("int utf16s_to_utf8s(const unsigned short *pwcs, int inlen, int endian, unsigned char *s, "
               "int maxout)")
def utf16s_to_utf8s(k, pwcs: int, inlen: int, endian: int, s: int, maxout: int) -> int:
    """Convert at most inlen UTF-16 units (to the first NUL) into at most maxout UTF-8 bytes
    at s; the bytes written. Unpaired surrogates and characters that do not fit are skipped,
    as nls_base.c does."""
    inlen, maxout = _s32(inlen), _s32(maxout)
    mem = k.machine.mem
    order = "big" if endian == UTF16_BIG else "little"
    out = bytearray()
    i = 0

    def unit(at: int) -> int:
        return int.from_bytes(mem.read(pwcs + 2 * at, 2), order)

    while inlen - i > 0 and maxout - len(out) > 0:
        u = unit(i)
        if not u:
            break
        i += 1
        if u > 0x7F and u & SURROGATE_MASK == SURROGATE_PAIR:
            if u & SURROGATE_LOW:          # a low half first: ignored
                continue
            if inlen - i <= 0:
                break
            v = unit(i)
            if v & SURROGATE_MASK != SURROGATE_PAIR or not v & SURROGATE_LOW:
                continue
            u = 0x10000 + ((u & 0x3FF) << 10) + (v & 0x3FF)
            i += 1
        enc = chr(u).encode("utf-8", "surrogatepass")
        if len(enc) <= maxout - len(out):
            out += enc
    mem.write(s, bytes(out))
    return len(out)


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


@table.service("int check_zeroed_user(const void *from, size_t size)")
def check_zeroed_user(k, from_: int, size: int) -> int:
    """Whether size bytes of user memory are all zero: 1, 0, or -EFAULT when any of them is
    not readable user memory (lib/usercopy.c; extensible syscall structs use it)."""
    if not size:
        return 1
    if not (k.user.contains(from_, size) and k.machine.mem.is_mapped(from_, size)):
        return -14
    return int(not any(k.machine.mem.read(from_, size)))
