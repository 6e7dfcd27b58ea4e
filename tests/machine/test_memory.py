"""Guest memory as Python sees it: mappings, checked accesses, allocation areas."""
from __future__ import annotations

import pytest

from kemu.machine import PAGE_SIZE, AddressLayout, Machine, MachineError, MemoryFault, Prot


def test_default_layout_puts_the_i386_kernel_above_3gib_and_modules_at_the_netbsd_address():
    lay = AddressLayout.default("i386")
    assert lay["ktext"].start == 0xc0100000
    assert lay["modules"].start == 0xdca4f000
    for name in ("kdata", "kheap", "stacks", "modules"):
        assert lay[name].start >= 0xc0000000
    assert lay["user"].start == 0x08048000 and lay["user"].end <= 0xc0000000


def test_default_layout_puts_the_x86_64_kernel_and_modules_in_the_top_2gib():
    lay = AddressLayout.default("x86_64")
    for name in ("ktext", "kdata", "kheap", "stacks", "modules"):
        assert lay[name].start >= 0xffffffff80000000
    assert lay["user"].end <= 0x0000800000000000


def test_layout_rejects_overlapping_areas():
    from kemu.machine import Area
    with pytest.raises(MachineError, match="overlap"):
        AddressLayout("i386", [Area("ktext", 0xc0000000, 0xc0200000, Prot.RX),
                               Area("kdata", 0xc0100000, 0xc0300000, Prot.RW),
                               Area("stacks", 0xd0000000, 0xd0100000, Prot.RW, "managed")])


def test_unknown_area_is_named_in_the_error(m):
    with pytest.raises(MachineError, match="no area named 'nowhere'"):
        m.alloc("nowhere", 16)


def test_read_back_what_was_written_in_every_width(m):
    a = m.alloc("kheap", 64)
    m.mem.write_u8(a, 0x11)
    m.mem.write_u16(a + 2, 0x2233)
    m.mem.write_u32(a + 4, 0x44556677)
    m.mem.write_u64(a + 8, 0x8899aabbccddeeff)
    m.mem.write_ptr(a + 16, 0x12345678)
    assert m.mem.read_u8(a) == 0x11
    assert m.mem.read_u16(a + 2) == 0x2233
    assert m.mem.read_u32(a + 4) == 0x44556677
    assert m.mem.read_u64(a + 8) == 0x8899aabbccddeeff
    assert m.mem.read_ptr(a + 16) == 0x12345678
    assert m.mem.read(a + 4, 4) == bytes.fromhex("77665544")


def test_writes_of_negative_values_store_twos_complement(m):
    a = m.alloc("kheap", 16)
    m.mem.write_u32(a, -1)
    assert m.mem.read_u32(a) == 0xffffffff


def test_reading_unmapped_memory_raises_memoryfault_naming_the_address(m):
    with pytest.raises(MemoryFault) as e:
        m.mem.read(0x1000, 4)
    assert e.value.addr == 0x1000 and e.value.size == 4 and e.value.access == "read"
    assert "0x1000" in str(e.value)


def test_writing_unmapped_memory_raises_memoryfault(m):
    with pytest.raises(MemoryFault) as e:
        m.mem.write_u32(0, 5)
    assert e.value.access == "write"


def test_access_straddling_the_end_of_a_mapping_faults_and_names_the_first_bad_byte(m):
    a = m.alloc("user", PAGE_SIZE)
    with pytest.raises(MemoryFault) as e:
        m.mem.read(a + PAGE_SIZE - 2, 4)
    assert e.value.bad_addr == a + PAGE_SIZE


def test_a_faulting_write_changes_nothing(m):
    a = m.alloc("user", PAGE_SIZE)
    with pytest.raises(MemoryFault):
        m.mem.write(a + PAGE_SIZE - 2, b"abcd")
    assert m.mem.read(a + PAGE_SIZE - 2, 2) == b"\0\0"


def test_access_spanning_two_adjacent_mappings_works(m):
    base = m.layout["user"].start + 0x100000
    m.mem.map(base, PAGE_SIZE, Prot.RW, "one")
    m.mem.map(base + PAGE_SIZE, PAGE_SIZE, Prot.READ, "two")
    m.mem.write(base + PAGE_SIZE - 3, b"hello!")
    assert m.mem.read(base + PAGE_SIZE - 3, 6) == b"hello!"


