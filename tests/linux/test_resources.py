"""The I/O port tree (kernel/resource.c): the PC's legacy ports reserved at boot and shown in
/proc/ioports, regions claimed busy with conflicts refused, nested inside non-busy ones, and
released exactly. Called as x86-64 drivers call them (64-bit arguments in one register);
the i386 path is exercised through real modules in test_real_buses.py."""
from __future__ import annotations

import kemu


def _linux():
    return kemu.boot("linux", "x86_64")


def _call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def _name(linux, text: bytes) -> int:
    a = linux.kernel.heap.alloc(len(text) + 1, "test", zero=True)
    linux.machine.mem.write(a, text + b"\0")
    return a


def _ioports(linux) -> str:
    fd = linux.open("/proc/ioports")
    try:
        return linux.read(fd, 65536).decode()
    finally:
        linux.close(fd)


def test_the_legacy_pc_ports_are_reserved_at_boot():
    text = _ioports(_linux())
    assert text.startswith("0000-001f : dma1\n0020-0021 : pic1\n0040-0043 : timer0\n")
    assert text.endswith("00f0-00ff : fpu\n")


def test_a_claimed_region_is_listed_and_a_second_claim_of_it_is_refused():
    linux = _linux()
    io = linux.data["ioport_resource"]
    assert _call(linux, "__request_region", io, 0x443, 1, _name(linux, b"wdt"), 0)
    assert "0443-0443 : wdt\n" in _ioports(linux)
    assert _call(linux, "__request_region", io, 0x442, 2, _name(linux, b"other"), 0) == 0
    assert _call(linux, "__request_region", io, 0x43, 1, _name(linux, b"timer"), 0) == 0


def test_a_region_nests_inside_a_claimed_region_that_is_not_busy():
    linux = _linux()
    io = linux.data["ioport_resource"]
    lay = linux.layout
    outer = linux.kernel.heap.alloc(lay.size("struct resource"), "test", zero=True)
    linux.machine.mem.write_u64(outer + lay.offset("struct resource", "start"), 0x300)
    linux.machine.mem.write_u64(outer + lay.offset("struct resource", "end"), 0x31F)
    linux.machine.mem.write_ptr(outer + lay.offset("struct resource", "name"), _name(linux, b"card"))
    assert _call(linux, "request_resource", io, outer) == 0
    assert _call(linux, "__request_region", io, 0x310, 4, _name(linux, b"port"), 0)
    assert "0300-031f : card\n  0310-0313 : port\n" in _ioports(linux)
    assert _call(linux, "request_resource", io, outer) & 0xFFFFFFFF == (-linux.errno.EBUSY) & 0xFFFFFFFF


def test_releasing_a_region_frees_it_and_a_stranger_is_reported():
    linux = _linux()
    io = linux.data["ioport_resource"]
    assert _call(linux, "__request_region", io, 0x443, 1, _name(linux, b"wdt"), 0)
    _call(linux, "__release_region", io, 0x443, 1)
    assert "wdt" not in _ioports(linux)
    _call(linux, "__release_region", io, 0x443, 1)
    assert "Trying to free nonexistent resource <0x0000000000000443-0x0000000000000443>" in linux.dmesg()
