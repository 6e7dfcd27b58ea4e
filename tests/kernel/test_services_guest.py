"""Generic services called from real guest code (keystone-assembled) on i386 and x86-64."""
import pytest

from kemu.kernel import ServiceTable
from kemu.kernel.services import copy, string

extra = ServiceTable("test")


@extra.service("long long add64(long long a, off_t b, int c)")
def add64(k, a, b, c):
    """64-bit arithmetic: on i386 each 64-bit argument arrives in two stack slots."""
    return a + b + c


@extra.service("int kprintf(const char *fmt, ...)")
def kprintf(k, fmt, va):
    """The kernel printf as a personality would wrap it: format, then into the message buffer."""
    text = k.format(fmt, va)
    k.log(text)
    return len(text)


@pytest.fixture
def k(kernel):
    kernel.install(string.table)
    kernel.install(copy.table)
    kernel.install(extra)
    return kernel


def run(k, guest, name, *args):
    """Call service `name` from guest code with constant arguments; the raw return word."""
    return k.machine.call(guest.calling(k.symbols.lookup(name), *args))


def signed32(v):
    v &= 0xffffffff
    return v - (1 << 32) if v >> 31 else v


def kstr(k, data, size=None):
    addr = k.heap.alloc(size or len(data) + 1, "test")
    k.machine.mem.write(addr, data)
    return addr


def test_memcpy_copies_and_returns_dst(k, guest):
    src, dst = kstr(k, b"fibonacci\0"), k.heap.alloc(16, "dst")
    assert run(k, guest, "memcpy", dst, src, 10) == dst
    assert k.machine.mem.read(dst, 10) == b"fibonacci\0"
    assert str(k.trace[-1]) == f"memcpy(dst={dst:#x}, src={src:#x}, len=10) = {dst:#x}"


def test_bzero_clears_the_range_only(k, guest):
    buf = kstr(k, b"\xff" * 16)
    run(k, guest, "bzero", buf + 4, 8)
    assert k.machine.mem.read(buf, 16) == b"\xff" * 4 + bytes(8) + b"\xff" * 4


def test_memset_uses_the_low_byte_of_c(k, guest):
    buf = k.heap.alloc(8, "b")
    assert run(k, guest, "memset", buf, 0x1234, 8) == buf
    assert k.machine.mem.read(buf, 8) == b"\x34" * 8


def test_bcopy_handles_overlap_like_memmove(k, guest):
    buf = kstr(k, b"abcdef")
    run(k, guest, "bcopy", buf, buf + 2, 4)
    assert k.machine.mem.read(buf, 6) == b"ababcd"


def test_memcmp_and_strcmp_compare_unsigned_bytes(k, guest):
    a, b = kstr(k, b"ab\x80"), kstr(k, b"ab\x01")
    assert signed32(run(k, guest, "memcmp", a, b, 3)) > 0
    assert signed32(run(k, guest, "memcmp", b, a, 3)) < 0
    assert run(k, guest, "memcmp", a, a, 3) == 0
    assert signed32(run(k, guest, "strcmp", kstr(k, b"abc\0"), kstr(k, b"abd\0"))) < 0
    assert signed32(run(k, guest, "strcmp", kstr(k, b"abc\0"), kstr(k, b"ab\0"))) > 0
    assert run(k, guest, "strncmp", kstr(k, b"abcX\0"), kstr(k, b"abcY\0"), 3) == 0


def test_strlen_counts_to_the_nul(k, guest):
    assert run(k, guest, "strlen", kstr(k, b"/dev/fibo0\0")) == 10


def test_strncpy_pads_with_nuls_and_does_not_terminate_long_sources(k, guest):
    dst = kstr(k, b"\xff" * 8)
    run(k, guest, "strncpy", dst, kstr(k, b"ab\0"), 6)
    assert k.machine.mem.read(dst, 8) == b"ab\0\0\0\0\xff\xff"
    run(k, guest, "strncpy", dst, kstr(k, b"abcdefgh\0"), 4)
    assert k.machine.mem.read(dst, 6) == b"abcd\0\0"


def test_strlcpy_truncates_terminates_and_returns_the_source_length(k, guest):
    dst = kstr(k, b"\xff" * 8)
    assert run(k, guest, "strlcpy", dst, kstr(k, b"fibonacci\0"), 5) == 9
    assert k.machine.mem.read(dst, 6) == b"fibo\0\xff"