def test_is_mapped_checks_every_byte(m):
    a = m.alloc("user", PAGE_SIZE)
    assert m.mem.is_mapped(a, PAGE_SIZE)
    assert not m.mem.is_mapped(a, PAGE_SIZE + 1)
    assert not m.mem.is_mapped(a - 1, 2)


def test_addresses_outside_the_address_space_are_unmapped(m):
    assert not m.mem.is_mapped(-8, 4)
    assert not m.mem.is_mapped(1 << 64, 4)
    with pytest.raises(MemoryFault):
        m.mem.read(-8, 4)


def test_read_cstr_stops_at_the_nul(m):
    a = m.alloc("kheap", 32)
    m.mem.write(a, b"fibo\0rest")
    assert m.mem.read_cstr(a) == b"fibo"


def test_read_cstr_returns_limit_bytes_when_no_nul_is_found_within_the_limit(m):
    a = m.alloc("kheap", 32)
    m.mem.write(a, b"abcdefgh\0")
    assert m.mem.read_cstr(a, limit=4) == b"abcd"


def test_read_cstr_running_into_unmapped_memory_faults(m):
    a = m.alloc("user", PAGE_SIZE)
    m.mem.write(a, b"x" * PAGE_SIZE)
    with pytest.raises(MemoryFault):
        m.mem.read_cstr(a + PAGE_SIZE - 4)


def test_map_rejects_unaligned_and_overlapping_ranges(m):
    base = m.layout["user"].start + 0x200000
    with pytest.raises(MachineError, match="not page aligned"):
        m.mem.map(base + 1, PAGE_SIZE, Prot.RW)
    m.mem.map(base, 2 * PAGE_SIZE, Prot.RW, "first")
    with pytest.raises(MachineError, match="overlaps the mapping first"):
        m.mem.map(base + PAGE_SIZE, PAGE_SIZE, Prot.RW, "second")


def test_unmap_of_the_middle_page_leaves_the_neighbours_readable(m):
    base = m.layout["user"].start + 0x300000
    m.mem.map(base, 3 * PAGE_SIZE, Prot.RW, "three")
    m.mem.write(base, b"A")
    m.mem.write(base + 2 * PAGE_SIZE, b"C")
    m.mem.unmap(base + PAGE_SIZE, PAGE_SIZE)
    assert m.mem.read(base, 1) == b"A"
    assert m.mem.read(base + 2 * PAGE_SIZE, 1) == b"C"
    assert not m.mem.is_mapped(base + PAGE_SIZE)


def test_protect_requires_every_page_to_be_mapped(m):
    with pytest.raises(MemoryFault):
        m.mem.protect(m.layout["user"].start, PAGE_SIZE, Prot.READ)


def test_python_accesses_ignore_guest_protections(m):
    a = m.alloc("modules", PAGE_SIZE)
    m.mem.protect(a, PAGE_SIZE, Prot.READ)
    m.mem.write(a, b"\x90")
    assert m.mem.read(a, 1) == b"\x90"


def test_on_demand_alloc_maps_pages_and_free_unmaps_them(m):
    a = m.alloc("user", 100)
    assert a % PAGE_SIZE == 0 and m.mem.is_mapped(a, PAGE_SIZE)
    m.free("user", a)
    assert not m.mem.is_mapped(a)


def test_first_module_lands_at_the_start_of_the_module_area(m):
    assert m.alloc("modules", 0x2000) == m.layout["modules"].start


def test_heap_alloc_reuses_freed_blocks(m):
    a = m.alloc("kheap", 64)
    m.alloc("kheap", 64)
    m.free("kheap", a)
    assert m.alloc("kheap", 64) == a


def test_free_of_an_address_never_allocated_is_a_clear_error(m):
    with pytest.raises(MachineError, match="not a block allocated from area kheap"):
        m.free("kheap", m.layout["kheap"].start + 8)


def test_stacks_area_is_not_for_alloc(m):
    with pytest.raises(MachineError, match="managed by the machine"):
        m.alloc("stacks", 16)


