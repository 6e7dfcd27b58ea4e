"""struct uio and the generic uiomove algorithm, on both arches."""
import pytest

from kemu.kernel import GuestUio, StructLayout, UioLayout, read_uio, uiomove
from kemu.paths import GUEST

IOVEC = "struct iovec { void *iov_base; size_t iov_len; };"
UIO = ("struct uio { struct iovec *uio_iov; int uio_iovcnt; off_t uio_offset; size_t uio_resid;"
       " enum uio_seg uio_segflg; enum uio_rw uio_rw; struct proc *uio_procp; };")
USER, SYS, READ, WRITE = 0, 1, 0, 1


@pytest.fixture
def layout(arch):
    return UioLayout.from_c(arch, IOVEC, UIO)


@pytest.fixture
def kbuf(kernel):
    addr = kernel.heap.alloc(64, "kbuf")
    kernel.machine.mem.write(addr, bytes(range(64)))
    return addr


def user_bufs(kernel, *sizes):
    return [kernel.user.alloc(n) for n in sizes]


def test_layout_from_the_guest_sdk_header_matches(arch, layout):
    header = GUEST / "netbsd-lkm" / "include" / "sys" / "uio.h"
    if not header.exists():
        pytest.skip("guest SDK header not present")
    text = header.read_text()
    assert StructLayout.from_header(arch, text, "uio") == layout.uio
    assert StructLayout.from_header(arch, text, "iovec") == layout.iovec


def test_read_copies_kernel_bytes_into_user_iovecs_and_advances_counters(kernel, layout, kbuf):
    (u,) = user_bufs(kernel, 16)
    with GuestUio(kernel, layout, [(u, 16)], READ, USER, offset=100) as uio:
        assert uiomove(kernel, layout, kbuf, 4, uio.addr) == 0
        st = uio.state()
        assert (st.resid, st.offset, st.iovecs) == (12, 104, ((u + 4, 12),))
        assert kernel.user.copyin(u, 4) == bytes([0, 1, 2, 3])
        assert uio.moved == 4


def test_write_copies_user_bytes_into_the_kernel_buffer(kernel, layout, kbuf):
    (u,) = user_bufs(kernel, 8)
    kernel.user.copyout(b"ABCDEFGH", u)
    with GuestUio(kernel, layout, [(u, 8)], WRITE, USER) as uio:
        assert uiomove(kernel, layout, kbuf, 8, uio.addr) == 0
        assert kernel.machine.mem.read(kbuf, 8) == b"ABCDEFGH"
        assert uio.state().resid == 0


def test_a_move_spans_several_iovecs_and_skips_empty_ones(kernel, layout, kbuf):
    a, b, c = user_bufs(kernel, 3, 1, 8)
    with GuestUio(kernel, layout, [(a, 3), (b, 0), (c, 8)], READ, USER) as uio:
        assert uiomove(kernel, layout, kbuf, 6, uio.addr) == 0
        assert kernel.user.copyin(a, 3) == bytes([0, 1, 2])
        assert kernel.user.copyin(c, 3) == bytes([3, 4, 5])
        st = uio.state()
        assert st.iovcnt == 1 and st.iovecs == ((c + 3, 5),) and st.resid == 5


def test_moving_more_than_resid_moves_only_resid(kernel, layout, kbuf):
    (u,) = user_bufs(kernel, 4)
    with GuestUio(kernel, layout, [(u, 4)], READ, USER) as uio:
        assert uiomove(kernel, layout, kbuf, 10, uio.addr) == 0
        assert uio.state().resid == 0 and uio.moved == 4


def test_zero_resid_moves_nothing(kernel, layout, kbuf):
    (u,) = user_bufs(kernel, 4)
    with GuestUio(kernel, layout, [(u, 0)], READ, USER) as uio:
        assert uiomove(kernel, layout, kbuf, 4, uio.addr) == 0
        assert uio.state().iovcnt == 1  # resid 0: the loop never starts


