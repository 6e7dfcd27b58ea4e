"""strdup(9)/strndup(9) as a kld reaches them: a malloc'd, NUL-terminated copy tagged with its type."""
from __future__ import annotations


def call(system, name: str, *args: int) -> int:
    return system.call_guest(system.kernel.symbols.lookup(name), *args, what=name)


def _guest_string(system, text: bytes) -> int:
    addr = call(system, "malloc", len(text) + 1, 0, 0x2)
    system.machine.mem.write(addr, text + b"\0")
    return addr


def test_strdup_returns_a_separate_terminated_copy_freed_with_free(system):
    src = _guest_string(system, b"kemu rocks")
    copy = call(system, "strdup", src, 0)
    assert copy != src
    assert system.machine.mem.read(copy, 11) == b"kemu rocks\0"
    call(system, "free", copy, 0)
    call(system, "free", src, 0)
    assert system.kernel.heap.leaks() == []


def test_strndup_stops_at_maxlen_and_still_terminates(system):
    src = _guest_string(system, b"abcdef")
    copy = call(system, "strndup", src, 3, 0)
    assert system.machine.mem.read_cstr(copy) == b"abc"
    short = call(system, "strndup", src, 100, 0)
    assert system.machine.mem.read_cstr(short) == b"abcdef"


def test_strdup_copy_carries_the_callers_malloc_type(system):
    system.kldload("echo")                   # MALLOC_DEFINE(M_ECHOBUF, "echobuffer", …)
    mtype = next(addr for addr, name in system.malloc_types.items() if name == "echobuffer")
    copy = call(system, "strdup", _guest_string(system, b"x"), mtype)
    assert any(a.tag == "echobuffer" and a.addr == copy for a in system.kernel.heap.leaks())
