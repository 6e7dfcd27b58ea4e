"""strdup(9) and strndup(9): libkern's string copies that allocate from a malloc(9) type.

FreeBSD 14 libkern/strdup.c and strndup.c copy the string into malloc(len + 1, type, M_WAITOK),
so the copy is tagged with the caller's malloc type (vmstat -m, kemu's leak report) and a
NULL-free call never returns NULL. Allocation goes through services.malloc so exhaustion
panics exactly as malloc(M_WAITOK) does.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .services import malloc

table = ServiceTable("freebsd-libkern")

M_WAITOK = 0x0002
_LIMIT = 1 << 20        # longest string copied; longer input is treated as unterminated garbage


def _copy_into_new(k, data: bytes, mtype: int, call) -> int:
    new = malloc.service.func(k, len(data) + 1, mtype, M_WAITOK, call=call)
    k.machine.mem.write(new, data + b"\0")
    return new


@table.service("char *strdup(const char *string, struct malloc_type *type)", needs_call=True)
def strdup(k, string: int, mtype: int, call=None) -> int:
    """A malloc'd copy of `string`, its terminating NUL included."""
    return _copy_into_new(k, k.machine.mem.read_cstr(string, _LIMIT), mtype, call)


@table.service("char *strndup(const char *string, size_t maxlen, struct malloc_type *type)",
               needs_call=True)
def strndup(k, string: int, maxlen: int, mtype: int, call=None) -> int:
    """At most `maxlen` bytes of `string`, always NUL-terminated."""
    return _copy_into_new(k, k.machine.mem.read_cstr(string, min(maxlen, _LIMIT))[:maxlen],
                          mtype, call)
