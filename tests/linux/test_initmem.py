"""The .init.* sections are linked on pages of their own (insmod.LAYOUT) and unmapped once
init returned, so a later touch faults as on a real kernel; both arches."""
from __future__ import annotations

import pytest

import kemu
from kemu.kernel import GuestCrash

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] " in line]


def init_placements(module):
    return [p for p in module.image.placements if p.name.startswith(".init") and p.size]


def test_init_sections_share_no_page_with_the_rest_of_the_module(linux):
    m = linux.insmod(str(ko(linux.arch, "initmem")))
    pages = lambda p: set(range(p.addr >> 12, (p.end - 1 >> 12) + 1))
    init = set().union(*(pages(p) for p in init_placements(m)))
    core = set().union(*(pages(p) for p in m.image.placements if p.size and not p.name.startswith(".init")))
    assert init and not init & core
    assert {p.name for p in init_placements(m)} >= {".init.text", ".init.data"}


def test_init_pages_are_unmapped_after_init_and_the_rest_stays(linux):
    m = linux.insmod(str(ko(linux.arch, "initmem")))
    assert "initmem: init reads 'hello from init data'" in messages(linux)
    for p in init_placements(m):
        assert not linux.machine.mem.is_mapped(p.addr, 1), p.name
    assert m.os["init_freed"] >= 2 * 4096
    this = next(p for p in m.image.placements if p.name == ".gnu.linkonce.this_module")
    assert linux.machine.mem.is_mapped(this.addr, this.size)


def test_reading_init_data_after_init_faults_and_names_the_variable(linux):
    linux.insmod(str(ko(linux.arch, "initmem")), ["stale=1"])
    linux.rmmod("initmem")
    text = linux.dmesg()
    assert "kemu: fault in initmem: exit" in text
    assert "unmapped read at 0x" in text and "(initmem_greeting)" in text
    assert "initmem: exit reads byte" not in text
    assert linux.modules() == []


def test_an_unload_after_the_free_gives_the_whole_module_back(linux):
    m = linux.insmod(str(ko(linux.arch, "initmem")))
    base, size = m.base, m.size
    linux.rmmod("initmem")
    assert messages(linux)[-1] == "initmem: unloaded"
    assert not linux.machine.mem.is_mapped(base, 1)
    again = linux.insmod(str(ko(linux.arch, "initmem")))     # the area is reusable
    assert again.size == size


def test_calling_freed_init_code_faults(linux):
    m = linux.insmod(str(ko(linux.arch, "initmem")))
    init = next(p for p in m.image.placements if p.name == ".init.text")
    with pytest.raises(GuestCrash) as exc:
        linux.call_kernel_pointer(init.addr, what="initmem: stale init")
    assert "unmapped fetch" in exc.value.report
