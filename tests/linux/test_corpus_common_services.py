"""The kernel functions the Debian corpus run found blocking most modules, called through
their trap stubs as a module calls them: list debugging checks, strsep, /proc directories,
static classes, sysctl tables."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    value = linux.machine.call(linux.kernel.installed[name][1], *args)
    return value & 0xFF if name.startswith("__list") else value


def node_pair(linux):
    """Two list_heads linked into a ring (a list with one entry)."""
    m, w = linux.machine, linux.machine.word_size
    head, entry, new = (linux.kernel.heap.alloc(2 * w, "test", zero=True) for _ in range(3))
    m.mem.write_ptr(head, entry); m.mem.write_ptr(head + w, entry)
    m.mem.write_ptr(entry, head); m.mem.write_ptr(entry + w, head)
    return head, entry, new


def test_list_add_between_linked_neighbours_is_valid(linux):
    head, entry, new = node_pair(linux)
    assert call(linux, "__list_add_valid", new, head, entry) == 1
    assert "list_add" not in linux.dmesg()


def test_list_add_with_broken_links_warns_and_is_refused(linux):
    head, entry, new = node_pair(linux)
    linux.machine.mem.write_ptr(entry + linux.machine.word_size, new)       # entry->prev wrong
    assert call(linux, "__list_add_valid", new, head, entry) == 0
    assert "list_add corruption. next->prev should be prev" in linux.dmesg()
    assert "W" in linux.taints


def test_list_add_twice_is_a_double_add(linux):
    head, entry, _ = node_pair(linux)
    assert call(linux, "__list_add_valid", entry, head, entry) == 0
    assert "list_add double add" in linux.dmesg()


def test_list_del_checks_the_neighbours_and_the_poison(linux):
    head, entry, _ = node_pair(linux)
    assert call(linux, "__list_del_entry_valid", entry) == 1
    poison1 = 0xDEAD000000000100 if linux.arch == "x86_64" else 0x100
    linux.machine.mem.write_ptr(entry, poison1)
    assert call(linux, "__list_del_entry_valid", entry) == 0
    assert "->next is LIST_POISON1" in linux.dmesg()


def test_strsep_splits_in_place_and_ends_with_null(linux):
    m, k = linux.machine, linux.kernel
    text = k.heap.alloc(16, "test", zero=True)
    m.mem.write(text, b"a,b;c\0")
    delims = k.heap.alloc(4, "test", zero=True)
    m.mem.write(delims, b",;\0")
    cursor = k.heap.alloc(8, "test", zero=True)
    m.mem.write_ptr(cursor, text)
    tokens = []
    while True:
        tok = call(linux, "strsep", cursor, delims)
        if not tok:
            break
        tokens.append(k.read_str(tok))
    assert tokens == [b"a", b"b", b"c"] and m.mem.read_ptr(cursor) == 0


def test_proc_mkdir_mode_makes_a_directory_entries_go_under(linux):
    k, m = linux.kernel, linux.machine
    name = k.heap.alloc(8, "test", zero=True)
    m.mem.write(name, b"asound\0")
    pde = call(linux, "proc_mkdir_mode", name, 0o555, 0)
    assert pde and linux.proc_entries.entries["/proc/asound"].mode == 0o40555
    assert call(linux, "proc_mkdir_mode", name, 0o555, 0) == 0          # taken


def test_class_register_refuses_a_second_class_of_the_same_name(linux):
    k, m, lay = linux.kernel, linux.machine, linux.layout
    name = k.heap.alloc(8, "test", zero=True)
    m.mem.write(name, b"mtd\0")
    cls, other = (k.heap.alloc(lay.size("struct class"), "test", zero=True) for _ in range(2))
    for c in (cls, other):
        m.mem.write_ptr(c + lay.offset("struct class", "name"), name)
    assert call(linux, "__class_register", cls, 0) == 0
    assert call(linux, "__class_register", other, 0) & 0xFFFFFFFF == (-17) & 0xFFFFFFFF
    call(linux, "class_unregister", cls)
    assert call(linux, "__class_register", other, 0) == 0


def test_sysctl_tables_register_and_unregister(linux):
    header = call(linux, "register_sysctl_table", 0)
    assert header and header in linux.sysctl_headers
    call(linux, "unregister_sysctl_table", header)
    assert header not in linux.sysctl_headers


def test_net_sysctl_and_proc_net_directories(linux):
    k, m = linux.kernel, linux.machine
    path = k.heap.alloc(16, "test", zero=True)
    m.mem.write(path, b"net/netfilter\0")
    header = call(linux, "register_net_sysctl", 0, path, 0)
    assert linux.sysctl_headers[header] == "net/netfilter"
    call(linux, "unregister_net_sysctl_table", header)
    assert header not in linux.sysctl_headers
    name = k.heap.alloc(8, "test", zero=True)
    m.mem.write(name, b"atm\0")
    assert call(linux, "_proc_mkdir", name, 0o555, 0, 0, 0)
    assert "/proc/atm" in linux.proc_entries.entries
