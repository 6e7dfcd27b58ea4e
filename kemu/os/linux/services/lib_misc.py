"""Small lib/ helpers whose fallback 0 failed real modules' init (lib/string.c, lib/hweight.c,
lib/uuid.c; 6.1): strnlen, strnchr, strcasecmp/strncasecmp, the software population counts
and the GUID/UUID text parsers."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("lib_misc")

EINVAL = 22
#: byte order of the text's 16 hex pairs in a guid_t (little-endian first three fields) and a uuid_t
GUID_INDEX = (3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15)
UUID_INDEX = tuple(range(16))
HYPHENS = (8, 13, 18, 23)
UUID_STRING_LEN = 36


def _bytes(k, addr: int, limit: int) -> bytes:
    """At most `limit` bytes of the C string at addr, without its NUL."""
    return k.machine.mem.read_cstr(addr, limit)


@table.service("size_t strnlen(const char *s, size_t count)")
def strnlen(k, s: int, count: int) -> int:
    """The length of s, at most count (bytes past count are not read)."""
    return len(_bytes(k, s, min(count, 1 << 20)))


@table.service("char *strnchr(const char *s, size_t count, int c)")
def strnchr(k, s: int, count: int, c: int) -> int:
    """The first c within count bytes of s before its NUL, or NULL."""
    text = _bytes(k, s, min(count, 1 << 20))
    at = text.find(bytes([c & 0xFF]))
    return s + at if at >= 0 else 0


def _casecmp(a: bytes, b: bytes) -> int:
    for x, y in zip(a + b"\0", b + b"\0"):
        lx, ly = x | 0x20 if 65 <= x <= 90 else x, y | 0x20 if 65 <= y <= 90 else y
        if lx != ly or not x:
            return lx - ly
    return 0


@table.service("int strcasecmp(const char *s1, const char *s2)")
def strcasecmp(k, s1: int, s2: int) -> int:
    """Compare ignoring ASCII case: <0, 0, >0."""
    return _casecmp(_bytes(k, s1, 1 << 20), _bytes(k, s2, 1 << 20))


@table.service("int strncasecmp(const char *s1, const char *s2, size_t len)")
def strncasecmp(k, s1: int, s2: int, len: int) -> int:
    """strcasecmp over at most len bytes."""
    if not len:
        return 0
    n = min(len, 1 << 20)
    return _casecmp(_bytes(k, s1, n)[:n], _bytes(k, s2, n)[:n])


@table.service("unsigned int __sw_hweight32(unsigned int w)")
def __sw_hweight32(k, w: int) -> int:
    """The number of set bits of a 32-bit word (what POPCNT computes; x86's hweight32 calls
    this when the CPU lacks it, with only the result register changed)."""
    return bin(w & 0xFFFFFFFF).count("1")


@table.service("unsigned long __sw_hweight64(u64 w)")
def __sw_hweight64(k, w: int) -> int:
    """The number of set bits of a 64-bit word."""
    return bin(w & 0xFFFFFFFFFFFFFFFF).count("1")


def _parse(k, text_addr: int, out: int, index: tuple[int, ...]) -> int:
    text = _bytes(k, text_addr, UUID_STRING_LEN)
    if len(text) < UUID_STRING_LEN or any(text[i] != 0x2D for i in HYPHENS):
        return -EINVAL
    hexdigits = bytes(c for i, c in enumerate(text) if i not in HYPHENS)
    try:
        raw = bytes.fromhex(hexdigits.decode("ascii"))
    except ValueError:
        return -EINVAL
    result = bytearray(16)
    for pos, value in zip(index, raw):
        result[pos] = value
    k.machine.mem.write(out, bytes(result))
    return 0


@table.service("int guid_parse(const char *uuid, void *u)")
def guid_parse(k, uuid: int, u: int) -> int:
    """Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into a guid_t (first three fields
    little-endian); -EINVAL for anything else."""
    return _parse(k, uuid, u, GUID_INDEX)


@table.service("int uuid_parse(const char *uuid, void *u)")
def uuid_parse(k, uuid: int, u: int) -> int:
    """The same text into a uuid_t (bytes in text order)."""
    return _parse(k, uuid, u, UUID_INDEX)
