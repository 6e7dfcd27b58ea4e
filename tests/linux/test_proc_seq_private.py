"""proc_create_seq_private and the seq_list helpers (services/proc_seq.py) through their
stubs: an entry with a state size gives each open a zeroed private state in seq->private,
freed at release; seq_list_start[_head]/seq_list_next walk a guest list_head as a module's
seq_operations do."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def cstring(linux, text: bytes) -> int:
    addr = linux.kernel.heap.alloc(len(text) + 1, "test", zero=True)
    linux.machine.mem.write(addr, text)
    return addr


def test_an_entry_with_state_opens_with_a_zeroed_private_state_freed_at_release(linux):
    ops = linux.kernel.heap.alloc(linux.layout.size("struct seq_operations"), "test", zero=True)
    pde = call(linux, "proc_create_seq_private", cstring(linux, b"kemu_state"), 0o444, 0, ops, 24, 0x1234)
    assert pde
    fd = linux.open("/proc/kemu_state")
    ((inode, entry),) = linux.proc_entries.open_inodes.items()
    assert entry.data == 0x1234
    lay, mem = linux.layout, linux.machine.mem
    file = [b.addr for b in linux.kernel.heap.leaks("file")][-1]
    seq = mem.read_ptr(file + lay.offset("struct file", "private_data"))
    assert mem.read_ptr(seq + lay.offset("struct seq_file", "op")) == ops
    private = mem.read_ptr(seq + lay.offset("struct seq_file", "private"))
    block = linux.kernel.heap.block_containing(private)
    assert block.addr == private and block.size == 24 and mem.read(private, 24) == bytes(24)
    linux.close(fd)
    assert linux.kernel.heap.block_containing(private) is None
    assert linux.kernel.heap.block_containing(seq) is None


def test_a_taken_name_gives_null(linux):
    ops = linux.kernel.heap.alloc(64, "test", zero=True)
    name = cstring(linux, b"kemu_twice")
    assert call(linux, "proc_create_seq_private", name, 0o444, 0, ops, 0, 0)
    assert call(linux, "proc_create_seq_private", name, 0o444, 0, ops, 0, 0) == 0
    assert "kemu_twice' already registered" in linux.dmesg()


def make_list(linux, n: int) -> tuple[int, list[int]]:
    mem, word = linux.machine.mem, linux.machine.word_size
    head = linux.kernel.heap.alloc(2 * word, "test", zero=True)
    nodes = [linux.kernel.heap.alloc(2 * word, "test", zero=True) for _ in range(n)]
    ring = [head] + nodes
    for i, node in enumerate(ring):
        mem.write_ptr(node, ring[(i + 1) % len(ring)])
        mem.write_ptr(node + word, ring[i - 1])
    return head, nodes


def test_seq_list_start_and_start_head_index_the_list(linux):
    head, nodes = make_list(linux, 3)
    assert [call(linux, "seq_list_start", head, i) for i in range(4)] == nodes + [0]
    assert call(linux, "seq_list_start_head", head, 0) == head
    assert call(linux, "seq_list_start_head", head, 2) == nodes[1]


def test_seq_list_next_advances_the_position_and_ends_at_the_head(linux):
    head, nodes = make_list(linux, 2)
    pos = linux.kernel.heap.alloc(8, "test", zero=True)
    assert call(linux, "seq_list_next", nodes[0], head, pos) == nodes[1]
    assert call(linux, "seq_list_next", nodes[1], head, pos) == 0
    assert linux.machine.mem.read_u64(pos) == 2
