"""The kernel heap: allocation from the machine's kheap area, leak accounting, bad frees."""
import pytest

from kemu.kernel import HeapError
from kemu.kernel.heap import POISON


def test_blocks_come_from_the_kernel_heap_area(kernel):
    addr = kernel.heap.alloc(100, "M_DEVBUF")
    assert kernel.machine.layout["kheap"].contains(addr, 100)
    assert addr % 16 == 0


def test_zeroed_allocation_reads_back_zeros(kernel):
    first = kernel.heap.alloc(32, "x")
    kernel.machine.mem.write(first, b"\xff" * 32)
    kernel.heap.free(first)
    again = kernel.heap.alloc(32, "x", zero=True)
    assert kernel.machine.mem.read(again, 32) == bytes(32)


def test_alignment_is_honoured(kernel):
    kernel.heap.alloc(3, "x")
    assert kernel.heap.alloc(8, "x", align=256) % 256 == 0


def test_leaks_list_live_blocks_with_tag_size_and_caller(kernel):
    a = kernel.heap.alloc(16, "M_TEMP", caller=0xc0101234)
    b = kernel.heap.alloc(48, "M_DEVBUF", caller=0xc0105678)
    kernel.heap.free(a)
    leaks = kernel.heap.leaks()
    assert [(x.addr, x.size, x.tag, x.caller) for x in leaks] == [(b, 48, "M_DEVBUF", 0xc0105678)]
    assert kernel.heap.leaks("M_TEMP") == []
    assert "48 bytes at" in kernel.heap.leak_report() and "M_DEVBUF" in kernel.heap.leak_report()


def test_double_free_names_the_block_and_its_allocator(kernel):
    a = kernel.heap.alloc(24, "M_DEVBUF", caller=0xc0101234)
    kernel.heap.free(a)
    with pytest.raises(HeapError, match=f"double free of {a:#x}.*24 bytes, tag 'M_DEVBUF'.*already free"):
        kernel.heap.free(a)


def test_free_of_an_interior_pointer_is_refused(kernel):
    a = kernel.heap.alloc(64, "buf")
    with pytest.raises(HeapError, match=f"points 8 bytes into the block {a:#x}"):
        kernel.heap.free(a + 8)
    assert a in kernel.heap  # the block survives the bad free


def test_free_of_a_never_allocated_address_is_refused(kernel):
    with pytest.raises(HeapError, match="0x1234, which was never allocated"):
        kernel.heap.free(0x1234)


def test_freed_memory_is_poisoned(kernel):
    a = kernel.heap.alloc(8, "x")
    kernel.machine.mem.write(a, b"12345678")
    kernel.heap.free(a)
    assert kernel.machine.mem.read(a, 8) == bytes([POISON]) * 8


def test_statistics_track_live_and_peak_bytes_per_tag(kernel):
    a = kernel.heap.alloc(100, "A")
    kernel.heap.alloc(50, "B")
    kernel.heap.free(a)
    s = kernel.heap.stats
    assert (s.allocs, s.frees, s.live_blocks, s.live_bytes, s.peak_bytes) == (2, 1, 1, 50, 150)
    assert s.by_tag["A"] == [0, 0, 1] and s.by_tag["B"] == [1, 50, 1]


def test_zero_size_allocations_get_distinct_addresses(kernel):
    assert kernel.heap.alloc(0, "x") != kernel.heap.alloc(0, "x")


def test_bad_sizes_and_alignments_are_refused(kernel):
    with pytest.raises(HeapError, match="bad allocation size -1"):
        kernel.heap.alloc(-1, "x")
    with pytest.raises(HeapError, match="power of two"):
        kernel.heap.alloc(8, "x", align=12)


def test_size_of_reports_live_blocks(kernel):
    a = kernel.heap.alloc(40, "x")
    assert kernel.heap.size_of(a) == 40
    with pytest.raises(HeapError, match="size of"):
        kernel.heap.size_of(a + 4)


def test_an_allocation_larger_than_the_heap_area_is_a_heap_error_and_changes_nothing(kernel):
    before = (len(kernel.heap), kernel.heap.stats.allocs)
    too_big = kernel.machine.layout["kheap"].size + 1
    with pytest.raises(HeapError, match=rf"cannot allocate {too_big} bytes \(tag 'M_TEMP'\) from area kheap"):
        kernel.heap.alloc(too_big, "M_TEMP")
    assert (len(kernel.heap), kernel.heap.stats.allocs) == before
    assert kernel.heap.alloc(16, "M_TEMP") in kernel.heap    # still usable


def test_a_full_heap_is_a_heap_error_until_something_is_freed(kernel):
    area = kernel.machine.layout["kheap"]
    free_bytes = area.size - sum(b.size for b in kernel.heap.leaks())
    blocks = []
    with pytest.raises(HeapError, match="exhausted"):
        while len(blocks) < 64:
            blocks.append(kernel.heap.alloc(free_bytes // 8, "fill"))
    kernel.heap.free(blocks.pop())
    assert kernel.heap.alloc(free_bytes // 16, "again")
