"""Memory and string routines every kernel links modules against (libkern / lib/string).

They act on guest memory directly. A pointer into unmapped memory makes the trap return the
OS's EFAULT (a real kernel would take a page fault); lengths are checked against the mappings
before any host buffer is built, so a garbage length cannot exhaust the host.
"""
from __future__ import annotations

from ..service import ServiceTable

table = ServiceTable("string")


def _copy(k, dst: int, src: int, n: int) -> None:
    if n == 0:
        return
    k.check_length(src, n, "read")
    k.check_length(dst, n, "write")
    mem = k.machine.mem
    mem.write(dst, mem.read(src, n))   # read whole first: overlapping moves behave like memmove


@table.service("void bzero(void *b, size_t len)")
def bzero(k, b: int, n: int) -> None:
    """Fill len bytes at b with zeros."""
    if n:
        k.check_length(b, n, "write")
        k.machine.mem.write(b, bytes(n))


@table.service("void bcopy(const void *src, void *dst, size_t len)")
def bcopy(k, src: int, dst: int, n: int) -> None:
    """Copy len bytes from src to dst; overlapping regions are handled (BSD bcopy is memmove)."""
    _copy(k, dst, src, n)


@table.service("void *memcpy(void *dst, const void *src, size_t len)")
def memcpy(k, dst: int, src: int, n: int) -> int:
    """Copy len bytes from src to dst; returns dst."""
    _copy(k, dst, src, n)
    return dst


@table.service("void *memmove(void *dst, const void *src, size_t len)")
def memmove(k, dst: int, src: int, n: int) -> int:
    """Copy len bytes between possibly overlapping regions; returns dst."""
    _copy(k, dst, src, n)
    return dst


@table.service("void *memset(void *b, int c, size_t len)")
def memset(k, b: int, c: int, n: int) -> int:
    """Fill len bytes at b with (unsigned char)c; returns b."""
    if n:
        k.check_length(b, n, "write")
        k.machine.mem.write(b, bytes([c & 0xFF]) * n)
    return b


@table.service("int memcmp(const void *b1, const void *b2, size_t len)")
def memcmp(k, b1: int, b2: int, n: int) -> int:
    """Compare len bytes as unsigned chars: <0, 0 or >0 (the difference of the first mismatch)."""
    if n == 0:
        return 0
    k.check_length(b1, n, "read")
    k.check_length(b2, n, "read")
    mem = k.machine.mem
    return _diff(mem.read(b1, n), mem.read(b2, n))


def _diff(x: bytes, y: bytes) -> int:
    if x == y:
        return 0
    for a, b in zip(x, y):
        if a != b:
            return a - b
    return 0


@table.service("size_t strlen(const char *s)")
def strlen(k, s: int) -> int:
    """Length of the NUL-terminated string at s."""
    return len(k.read_str(s))


@table.service("int strcmp(const char *s1, const char *s2)")
def strcmp(k, s1: int, s2: int) -> int:
    """Compare two strings as unsigned chars."""
    a, b = k.read_str(s1), k.read_str(s2)
    return _diff(a + b"\0", b + b"\0")


@table.service("int strncmp(const char *s1, const char *s2, size_t len)")
def strncmp(k, s1: int, s2: int, n: int) -> int:
    """Compare at most len characters of two strings."""
    if n == 0:
        return 0
    a, b = k.read_str(s1, n), k.read_str(s2, n)
    return _diff((a + b"\0")[:n], (b + b"\0")[:n])


@table.service("char *strcpy(char *dst, const char *src)")
def strcpy(k, dst: int, src: int) -> int:
    """Copy src with its NUL to dst; returns dst."""
    text = k.read_str(src) + b"\0"
    k.check_length(dst, len(text), "write")
    k.machine.mem.write(dst, text)
    return dst


@table.service("char *strncpy(char *dst, const char *src, size_t len)")
def strncpy(k, dst: int, src: int, n: int) -> int:
    """Copy at most len bytes of src; pad with NULs to len; no NUL if src is len or longer."""
    if n == 0:
        return dst
    text = k.read_str(src, n)
    data = text[:n] + bytes(n - min(len(text), n))
    k.check_length(dst, n, "write")
    k.machine.mem.write(dst, data)
    return dst


@table.service("size_t strlcpy(char *dst, const char *src, size_t size)")
def strlcpy(k, dst: int, src: int, size: int) -> int:
    """Copy src into a buffer of size bytes, always NUL-terminated; returns strlen(src)."""
    text = k.read_str(src)
    if size:
        part = text[:size - 1] + b"\0"
        k.check_length(dst, len(part), "write")
        k.machine.mem.write(dst, part)
    return len(text)


@table.service("size_t strlcat(char *dst, const char *src, size_t size)")
def strlcat(k, dst: int, src: int, size: int) -> int:
    """Append src to the string in dst (a buffer of size bytes); returns the length it tried to make."""
    text = k.read_str(src)
    head = k.read_str(dst, size) if size else b""
    if len(head) >= size:  # no NUL within size: nothing appended
        return size + len(text)
    room = size - len(head) - 1
    part = text[:room] + b"\0"
    k.check_length(dst + len(head), len(part), "write")
    k.machine.mem.write(dst + len(head), part)
    return len(head) + len(text)


@table.service("char *strchr(const char *s, int c)")
def strchr(k, s: int, c: int) -> int:
    """First occurrence of (char)c in s (the NUL counts), or NULL."""
    text = k.read_str(s) + b"\0"
    i = text.find(bytes([c & 0xFF]))
    return s + i if i >= 0 else 0


@table.service("char *strrchr(const char *s, int c)")
def strrchr(k, s: int, c: int) -> int:
    """Last occurrence of (char)c in s (the NUL counts), or NULL."""
    text = k.read_str(s) + b"\0"
    i = text.rfind(bytes([c & 0xFF]))
    return s + i if i >= 0 else 0
