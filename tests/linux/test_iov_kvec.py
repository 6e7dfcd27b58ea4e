"""Copying out of a kernel-buffer iov_iter (services/iov_kvec.py) as a protocol's sendmsg
does with what kernel_sendmsg hands it, on both arches."""
from __future__ import annotations

from .net_calls import call, cstr, linux  # noqa: F401  (linux: the fixture)


def kvec_iter(linux, *chunks: bytes) -> int:
    from kemu.os.linux.services.net_kernel_sock import ITER_SOURCE, iov_iter_kvec
    lay, mem = linux.layout, linux.machine.mem
    size = lay.size("struct kvec")
    vec = linux.kernel.heap.alloc(size * len(chunks), "test", zero=True)
    for i, chunk in enumerate(chunks):
        mem.write_ptr(vec + i * size + lay.offset("struct kvec", "iov_base"), cstr(linux, chunk))
        mem.write_int(vec + i * size + lay.offset("struct kvec", "iov_len"), lay.field_size("struct kvec", "iov_len"),
                      len(chunk))
    it = linux.kernel.heap.alloc(lay.size("struct iov_iter"), "test", zero=True)
    iov_iter_kvec(linux.kernel, it, ITER_SOURCE, vec, len(chunks), sum(map(len, chunks)))
    return it


def count(linux, it: int) -> int:
    lay = linux.layout
    return linux.machine.mem.read_int(it + lay.offset("struct iov_iter", "count"),
                                      lay.field_size("struct iov_iter", "count"))


def test_copy_from_iter_gathers_across_segments_and_advances(linux):
    it = kvec_iter(linux, b"hello ", b"world")
    buf = linux.kernel.heap.alloc(16, "test", zero=True)
    assert call(linux, "_copy_from_iter", buf, 8, it) == 8
    assert linux.machine.mem.read(buf, 8) == b"hello wo"
    assert count(linux, it) == 3
    assert call(linux, "_copy_from_iter", buf, 16, it) == 3
    assert linux.machine.mem.read(buf, 3) == b"rld"


def test_revert_moves_back_across_a_segment_boundary(linux):
    it = kvec_iter(linux, b"hello ", b"world")
    buf = linux.kernel.heap.alloc(16, "test", zero=True)
    call(linux, "_copy_from_iter", buf, 8, it)
    call(linux, "iov_iter_revert", it, 4)
    assert count(linux, it) == 7
    assert call(linux, "_copy_from_iter", buf, 16, it) == 7
    assert linux.machine.mem.read(buf, 7) == b"o world"


def test_a_user_memory_iterator_is_recorded_as_unmodelled(linux):
    it = linux.kernel.heap.alloc(linux.layout.size("struct iov_iter"), "test", zero=True)   # ITER_IOVEC
    assert call(linux, "_copy_from_iter", cstr(linux, b"xx"), 2, it) == 0
    assert [c.name for c in linux.kernel.missing_calls] == ["_copy_from_iter"]
