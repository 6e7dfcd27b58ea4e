"""NetBSD kernel services called through their stubs with the arch's calling convention, the
way module code calls them."""
from __future__ import annotations

import pytest

from kemu.kernel import KernelPanic
from kemu.os.netbsd_lkm.system import GuestCrash

M_NOWAIT, M_ZERO, M_DEVBUF, PCATCH = 0x1, 0x2, 2, 0x100


def _call(system, name: str, *args: int) -> int:
    return system.machine.call(system.kernel.symbols.lookup(name), *args)


def _signed(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value


@pytest.mark.parametrize("name, errno", [("enodev", "ENODEV"), ("enxio", "ENXIO"), ("enosys", "ENOSYS"),
                                         ("enoioctl", "ENOTTY"), ("eopnotsupp", "EOPNOTSUPP"),
                                         ("lkmenodev", "ENODEV")])
def test_errno_helpers_return_netbsd_numbers(bare_system, name, errno):
    assert _call(bare_system, name) == bare_system.errno.value(errno)


def test_nullop_and_lkm_nofunc_succeed(bare_system):
    assert _call(bare_system, "nullop", 0) == 0
    assert _call(bare_system, "lkm_nofunc", 0, 1) == 0


def test_seltrue_answers_the_read_and_write_events_asked_for(bare_system):
    assert _call(bare_system, "seltrue", 0, 0x0001 | 0x0004 | 0x0008, 0) == 0x0001 | 0x0004


def test_tsleep_with_a_timeout_advances_the_virtual_clock_and_times_out(bare_system):
    before = bare_system.clock.ticks
    wmesg = bare_system.kernel_data(8, value=b"fibo\0")
    assert _call(bare_system, "tsleep", 0x1234, 0, wmesg, 50) == bare_system.errno.EWOULDBLOCK
    assert bare_system.clock.ticks == before + 50


def test_interruptible_tsleep_without_timeout_returns_EINTR(bare_system):
    wmesg = bare_system.kernel_data(8, value=b"wait\0")
    assert _call(bare_system, "tsleep", 0x1234, PCATCH, wmesg, 0) == bare_system.errno.EINTR


def test_uninterruptible_tsleep_without_timeout_is_a_deadlock_panic(bare_system):
    wmesg = bare_system.kernel_data(8, value=b"stuck\0")
    with pytest.raises(KernelPanic, match='tsleep\\("stuck"\\) with no timeout'):
        _call(bare_system, "tsleep", 0x1234, 0, wmesg, 0)
    assert _call(bare_system, "nullop", 0) == 0          # the machine carries on


def test_wakeup_has_no_sleepers_to_wake(bare_system):
    assert _call(bare_system, "wakeup", 0x1234) == 0


def test_malloc_zero_flag_and_free(bare_system):
    heap = bare_system.kernel.heap
    addr = _call(bare_system, "malloc", 64, M_DEVBUF, M_ZERO)
    assert bare_system.machine.mem.read(addr, 64) == bytes(64)
    assert heap.leaks()[-1].tag == "devbuf"
    _call(bare_system, "free", addr, M_DEVBUF)
    assert heap.leaks() == []


def test_malloc_nowait_may_fail_with_null(bare_system):
    assert _call(bare_system, "malloc", 1 << 30, M_DEVBUF, M_NOWAIT) == 0


def test_malloc_waitok_that_cannot_be_met_panics(bare_system):
    with pytest.raises(KernelPanic, match="malloc: out of space"):
        _call(bare_system, "malloc", 1 << 30, M_DEVBUF, 0)


def test_free_of_a_pointer_malloc_never_returned_panics(bare_system):
    with pytest.raises(KernelPanic, match="^free: "):
        _call(bare_system, "free", bare_system.kernel_data(16), M_DEVBUF)


def test_double_free_panics(bare_system):
    addr = _call(bare_system, "malloc", 16, M_DEVBUF, 0)
    _call(bare_system, "free", addr, M_DEVBUF)
    with pytest.raises(KernelPanic, match="^free: "):
        _call(bare_system, "free", addr, M_DEVBUF)


def test_a_panic_in_guest_code_is_reported_and_the_call_fails_with_EFAULT(bare_system):
    stub = bare_system.kernel.symbols.lookup("free")
    with pytest.raises(GuestCrash) as info:
        bare_system.call_guest(stub, 0x1000, M_DEVBUF, what="test")
    assert info.value.name == "EFAULT"
    assert bare_system.dmesg().startswith("panic: free: ")
    assert "kemu: test abandoned; the machine carries on\n" in bare_system.dmesg()


def test_realloc_keeps_the_contents(bare_system):
    mem = bare_system.machine.mem
    old = _call(bare_system, "malloc", 8, M_DEVBUF, 0)
    mem.write(old, b"abcdefgh")
    new = _call(bare_system, "realloc", old, 32, M_DEVBUF, 0)
    assert mem.read(new, 8) == b"abcdefgh" and [a.addr for a in bare_system.kernel.heap.leaks()] == [new]


def test_copyout_to_a_kernel_address_is_EFAULT(bare_system):
    src = bare_system.kernel_data(4, value=b"abcd")
    dst = bare_system.kernel_data(4)
    assert _call(bare_system, "copyout", src, dst, 4) == bare_system.errno.EFAULT


def test_sprintf_and_strcat_and_ffs(bare_system):
    mem = bare_system.machine.mem
    buf = bare_system.kernel_data(32)
    fmt = bare_system.kernel_data(16, value=b"major %d\0")
    assert _call(bare_system, "sprintf", buf, fmt, 29) == 8
    tail = bare_system.kernel_data(8, value=b"!\0")
    _call(bare_system, "strcat", buf, tail)
    assert mem.read_cstr(buf, 32) == b"major 29!"
    assert [_call(bare_system, "ffs", v) for v in (0, 1, 8, 0x80000000)] == [0, 1, 4, 32]


def test_lkmexists_of_a_pointer_that_is_no_lkm_table_is_false(bare_system):
    assert _call(bare_system, "lkmexists", bare_system.kernel_data(64)) == 0


def test_lkmdispatch_of_a_foreign_table_is_EINVAL(bare_system):
    assert _signed(_call(bare_system, "lkmdispatch", bare_system.kernel_data(128), 1)) == bare_system.errno.EINVAL


def test_every_function_the_sdk_headers_declare_is_a_kernel_symbol(bare_system):
    import re
    from kemu.paths import GUEST
    declared = set()
    for header in (GUEST / "netbsd-lkm" / "include").rglob("*.h"):
        text = re.sub(r"/\*.*?\*/", "", header.read_text(), flags=re.S)
        text = re.sub(r"#define[^\n]*(\\\n[^\n]*)*", "", text)
        for match in re.finditer(r"^[A-Za-z_][\w \t\*]*?\b([a-z_]\w*)\s*\(", text, re.M):
            if "static" in match.group(0) or "typedef" in match.group(0):
                continue
            declared.add(match.group(1))
    missing = sorted(n for n in declared if n not in bare_system.kernel.symbols)
    assert missing == []
