"""Allocated formatting and in-place trimming of strings (lib/kasprintf.c, lib/string_helpers.c
and lib/string.c's strim)."""
from __future__ import annotations

from kemu.kernel import ServiceTable
from kemu.machine import GuestVaList

from .memory import _alloc

table = ServiceTable("kstrings")

#: isspace() of the kernel's Latin-1 ctype table: the C spaces and the no-break space
SPACES = frozenset(b" \t\n\v\f\r\xa0")


def _kmalloc_copy(k, text: bytes, gfp: int, call) -> int:
    new = _alloc(k, len(text) + 1, gfp, "kmalloc", call)
    if new:
        k.machine.mem.write(new, text + b"\0")
    return new


@table.service("char *kasprintf(gfp_t gfp, const char *fmt, ...)", needs_call=True)
def kasprintf(k, gfp: int, fmt: int, args, call=None) -> int:
    """The formatted text in a new kmalloc'd string (the caller kfrees it); NULL if out of memory."""
    return _kmalloc_copy(k, k.linux.format(fmt, args), gfp, call)


@table.service("char *kvasprintf(gfp_t gfp, const char *fmt, void *ap)", needs_call=True)
def kvasprintf(k, gfp: int, fmt: int, ap: int, call=None) -> int:
    """kasprintf with a va_list."""
    return _kmalloc_copy(k, k.linux.format(fmt, GuestVaList(k.machine.mem, k.arch, ap)), gfp, call)


@table.service("char *strim(char *s)")
def strim(k, s: int) -> int:
    """Cut trailing white space off in place (a NUL after the last other character) and
    return the address of the first character that is not white space."""
    text = k.read_str(s)
    end = len(text)
    while end and text[end - 1] in SPACES:
        end -= 1
    if end < len(text):
        k.machine.mem.write_u8(s + end, 0)
    start = 0
    while start < end and text[start] in SPACES:
        start += 1
    return s + start
