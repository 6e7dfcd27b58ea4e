"""File descriptors over /dev nodes and a driver object supplied by the OS."""
import pytest

from kemu.kernel import SyscallError


class CountingDriver:
    """A Python character driver: reads give 4-byte little-endian counters, one opener per minor."""

    def __init__(self, k):
        self.k = k
        self.open_minors = set()
        self.written = b""
        self.closed = []

    def open(self, f):
        if f.node.minor >= 4:
            raise self.k.errno.error("ENODEV")
        if f.node.minor in self.open_minors:
            raise self.k.errno.error("EBUSY")
        self.open_minors.add(f.node.minor)
        f.private["next"] = 1

    def close(self, f):
        self.open_minors.discard(f.node.minor)
        self.closed.append(f.fd)

    def read(self, f, uaddr, n):
        if n < 4:
            raise self.k.errno.error("EINVAL")
        out = b""
        while len(out) + 4 <= n:
            out += f.private["next"].to_bytes(4, "little")
            f.private["next"] += 1
        self.k.user.copyout(out, uaddr)
        return len(out)

    def write(self, f, uaddr, n):
        self.written += self.k.user.copyin(uaddr, n)
        return n

    def ioctl(self, f, cmd, arg):
        if cmd == 1:
            data = self.k.user.copyin(arg, 4)
            self.k.user.copyout(data[::-1], arg)
            return 0
        return cmd * 2


@pytest.fixture
def driver(kernel):
    drv = CountingDriver(kernel)
    kernel.files.driver_for = lambda node: drv if node.major == 29 else None
    for i in range(5):
        kernel.devfs.mknod(f"/dev/cnt{i}", "c", 29, i, 0o666)
    return drv


def test_open_read_close_go_through_the_driver(kernel, driver):
    fd = kernel.files.open("/dev/cnt0", "r")
    assert fd == 3
    data = kernel.files.read(fd, 12)
    assert data == b"\1\0\0\0\2\0\0\0\3\0\0\0"
    assert kernel.files.get(fd).offset == 12
    kernel.files.close(fd)
    assert driver.closed == [3] and fd not in kernel.files


def test_descriptors_are_the_lowest_free_numbers(kernel, driver):
    a = kernel.files.open("/dev/cnt0")
    b = kernel.files.open("/dev/cnt1")
    kernel.files.close(a)
    assert kernel.files.open("/dev/cnt2") == a and b == a + 1


def test_driver_errors_come_back_as_the_os_errno(kernel, driver):
    kernel.files.open("/dev/cnt0")
    with pytest.raises(SyscallError) as busy:
        kernel.files.open("/dev/cnt0")
    with pytest.raises(SyscallError) as nodev:
        kernel.files.open("/dev/cnt4")
    assert (busy.value.name, nodev.value.name) == ("EBUSY", "ENODEV")
    assert len(kernel.files) == 1  # refused opens leave no descriptor behind


def test_short_read_error_from_the_driver(kernel, driver):
    fd = kernel.files.open("/dev/cnt0")
    with pytest.raises(SyscallError, match="Invalid argument"):
        kernel.files.read(fd, 3)


def test_open_of_a_missing_node_is_ENOENT(kernel, driver):
    with pytest.raises(SyscallError) as info:
        kernel.files.open("/dev/nothing")
    assert info.value.name == "ENOENT"


def test_open_of_a_node_without_driver_is_ENXIO(kernel, driver):
    kernel.devfs.mknod("/dev/orphan", "c", 77, 0)
    with pytest.raises(SyscallError, match="Device not configured"):
        kernel.files.open("/dev/orphan")


def test_operations_on_a_closed_descriptor_are_EBADF(kernel, driver):
    fd = kernel.files.open("/dev/cnt0")
    kernel.files.close(fd)
    for op in (lambda: kernel.files.read(fd, 4), lambda: kernel.files.write(fd, b"x"),
               lambda: kernel.files.ioctl(fd, 5), lambda: kernel.files.close(fd)):
        with pytest.raises(SyscallError) as info:
            op()
        assert info.value.name == "EBADF"


def test_access_mode_is_enforced(kernel, driver):
    r = kernel.files.open("/dev/cnt0", "r")
    w = kernel.files.open("/dev/cnt1", "w")
    with pytest.raises(SyscallError, match="opened read-only"):
        kernel.files.write(r, b"x")
    with pytest.raises(SyscallError, match="opened write-only"):
        kernel.files.read(w, 4)


def test_write_hands_the_data_to_the_driver_in_user_memory(kernel, driver):
    fd = kernel.files.open("/dev/cnt0", "rw")
    assert kernel.files.write(fd, b"hello") == 5
    assert driver.written == b"hello"
    assert kernel.user.live_buffers == 0


def test_ioctl_with_a_buffer_returns_its_new_content(kernel, driver):
    fd = kernel.files.open("/dev/cnt0")
    result = kernel.files.ioctl(fd, 1, b"abcd")
    assert (result.value, result.data) == (0, b"dcba")
    assert kernel.files.ioctl(fd, 21, 0).value == 42


def test_too_many_open_files_is_EMFILE(kernel, driver):
    kernel.files.max_files = 2
    kernel.files.open("/dev/cnt0")
    kernel.files.open("/dev/cnt1")
    with pytest.raises(SyscallError) as info:
        kernel.files.open("/dev/cnt2")
    assert info.value.name == "EMFILE"


def test_files_of_a_driver_are_listed(kernel, driver):
    kernel.files.open("/dev/cnt0")
    kernel.files.open("/dev/cnt1")
    assert [f.node.minor for f in kernel.files.files_of("c", 29)] == [0, 1]
    assert kernel.files.files_of("c", 30) == []


def test_bad_mode_string_is_rejected(kernel, driver):
    with pytest.raises(ValueError, match="open mode"):
        kernel.files.open("/dev/cnt0", "rx")
