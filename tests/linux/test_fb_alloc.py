"""framebuffer_alloc / framebuffer_release (services/fb_alloc.py): one block with the fb_info
and the driver's private part behind it, freed by release unless still registered; and
fb_get_options, which finds no video= option on kemu's command line."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES
from .corpus_trials import assert_clean


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


@pytest.mark.parametrize("arch", ARCHES)
def test_without_video_options_a_driver_gets_none_and_may_load(arch):
    system = kemu.boot("linux", arch)
    slot = system.kernel.heap.alloc(8, "test")
    system.machine.mem.write_ptr(slot, 0xDEAD)
    assert system.call("fb_get_options", b"savagefb\0", slot) == 0
    assert system.machine.mem.read_ptr(slot) == 0


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["savagefb", "sstfb", "matroxfb_crtc2"])
def test_fbdev_drivers_asking_for_options_are_clean(arch, name):
    assert_clean(arch, name)