def test_fault_returns_EFAULT_and_leaves_that_chunks_counters_alone(kernel, layout, kbuf):
    good, bad = user_bufs(kernel, 2, 4096)
    kernel.user.free(bad)  # unmapped now
    with GuestUio(kernel, layout, [(good, 2), (bad, 4)], READ, USER) as uio:
        assert uiomove(kernel, layout, kbuf, 6, uio.addr) == kernel.errno.EFAULT
        st = uio.state()
        assert st.resid == 4 and st.offset == 2        # the first chunk counted
        assert st.iovecs == ((bad, 4),)                  # the faulting chunk untouched
        assert kernel.user.copyin(good, 2) == bytes([0, 1])


def test_userspace_iovec_pointing_into_the_kernel_is_EFAULT(kernel, layout, kbuf):
    target = kernel.heap.alloc(8, "victim")
    with GuestUio(kernel, layout, [(target, 8)], READ, USER) as uio:
        assert uiomove(kernel, layout, kbuf, 8, uio.addr) == 14
        assert kernel.machine.mem.read(target, 8) != bytes(range(8))


def test_sysspace_moves_between_kernel_buffers(kernel, layout, kbuf):
    target = kernel.heap.alloc(8, "dst")
    with GuestUio(kernel, layout, [(target, 8)], READ, SYS) as uio:
        assert uiomove(kernel, layout, kbuf, 8, uio.addr) == 0
        assert kernel.machine.mem.read(target, 8) == bytes(range(8))


def test_sysspace_iovec_pointing_into_user_space_is_EFAULT(kernel, layout, kbuf):
    (u,) = user_bufs(kernel, 8)
    with GuestUio(kernel, layout, [(u, 8)], READ, SYS) as uio:
        assert uiomove(kernel, layout, kbuf, 8, uio.addr) == 14


def test_bad_direction_or_segment_is_EINVAL(kernel, layout, kbuf):
    (u,) = user_bufs(kernel, 8)
    with GuestUio(kernel, layout, [(u, 8)], 7, USER) as uio:
        assert uiomove(kernel, layout, kbuf, 8, uio.addr) == kernel.errno.EINVAL
    with GuestUio(kernel, layout, [(u, 8)], READ, 9) as uio:
        assert uiomove(kernel, layout, kbuf, 8, uio.addr) == kernel.errno.EINVAL


def test_resid_larger_than_the_iovecs_is_EINVAL_not_a_crash(kernel, layout, kbuf):
    (u,) = user_bufs(kernel, 8)
    with GuestUio(kernel, layout, [(u, 2)], READ, USER) as uio:
        kernel.machine.mem.write(uio.addr + layout.uio.offset("uio_resid"),
                                 (100).to_bytes(layout.uio["uio_resid"].size, "little"))
        assert uiomove(kernel, layout, kbuf, 8, uio.addr) == kernel.errno.EINVAL
        assert uio.state().resid == 98


def test_unreadable_uio_is_EFAULT(kernel, layout, kbuf):
    assert uiomove(kernel, layout, kbuf, 4, 0x10) == 14


def test_fibo_style_reads_fill_a_4_kib_buffer_four_bytes_at_a_time(kernel, layout, kbuf):
    (u,) = user_bufs(kernel, 4096)
    with GuestUio(kernel, layout, [(u, 4096)], READ, USER) as uio:
        moves = 0
        while uio.state().resid >= 4:
            assert uiomove(kernel, layout, kbuf, 4, uio.addr) == 0
            moves += 1
        assert moves == 1024 and uio.moved == 4096
        assert kernel.user.copyin(u + 4092, 4) == bytes([0, 1, 2, 3])


def test_read_uio_decodes_every_field(kernel, layout):
    (u,) = user_bufs(kernel, 8)
    with GuestUio(kernel, layout, [(u, 8)], WRITE, USER, offset=-1) as uio:
        st = read_uio(kernel.machine.mem, layout, uio.addr)
        assert (st.iovcnt, st.offset, st.resid, st.segflg, st.rw) == (1, -1, 8, USER, WRITE)


