"""Service declaration and the generated trap handlers: decoding, trace, fault mapping.

The handlers are exercised here with a minimal stand-in for the machine's TrapCall (raw words in,
result out); tests/kernel/test_integration.py runs the same handlers from real guest code.
"""
import pytest

from kemu.kernel import BadAddress, KernelError, ListVarArgs, ServiceTable, service
from kemu.kernel.service import TraceRing, build_handler, describe
from kemu.machine import MemoryFault


class Call:
    """Raw argument words as the machine's TrapCall would hand them out."""

    def __init__(self, words, word_size=8):
        self.words = list(words)
        self.word_size = word_size
        self.return_address = 0xc0de

    def args(self, n):
        return self.words[:n]

    def varargs(self, first):
        return ListVarArgs(self.words[first:], self.word_size)


def handler_for(fn, arch="x86_64", ring=None):
    ring = TraceRing(arch) if ring is None else ring
    return build_handler("K", fn.service, arch, ring, (MemoryFault, BadAddress), 14), ring


def test_service_decorator_returns_the_function_and_registers_it():
    table = ServiceTable("uio")

    @table.service("int uiomove(void *buf, size_t n, struct uio *uio)")
    def uiomove(k, buf, n, uio):
        """Move data described by a uio."""
        return 0

    assert uiomove(None, 0, 0, 0) == 0
    assert "uiomove" in table and table["uiomove"].subsystem == "uio"
    assert table["uiomove"].doc == "Move data described by a uio."
    assert describe(table).startswith("int uiomove(void *buf, size_t n, struct uio *uio)")


def test_registering_a_name_twice_is_refused():
    table = ServiceTable("x")
    table.service("int f(void)")(lambda k: 0)
    with pytest.raises(KernelError, match="already has f"):
        table.service("int f(void)")(lambda k: 1)


def test_plain_functions_cannot_be_added():
    with pytest.raises(KernelError, match="is not a service"):
        ServiceTable("x").add(lambda k: 0)


def test_subset_and_without_pick_services():
    table = ServiceTable("s")
    for name in ("a", "b", "c"):
        table.service(f"int {name}(void)")(lambda k: 0)
    assert [s.name for s in table.subset("a", "c")] == ["a", "c"]
    assert [s.name for s in table.without("b")] == ["a", "c"]
    with pytest.raises(KeyError, match="no service zz"):
        table.subset("zz")


def test_int_arguments_are_sign_extended_from_32_bits_on_x86_64():
    seen = []

    @service("int f(int a, unsigned int b, long c, short d, unsigned char e)")
    def f(k, a, b, c, d, e):
        seen.append((k, a, b, c, d, e))
        return 0

    h, _ = handler_for(f)
    h(Call([0xdeadbeefffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0x1234ffff, 0x1ff]))
    assert seen == [("K", -1, 0xffffffff, -1, -1, 0xff)]


def test_64_bit_arguments_join_two_slots_on_i386():
    seen = []

    @service("int f(off_t off, u_int64_t u, int x)")
    def f(k, off, u, x):
        seen.append((off, u, x))

    h, _ = handler_for(f, "i386")
    h(Call([0xfffffffe, 0xffffffff, 0x89abcdef, 0x01234567, 0xffffffff], 4))
    assert seen == [(-2, 0x0123456789abcdef, -1)]


def test_variadic_service_gets_varargs_after_the_fixed_slots():
    got = []

    @service("int printf(const char *fmt, ...)")
    def printf(k, fmt, va):
        got.append((fmt, va.next_int(4, True), va.next_ptr()))
        return 3

    h, ring = handler_for(printf, "i386")
    assert h(Call([0xc0001000, 0xfffffffb, 0xc0002000], 4)) == 3
    assert got == [(0xc0001000, -5, 0xc0002000)]
    assert str(ring[-1]) == "printf(fmt=0xc0001000, ...) = 3"


def test_trace_records_decoded_arguments_and_result():
    @service("int uiomove(void *buf, size_t n, struct uio *uio)")
    def uiomove(k, buf, n, uio):
        return 0

    h, ring = handler_for(uiomove, "i386")
    h(Call([0xc1002010, 4, 0xc0ff7e80], 4))
    call = ring[-1]
    assert str(call) == "uiomove(buf=0xc1002010, n=4, uio=0xc0ff7e80) = 0"
    assert call.args[1] == ("n", 4, "size_t")
    assert ring.names() == ["uiomove"]


def test_negative_results_are_shown_signed_in_the_trace():
    @service("int f(void)")
    def f(k):
        return 0xfffffff2

    h, ring = handler_for(f, "i386")
    h(Call([], 4))
    assert str(ring[0]) == "f() = -14"


def test_memory_fault_in_a_service_returns_efault_and_is_recorded():
    @service("int copyout(const void *kaddr, void *uaddr, size_t len)")
    def copyout(k, kaddr, uaddr, n):
        raise MemoryFault(uaddr, n, "write")

    h, ring = handler_for(copyout)
    assert h(Call([0x1000, 0x10, 4])) == 14
    assert ring.faults == 1
    assert "[fault: write of 4 byte(s) at 0x10" in str(ring[-1])
    assert str(ring[-1]).startswith("copyout(kaddr=0x1000, uaddr=0x10, len=4) = 14")


def test_other_exceptions_propagate():
    @service("int f(void)")
    def f(k):
        raise RuntimeError("boom")

    h, _ = handler_for(f)
    with pytest.raises(RuntimeError, match="boom"):
        h(Call([]))


def test_observers_see_each_call_and_can_unsubscribe():
    @service("void bzero(void *b, size_t len)")
    def bzero(k, b, n):
        return None

    ring = TraceRing("x86_64")
    h, _ = handler_for(bzero, ring=ring)
    seen = []
    stop = ring.observe(lambda c: seen.append(str(c)))
    h(Call([0x2000, 16]))
    stop()
    h(Call([0x2000, 16]))
    assert seen == ["bzero(b=0x2000, len=16)"] and len(ring) == 2


def test_trace_ring_is_bounded():
    @service("int f(int a)")
    def f(k, a):
        return a

    ring = TraceRing("x86_64", capacity=3)
    h, _ = handler_for(f, ring=ring)
    for i in range(5):
        h(Call([i]))
    assert [c.result for c in ring] == [2, 3, 4] and ring.capacity == 3


def test_needs_call_passes_the_trap_call():
    got = []

    @service("void *malloc(unsigned long size, int type, int flags)", needs_call=True)
    def malloc(k, size, type_, flags, call):
        got.append(call.return_address)
        return 0

    h, _ = handler_for(malloc)
    h(Call([16, 1, 0]))
    assert got == [0xc0de]