def test_copyout_to_a_bad_pointer_is_EFAULT(k, guest):
    src = kstr(k, b"data")
    assert run(k, guest, "copyout", src, 0x10, 4) == 14
    assert k.trace.faults == 1 and "fault" in str(k.trace[-1])


def test_copyout_to_a_kernel_address_is_EFAULT(k, guest):
    src, victim = kstr(k, b"data"), kstr(k, b"keep")
    assert run(k, guest, "copyout", src, victim, 4) == 14
    assert k.machine.mem.read(victim, 4) == b"keep"


def test_copyin_and_copyout_move_data_across_the_boundary(k, guest):
    u = k.user.alloc(16)
    k.user.copyout(b"from user", u)
    kbuf = k.heap.alloc(16, "kbuf")
    assert run(k, guest, "copyin", u, kbuf, 9) == 0
    assert k.machine.mem.read(kbuf, 9) == b"from user"
    assert run(k, guest, "copyout", kbuf, u + 4, 4) == 0
    assert k.user.copyin(u, 8) == b"fromfrom"


def test_copyin_with_a_huge_length_faults_without_exhausting_the_host(k, guest):
    u = k.user.alloc(16)
    assert run(k, guest, "copyin", u, k.heap.alloc(16, "x"), 0x7fffffff) == 14


def test_copyinstr_reports_done_and_ENAMETOOLONG(k, guest):
    u = k.user.alloc(32)
    k.user.copyout(b"fibo\0", u)
    dst, done = k.heap.alloc(32, "dst"), k.heap.alloc(8, "done", zero=True)
    assert run(k, guest, "copyinstr", u, dst, 32, done) == 0
    assert k.machine.mem.read(dst, 5) == b"fibo\0"
    assert k.machine.mem.read_int(done, k.word_size) == 5
    assert run(k, guest, "copyinstr", u, dst, 3, done) == k.errno.ENAMETOOLONG
    assert k.machine.mem.read_int(done, k.word_size) == 3


def test_copyinstr_from_a_kernel_address_is_EFAULT(k, guest):
    assert run(k, guest, "copyinstr", kstr(k, b"x\0"), k.heap.alloc(8, "d"), 8, 0) == 14


def test_copyoutstr_writes_into_user_space(k, guest):
    u = k.user.alloc(16)
    assert run(k, guest, "copyoutstr", kstr(k, b"fibo\0"), u, 16, 0) == 0
    assert k.user.copyin(u, 5) == b"fibo\0"


def test_64_bit_arguments_and_result_round_trip(k, guest):
    if k.arch == "i386":  # two slots per 64-bit argument, low word first
        args = (0xfffffffe, 0xffffffff, 0x00000000, 0x00000001, 0xfffffffd)
    else:
        args = (0xfffffffffffffffe, 0x100000000, 0xfffffffd)
    result = run(k, guest, "add64", *args)
    expected = (-2 + (1 << 32) - 3) & ((1 << 64) - 1)
    if k.arch == "i386":
        result = k.machine.regs.read("edx") << 32 | result
    assert result == expected
    assert str(k.trace[-1]) == f"add64(a=-2, b={1 << 32}, c=-3) = {(1 << 32) - 5}"


def test_variadic_printf_from_guest_code_reaches_the_message_buffer(k, guest):
    fmt = kstr(k, b"%s: %d %lld %p %b\n\0")
    name = kstr(k, b"fibo\0")
    bits = kstr(k, b"\x10\x02BITTWO\x01BITONE\0")
    if k.arch == "i386":  # long long in two slots
        args = (fmt, name, 0xfffffff9, 0x00000005, 0x1, 0xc0ffee00, 3, bits)
    else:  # seven arguments: the last one on the stack
        args = (fmt, name, 0xfffffff9, (1 << 32) | 5, 0xc0ffee00, 3, bits)
    expected = "fibo: -7 4294967301 0xc0ffee00 3<BITTWO,BITONE>\n"
    assert run(k, guest, "kprintf", *args) == len(expected)
    assert k.dmesg().endswith(expected)
    assert k.printed[-1] == expected


def test_a_bad_string_pointer_in_printf_is_EFAULT(k, guest):
    fmt = kstr(k, b"%s\n\0")
    assert run(k, guest, "kprintf", fmt, 0x10) == 14


def test_the_machine_stays_usable_after_a_faulting_service(k, guest):
    run(k, guest, "copyout", kstr(k, b"x"), 0x10, 1)
    assert run(k, guest, "strlen", kstr(k, b"still fine\0")) == 10