def test_high_half_kernel_memory_is_usable_on_x86_64():
    m = Machine("x86_64")
    a = m.alloc("kheap", 16)
    assert a >= 0xffffffff80000000
    m.mem.write_u64(a, 0xdeadbeefcafef00d)
    assert m.mem.read_u64(a) == 0xdeadbeefcafef00d


def test_unknown_arch_is_refused():
    with pytest.raises(MachineError, match="unknown arch 'arm'"):
        Machine("arm")


def test_memory_mapped_again_after_unmap_is_zero_filled(m):
    a = m.alloc("user", PAGE_SIZE)
    m.mem.write(a, b"\xff" * PAGE_SIZE)
    m.free("user", a)
    b = m.alloc("user", PAGE_SIZE)
    assert m.mem.read(b, PAGE_SIZE) == bytes(PAGE_SIZE)


def test_a_freed_user_buffer_is_unmapped_even_when_its_memory_is_reused(m):
    a = m.alloc("user", PAGE_SIZE)
    m.free("user", a)
    b = m.alloc("user", 2 * PAGE_SIZE)
    c = m.alloc("user", PAGE_SIZE)
    m.free("user", c)
    assert not m.mem.is_mapped(c)
    assert m.mem.is_mapped(b, 2 * PAGE_SIZE)


def test_data_span_is_the_host_buffer_behind_a_plain_data_mapping(m):
    a = m.alloc("user", PAGE_SIZE)
    buf, off = m.mem.data_span(a + 8, 16)
    buf[off:off + 4] = b"kemu"
    assert m.mem.read(a + 8, 4) == b"kemu"


def test_data_span_is_none_where_read_and_write_must_be_used(m):
    base = m.layout["user"].start + 0x100000
    m.mem.map(base, PAGE_SIZE, Prot.RW, "one")
    m.mem.map(base + PAGE_SIZE, PAGE_SIZE, Prot.RW, "two")
    m.mem.map(base + 3 * PAGE_SIZE, PAGE_SIZE, Prot.RX, "code")
    assert m.mem.data_span(base + PAGE_SIZE - 4, 8) is None       # crosses two mappings
    assert m.mem.data_span(base + 2 * PAGE_SIZE, 4) is None       # unmapped
    assert m.mem.data_span(base + 3 * PAGE_SIZE, 4) is None       # code: writes must drop translations
    assert m.mem.data_span(base, -1) is None


def test_reads_and_writes_alternating_between_mappings_see_each_mapping(m):
    a, b = m.alloc("user", PAGE_SIZE), m.alloc("kheap", 64)
    for i in range(3):
        m.mem.write(a, bytes([i]) * 4)
        m.mem.write(b, bytes([i + 10]) * 4)
        assert m.mem.read(a, 4) == bytes([i]) * 4 and m.mem.read(b, 4) == bytes([i + 10]) * 4
    with pytest.raises(MemoryFault):
        m.mem.read(a + PAGE_SIZE - 2, 4)


def test_copy_moves_bytes_between_mappings_and_within_one_like_memmove(m):
    a, b = m.alloc("user", PAGE_SIZE), m.alloc("kheap", 64)
    m.mem.write(b, b"0123456789")
    m.mem.copy(a, b, 10)
    assert m.mem.read(a, 10) == b"0123456789"
    m.mem.copy(a + 2, a, 8)                       # overlapping, forwards
    assert m.mem.read(a, 10) == b"0101234567"


def test_copy_across_two_mappings_or_from_unmapped_memory(m):
    base = m.layout["user"].start + 0x100000
    m.mem.map(base, PAGE_SIZE, Prot.RW, "one")
    m.mem.map(base + PAGE_SIZE, PAGE_SIZE, Prot.READ, "two")
    m.mem.write(base, b"abcdef")
    m.mem.copy(base + PAGE_SIZE - 3, base, 6)
    assert m.mem.read(base + PAGE_SIZE - 3, 6) == b"abcdef"
    with pytest.raises(MemoryFault):
        m.mem.copy(base, base + 2 * PAGE_SIZE - 2, 4)
    assert m.mem.read(base, 6) == b"abcdef"       # nothing written
