"""User space buffers and the checked copy primitives."""
import pytest

from kemu.kernel import SyscallError


def test_buffers_live_in_the_user_area(kernel):
    u = kernel.user.alloc(100)
    assert kernel.machine.layout["user"].contains(u, 100)
    assert kernel.user.copyin(u, 100) == bytes(100)


def test_copyout_then_copyin_round_trip(kernel):
    u = kernel.user.alloc(16)
    kernel.user.copyout(b"fibonacci", u)
    assert kernel.user.copyin(u, 9) == b"fibonacci"


def test_copyin_from_a_kernel_address_is_EFAULT(kernel):
    k_addr = kernel.heap.alloc(16, "x")
    with pytest.raises(SyscallError) as info:
        kernel.user.copyin(k_addr, 4)
    assert info.value.name == "EFAULT" and info.value.errno == 14


def test_copyout_to_an_unmapped_user_page_is_EFAULT_and_writes_nothing(kernel):
    u = kernel.user.alloc(4096)
    kernel.user.free(u)
    with pytest.raises(SyscallError, match="Bad address"):
        kernel.user.copyout(b"x", u)


def test_copy_straddling_the_end_of_a_buffer_is_EFAULT(kernel):
    u = kernel.user.alloc(4096)
    with pytest.raises(SyscallError):
        kernel.user.copyout(b"y" * 8, u + 4092)
    assert kernel.user.copyin(u + 4092, 4) == bytes(4)


def test_copyinstr_stops_at_the_nul(kernel):
    with kernel.user.buffer(data=b"/dev/fibo0\0garbage") as u:
        assert kernel.user.copyinstr(u, 64) == b"/dev/fibo0"


def test_copyinstr_without_nul_within_maxlen_is_ENAMETOOLONG(kernel):
    with kernel.user.buffer(data=b"abcdef\0") as u:
        with pytest.raises(SyscallError) as info:
            kernel.user.copyinstr(u, 6)
        assert info.value.name == "ENAMETOOLONG"
        assert kernel.user.copyinstr(u, 7) == b"abcdef"


def test_copyinstr_running_into_an_unmapped_page_is_EFAULT(kernel):
    u = kernel.user.alloc(4096)
    kernel.machine.mem.write(u, b"x" * 4096)
    with pytest.raises(SyscallError) as info:
        kernel.user.copyinstr(u, 10000)
    assert info.value.name == "EFAULT"


def test_copyoutstr_writes_the_nul_and_reports_the_length(kernel):
    with kernel.user.buffer(8) as u:
        assert kernel.user.copyoutstr(b"abc", u, 8) == 4
        assert kernel.user.copyin(u, 4) == b"abc\0"
        with pytest.raises(SyscallError, match="do not fit"):
            kernel.user.copyoutstr(b"abcdefgh", u, 8)


def test_temporary_buffers_are_released(kernel):
    with kernel.user.buffer(data=b"hi") as u:
        assert kernel.user.live_buffers == 1
    assert kernel.user.live_buffers == 0
    assert not kernel.machine.mem.is_mapped(u, 1)


def test_freeing_a_foreign_buffer_is_a_kernel_error(kernel):
    from kemu.kernel import KernelError
    with pytest.raises(KernelError, match="was not allocated"):
        kernel.user.free(0x1000)
