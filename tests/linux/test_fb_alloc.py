"""framebuffer_alloc / framebuffer_release (services/fb_alloc.py): one block with the fb_info
and the driver's private part behind it, freed by release unless still registered."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.mark.parametrize("arch", ARCHES)
def test_par_follows_the_info_padded_to_a_long(arch):
    system = kemu.boot("linux", arch)
    info = system.call("framebuffer_alloc", 100, 0x1234)
    lay, mem, word = system.layout, system.machine.mem, system.machine.word_size
    size = lay.size("struct fb_info")
    assert mem.read_ptr(info + lay.offset("struct fb_info", "par")) == info + size + word - size % word
    assert mem.read_ptr(info + lay.offset("struct fb_info", "device")) == 0x1234
    assert mem.read_u32(info + lay.offset("struct fb_info", "fbcon_rotate_hint")) == 0xFFFFFFFF
    assert system.kernel.heap.size_of(info) == size + word - size % word + 100
    system.call("framebuffer_release", info)
    assert info not in system.kernel.heap


@pytest.mark.parametrize("arch", ARCHES)
def test_without_private_bytes_par_is_null_and_a_registered_info_is_not_freed(arch):
    system = kemu.boot("linux", arch)
    info = system.call("framebuffer_alloc", 0, 0)
    lay, mem = system.layout, system.machine.mem
    assert mem.read_ptr(info + lay.offset("struct fb_info", "par")) == 0
    mem.write_u32(info + lay.offset("struct fb_info", "count"), 1)
    system.call("framebuffer_release", info)
    assert info in system.kernel.heap and "fb_info is still registered" in system.dmesg()