def test_guest_uio_memory_comes_from_the_heap_and_is_returned(kernel, layout):
    (u,) = user_bufs(kernel, 8)
    before = len(kernel.heap)
    with GuestUio(kernel, layout, [(u, 8)], READ, USER):
        assert len(kernel.heap) == before + 2
    assert len(kernel.heap) == before


def test_layout_with_other_field_names(arch, kernel, kbuf):
    layout = UioLayout.from_c(
        arch, "struct kvec { void *base; size_t len; };",
        "struct kuio { struct kvec *v; int n; off_t off; size_t left; int seg; int dir; };",
        names={"iov": "v", "iovcnt": "n", "offset": "off", "resid": "left", "segflg": "seg", "rw": "dir",
               "base": "base", "len": "len"},
        constants={"UIO_USERSPACE": 1, "UIO_SYSSPACE": 2, "UIO_READ": 1, "UIO_WRITE": 2})
    (u,) = user_bufs(kernel, 4)
    with GuestUio(kernel, layout, [(u, 4)], 1, 1) as uio:
        assert uiomove(kernel, layout, kbuf, 4, uio.addr) == 0
        assert kernel.user.copyin(u, 4) == bytes([0, 1, 2, 3])


def _uio_at(kernel, layout, addr, iov_addr, iovecs, rw=READ, seg=USER):
    from kemu.kernel import write_uio
    write_uio(kernel.machine.mem, layout, addr, iov_addr, iovecs, rw, seg)


def test_a_uio_and_iovec_straddling_two_mappings_are_moved_and_updated(kernel, layout, kbuf):
    from kemu.machine import Prot
    m = kernel.machine
    page = m.alloc("modules", 3 * 4096)
    m.mem.protect(page + 4096, 4096, Prot.READ)       # three mappings: rw- r-- rw-
    uio_addr = page + 4096 - 8                         # the uio crosses one boundary
    iov_addr = page + 2 * 4096 - layout.iovec.size // 2  # the iovec the other
    (u,) = user_bufs(kernel, 8)
    _uio_at(kernel, layout, uio_addr, iov_addr, [(u, 8)])
    assert uiomove(kernel, layout, kbuf, 4, uio_addr) == 0
    st = read_uio(m.mem, layout, uio_addr)
    assert (st.resid, st.offset, st.iovecs) == (4, 4, ((u + 4, 4),))
    assert kernel.user.copyin(u, 4) == bytes([0, 1, 2, 3])


def test_a_uio_in_executable_memory_is_updated_through_checked_writes(kernel, layout, kbuf):
    from kemu.machine import Prot
    m = kernel.machine
    page = m.alloc("modules", 4096)
    (u,) = user_bufs(kernel, 8)
    _uio_at(kernel, layout, page, page + 256, [(u, 8)])
    m.mem.protect(page, 4096, Prot.RX)
    assert uiomove(kernel, layout, kbuf, 8, page) == 0
    st = read_uio(m.mem, layout, page)
    assert (st.resid, st.iovecs) == (0, ((u + 8, 0),))


def test_only_the_uio_fields_uiomove_owns_change(kernel, layout, kbuf):
    (u,) = user_bufs(kernel, 8)
    with GuestUio(kernel, layout, [(u, 8)], READ, USER, extra={"uio_procp": 0x1234}) as uio:
        before = kernel.machine.mem.read(uio.addr, layout.uio.size)
        assert uiomove(kernel, layout, kbuf, 4, uio.addr) == 0
        after = layout.uio.unpack(kernel.machine.mem.read(uio.addr, layout.uio.size))
        assert after["uio_procp"] == 0x1234
        assert after["uio_segflg"] == USER and after["uio_rw"] == READ
        assert before != kernel.machine.mem.read(uio.addr, layout.uio.size)
