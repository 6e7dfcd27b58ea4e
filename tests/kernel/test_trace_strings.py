"""String arguments in the service trace: captured at the call, shown as strace shows them, and
only while someone watches the trace."""
import pytest

from kemu.kernel import BadAddress, service
from kemu.kernel.service import TraceRing, build_handler
from kemu.kernel.trace_strings import c_string_literal
from kemu.machine import MemoryFault

from .test_service import Call


class FakeMemory:
    """NUL-terminated strings at addresses; anything else is unmapped."""

    def __init__(self, strings: dict[int, bytes]):
        self.strings = dict(strings)
        self.reads = 0

    def read_cstr(self, addr: int, limit: int) -> bytes:
        self.reads += 1
        if addr not in self.strings:
            raise MemoryFault(addr, 1, "read")
        return self.strings[addr].split(b"\0")[0][:limit]


@service("int strcmp(const char *s1, const char *s2)")
def strcmp(k, s1, s2):
    return 0


@service("char *strcpy(char *dst, const char *src)")
def strcpy(k, dst, src):
    return dst


@service("void printf(const char *fmt, ...)")
def printf(k, fmt, args):
    return None


def ring_with(memory: FakeMemory) -> TraceRing:
    return TraceRing("x86_64", read_cstr=memory.read_cstr)


def handler(fn, ring: TraceRing):
    return build_handler("K", fn.service, "x86_64", ring, (MemoryFault, BadAddress), 14)


def test_a_watched_call_shows_its_const_char_arguments_as_quoted_strings():
    memory = FakeMemory({0x1000: b"fibo\0", 0x2000: b"fibo0\0"})
    ring = ring_with(memory)
    seen = []
    ring.observe(lambda call: seen.append(call.format()))
    handler(strcmp, ring)(Call([0x1000, 0x2000]))
    assert seen == ['strcmp(s1="fibo", s2="fibo0") = 0']
    assert str(ring[0]) == 'strcmp(s1="fibo", s2="fibo0") = 0'


def test_strings_longer_than_32_bytes_are_cut_with_dots_after_the_quote():
    memory = FakeMemory({0x1000: b"fibo: FIBONACCI driver loaded successfully\n\0"})
    ring = ring_with(memory)
    ring.observe(lambda call: None)
    handler(printf, ring)(Call([0x1000]))
    assert str(ring[0]) == 'printf(fmt="fibo: FIBONACCI driver loaded su"..., ...)'
    assert ring[0].string("fmt") == (b"fibo: FIBONACCI driver loaded su", True)


def test_the_string_limit_is_adjustable_like_strace_s():
    memory = FakeMemory({0x1000: b"abcdef\0"})
    ring = ring_with(memory)
    ring.string_limit = 3
    ring.capture_strings()
    handler(printf, ring)(Call([0x1000]))
    assert str(ring[0]) == 'printf(fmt="abc"..., ...)'


def test_a_string_exactly_at_the_limit_is_not_marked_cut():
    memory = FakeMemory({0x1000: b"x" * 32 + b"\0"})
    ring = ring_with(memory)
    ring.capture_strings()
    handler(printf, ring)(Call([0x1000]))
    assert ring[0].string("fmt") == (b"x" * 32, False)


def test_the_text_is_the_one_at_the_call_not_what_memory_holds_later():
    memory = FakeMemory({0x1000: b"before\0"})
    ring = ring_with(memory)
    ring.capture_strings()

    @service("int puts(const char *s)")
    def puts(k, s):
        memory.strings[0x1000] = b"during\0"   # the service (or the module later) reuses the buffer
        return 0
    handler(puts, ring)(Call([0x1000]))
    memory.strings[0x1000] = b"after\0"
    assert str(ring[0]) == 'puts(s="before") = 0'


def test_only_const_char_parameters_are_strings():
    memory = FakeMemory({0x1000: b"dst\0", 0x2000: b"src\0"})
    ring = ring_with(memory)
    ring.capture_strings()
    handler(strcpy, ring)(Call([0x1000, 0x2000]))
    assert str(ring[0]) == 'strcpy(dst=0x1000, src="src") = 0x1000'


def test_null_and_unreadable_pointers_show_their_value():
    ring = ring_with(FakeMemory({}))
    ring.capture_strings()
    handler(strcmp, ring)(Call([0, 0xdead0000]))
    assert str(ring[0]) == "strcmp(s1=0x0, s2=0xdead0000) = 0"


def test_nobody_watching_means_nothing_is_read():
    memory = FakeMemory({0x1000: b"fibo\0", 0x2000: b"fibo0\0"})
    ring = ring_with(memory)
    h = handler(strcmp, ring)
    h(Call([0x1000, 0x2000]))
    assert memory.reads == 0
    assert str(ring[0]) == "strcmp(s1=0x1000, s2=0x2000) = 0"
    stop = ring.observe(lambda call: None)
    h(Call([0x1000, 0x2000]))
    stop()
    h(Call([0x1000, 0x2000]))
    assert memory.reads == 2
    assert [str(c) for c in ring][1:] == ['strcmp(s1="fibo", s2="fibo0") = 0', "strcmp(s1=0x1000, s2=0x2000) = 0"]


def test_a_call_that_faults_keeps_its_captured_strings():
    memory = FakeMemory({0x1000: b"name\0"})
    ring = ring_with(memory)
    ring.capture_strings()

    @service("int lookup(const char *name, int *out)")
    def lookup(k, name, out):
        raise MemoryFault(out, 4, "write")
    handler(lookup, ring)(Call([0x1000, 0x10]))
    assert str(ring[0]).startswith('lookup(name="name", out=0x10) = 14 [fault: ')


@pytest.mark.parametrize("data, truncated, shown", [
    (b"plain", False, '"plain"'),
    (b"tab\there\nand\rmore\x0b\x0c", False, '"tab\\there\\nand\\rmore\\v\\f"'),
    (b'say "hi" \\ bye', False, '"say \\"hi\\" \\\\ bye"'),
    (b"\x1b[0m\x00", False, '"\\33[0m\\0"'),
    (b"\x011", False, '"\\0011"'),                  # three octal digits before a digit
    (b"\xff\xfe", False, '"\\377\\376"'),
    (b"cut", True, '"cut"...'),
])
def test_c_string_literal_escapes_as_strace_does(data, truncated, shown):
    assert c_string_literal(data, truncated) == shown
