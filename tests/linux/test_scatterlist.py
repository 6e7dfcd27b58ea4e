"""Scatterlists (services/scatterlist.py) as lib/scatterlist.c and crypto/scatterwalk.c keep
them: entries in guest memory with the end and chain bits in page_link, walked entry by
entry and page by page, on both arches."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES

SG_CHAIN, SG_END = 1, 2


def _sizes(system):
    lay = system.layout
    return lay.size("struct scatterlist"), {f: lay.offset("struct scatterlist", f)
                                             for f in ("page_link", "offset", "length")}


def _heap(system, data: bytes) -> int:
    addr = system.kernel.heap.alloc(max(len(data), 1), "test", zero=True)
    system.machine.mem.write(addr, data)
    return addr


def _table(system, n: int) -> int:
    size, _ = _sizes(system)
    sgl = _heap(system, bytes(size * n))
    system.call("sg_init_table", sgl, n)
    return sgl


def _set(system, sg: int, buf: int, length: int) -> None:
    """sg_set_buf, which is inline in the kernel: the buffer's page, offset and length."""
    from kemu.os.linux.services.scatterlist import SgList
    SgList(system.kernel).set_buf(sg, buf, length, "test")


@pytest.mark.parametrize("arch", ARCHES)
def test_sg_init_one_is_a_single_ended_entry_over_the_buffer(arch):
    system = kemu.boot("linux", arch)
    size, off = _sizes(system)
    buf = _heap(system, b"x" * 100)
    sg = _heap(system, b"\xff" * size)
    system.call("sg_init_one", sg, buf + 10, 50)
    mem = system.machine.mem
    link = mem.read_ptr(sg + off["page_link"])
    assert link & SG_END and not link & SG_CHAIN
    assert mem.read_u32(sg + off["length"]) == 50
    assert mem.read_u32(sg + off["offset"]) == (buf + 10) % 4096
    assert system.call("page_address", link & ~3) + (buf + 10) % 4096 == buf + 10
    assert system.call("sg_nents", sg) == 1


@pytest.mark.parametrize("arch", ARCHES)
def test_sg_nents_follows_a_chain_link_without_counting_it(arch):
    system = kemu.boot("linux", arch)
    size, off = _sizes(system)
    first, second = _table(system, 3), _table(system, 2)
    buf = _heap(system, bytes(64))
    for sg in (first, first + size, second, second + size):
        _set(system, sg, buf, 8)
    link = first + 2 * size                       # sg_chain(first, 3, second)
    system.machine.mem.write_ptr(link + off["page_link"], second | SG_CHAIN)
    assert system.call("sg_nents", first) == 4
    assert system.call("sg_next", first + size) == second


@pytest.mark.parametrize("arch", ARCHES)
def test_sg_miter_maps_each_entry_piece_by_piece_up_to_page_ends(arch):
    system = kemu.boot("linux", arch)
    size, _ = _sizes(system)
    data = bytes(i % 251 for i in range(9000))
    buf = _heap(system, data)
    sgl = _table(system, 2)
    _set(system, sgl, buf, 6000)
    _set(system, sgl + size, buf + 6000, 3000)
    lay, mem = system.layout, system.machine.mem
    miter = _heap(system, bytes(lay.size("struct sg_mapping_iter")))
    system.call("sg_miter_start", miter, sgl, 2, 4)      # SG_MITER_FROM_SG
    got, pieces = b"", 0
    while system.call("sg_miter_next", miter) & 0xFF:
        addr = mem.read_ptr(miter + lay.offset("struct sg_mapping_iter", "addr"))
        length = mem.read_ptr(miter + lay.offset("struct sg_mapping_iter", "length"))
        assert (addr % 4096) + length <= 4096
        got += mem.read(addr, length)
        pieces += 1
    system.call("sg_miter_stop", miter)
    assert got == data
    assert pieces >= 3                              # 9000 bytes over at least three pages


@pytest.mark.parametrize("arch", ARCHES)
def test_scatterwalk_map_and_copy_reads_and_writes_across_entries(arch):
    system = kemu.boot("linux", arch)
    size, _ = _sizes(system)
    a, b = _heap(system, b"A" * 16), _heap(system, b"B" * 16)
    sgl = _table(system, 2)
    _set(system, sgl, a, 16)
    _set(system, sgl + size, b, 16)
    out = _heap(system, bytes(8))
    system.call("scatterwalk_map_and_copy", out, sgl, 12, 8, 0)
    assert system.machine.mem.read(out, 8) == b"AAAABBBB"
    src = _heap(system, b"12345678")
    system.call("scatterwalk_map_and_copy", src, sgl, 12, 8, 1)
    assert system.machine.mem.read(a + 12, 4) == b"1234" and system.machine.mem.read(b, 4) == b"5678"
