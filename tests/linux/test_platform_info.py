"""Boot facts (services/platform_info.py, firmware_loader.py): the command line's nomodeset
and video=, memory counted from the heap, no EFI variables, no EDAC owner or cpufreq driver,
the MCE decoder chain in priority order, the firmware loader finding no files, and off-stack
CPU masks (services/cpumask_alloc.py) sized for the one CPU."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .platform_helpers import boot, call, cstr, s32


@pytest.fixture(params=ARCHES)
def linux(request):
    return boot(request.param)


def test_no_nomodeset_and_no_video_options_on_the_command_line(linux):
    assert call(linux, "drm_firmware_drivers_only") & 0xFF == 0
    slot = linux.kernel.heap.alloc(8, "test", zero=True)
    linux.machine.mem.write_ptr(slot, 0x1234)
    assert call(linux, "fb_get_options", cstr(linux, "vesafb"), slot) == 0
    assert linux.machine.mem.read_ptr(slot) == 0


def test_si_meminfo_counts_the_heap_in_pages(linux):
    lay, mem, word = linux.layout, linux.machine.mem, linux.machine.word_size
    info = linux.kernel.heap.alloc(lay.size("struct sysinfo"), "test", zero=True)
    call(linux, "si_meminfo", info)
    total = mem.read_int(info + lay.offset("struct sysinfo", "totalram"), word)
    free = mem.read_int(info + lay.offset("struct sysinfo", "freeram"), word)
    assert 0 < free < total
    assert mem.read_u32(info + lay.offset("struct sysinfo", "mem_unit")) == 4096
    assert mem.read_int(info + lay.offset("struct sysinfo", "totalhigh"), word) == 0
    assert call(linux, "nr_free_buffer_pages") in range(free - 1, free + 2)


def test_nothing_owns_edac_efivars_or_cpufreq(linux):
    assert call(linux, "edac_get_owner") == 0
    assert call(linux, "efivar_supports_writes") & 0xFF == 0
    assert call(linux, "efivars_kobject") == 0
    assert call(linux, "cpufreq_get_current_driver") == 0


def notifier(linux, priority: int) -> int:
    lay = linux.layout
    nb = linux.kernel.heap.alloc(lay.size("struct notifier_block"), "test", zero=True)
    linux.machine.mem.write_u32(nb + lay.offset("struct notifier_block", "priority"), priority & 0xFFFFFFFF)
    return nb


def test_mce_decoders_are_kept_by_priority_and_bad_ones_refused(linux):
    low, high, bad = notifier(linux, 1), notifier(linux, 5), notifier(linux, 99)
    for nb in (low, high, bad):
        call(linux, "mce_register_decode_chain", nb)
    assert linux.mce_decode_chain == [high, low]
    assert "mce_register_decode_chain: priority 99 out of range" in linux.dmesg()
    call(linux, "mce_unregister_decode_chain", high)
    assert linux.mce_decode_chain == [low]


def test_request_firmware_finds_no_file(linux):
    slot = linux.kernel.heap.alloc(8, "test", zero=True)
    linux.machine.mem.write_ptr(slot, 0x1234)
    assert s32(call(linux, "request_firmware", slot, cstr(linux, "acme/fw.bin"), 0)) == -linux.errno.ENOENT
    assert linux.machine.mem.read_ptr(slot) == 0
    assert "Direct firmware load for acme/fw.bin failed with error -2" in linux.dmesg()
    call(linux, "release_firmware", 0)                              # NULL: nothing to do
    assert s32(call(linux, "firmware_request_nowarn", slot, cstr(linux, "other.bin"), 0)) == -linux.errno.ENOENT
    assert "other.bin" not in linux.dmesg()


def test_an_off_stack_cpumask_is_one_long_for_the_one_cpu():
    linux = boot("x86_64")                        # 686-pae keeps its masks on the stack
    slot = linux.kernel.heap.alloc(8, "test", zero=True)
    live = linux.kernel.heap.stats.live_blocks
    assert call(linux, "alloc_cpumask_var_node", slot, 0x100, 0) & 0xFF == 1
    mask = linux.machine.mem.read_ptr(slot)
    assert linux.machine.mem.read_u64(mask) == 0 and linux.kernel.heap.stats.live_blocks == live + 1
    call(linux, "free_cpumask_var", mask)
    call(linux, "free_cpumask_var", 0)
    assert linux.kernel.heap.stats.live_blocks == live
